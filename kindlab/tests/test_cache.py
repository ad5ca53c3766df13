import threading
import time

from kindlab.core.cache import building


def test_a_second_builder_of_an_entry_waits_for_the_first(tmp_path):
    entry = tmp_path / "go-tool-v1-abc"
    order: list[str] = []
    release = threading.Event()

    def first() -> None:
        with building(entry):
            order.append("first builds")
            release.wait(5)
            order.append("first done")

    thread = threading.Thread(target=first)
    thread.start()
    while not order:
        time.sleep(0.01)
    threading.Timer(0.3, release.set).start()
    with building(entry):
        order.append("second builds")
    thread.join()
    assert order == ["first builds", "first done", "second builds"]


def test_other_entries_do_not_wait(tmp_path):
    """b's builder gets its lock while a's builder still holds a's."""
    a_held, a_done, release = threading.Event(), threading.Event(), threading.Event()

    def build_a() -> None:
        with building(tmp_path / "a"):
            a_held.set()
            release.wait(10)
        a_done.set()

    thread = threading.Thread(target=build_a)
    thread.start()
    assert a_held.wait(5)
    try:
        with building(tmp_path / "b"):
            assert not a_done.is_set(), "b waited for a to finish"
    finally:
        release.set()
        thread.join()

import threading
import time

import pytest

from kindlab.cache import building

pytestmark = pytest.mark.unit


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
    with building(tmp_path / "a"), building(tmp_path / "b"):
        pass

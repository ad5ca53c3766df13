import json
import os
import threading

import pytest

from app.podstate import JsonFile


def test_absent_file_reads_as_none(tmp_path):
    assert JsonFile(tmp_path / "x.json").read() is None


def test_write_is_atomic_and_leaves_no_temp_files(tmp_path):
    doc = JsonFile(tmp_path / "sub" / "x.json")
    doc.write({"a": 1})
    assert json.loads((tmp_path / "sub" / "x.json").read_text()) == {"a": 1}
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == ["x.json"]


def test_reader_sees_another_writers_change(tmp_path):
    reader, writer = JsonFile(tmp_path / "x.json"), JsonFile(tmp_path / "x.json")
    writer.write({"n": 1})
    assert reader.read() == {"n": 1}
    writer.write({"n": 2})
    assert reader.read() == {"n": 2}
    writer.remove()
    assert reader.read() is None


def test_unchanged_file_is_not_parsed_again(tmp_path):
    path = tmp_path / "x.json"
    doc = JsonFile(path)
    doc.write({"n": 1})
    assert doc.read() == {"n": 1}
    stat = path.stat()
    # Same inode, size and mtime: the cache must answer without reading the bytes.
    with path.open("r+") as handle:
        handle.write('{"n": 9}')
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert doc.read() == {"n": 1}


def test_concurrent_updates_all_land(tmp_path):
    def bump(_):
        JsonFile(tmp_path / "c.json").update(lambda d: {"n": (d or {"n": 0})["n"] + 1})

    threads = [threading.Thread(target=bump, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert JsonFile(tmp_path / "c.json").read() == {"n": 20}


def test_failed_write_keeps_the_old_document_and_no_temp_file(tmp_path):
    doc = JsonFile(tmp_path / "x.json")
    doc.write({"good": 1})
    with pytest.raises(TypeError):
        doc.write({"bad": object()})
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]
    assert JsonFile(tmp_path / "x.json").read() == {"good": 1}


def test_a_file_removed_while_being_read_reads_as_before_or_as_none(tmp_path, vanish_after_look):
    path = tmp_path / "x.json"
    JsonFile(path).write({"n": 1})
    vanish_after_look(path)
    assert JsonFile(path).read() in ({"n": 1}, None)
    assert not path.exists(), "the race was not provoked"
    assert JsonFile(path).read() is None


def test_remove_waits_for_an_update_in_progress(tmp_path):
    """DELETE /fault answered "reset" while another worker's PUT wrote after it: lost reset."""
    path = tmp_path / "x.json"
    entered, release = threading.Event(), threading.Event()

    def slow_change(stored):
        entered.set()
        release.wait(10)
        return {"n": 1}

    writer = threading.Thread(target=JsonFile(path).update, args=(slow_change,))
    writer.start()
    assert entered.wait(10)
    remover = threading.Thread(target=JsonFile(path).remove)
    remover.start()
    remover.join(0.3)
    assert remover.is_alive(), "remove did not wait for the lock"
    release.set()
    writer.join(10)
    remover.join(10)
    assert JsonFile(path).read() is None, "the later remove was undone by the earlier update"


@pytest.mark.parametrize(
    "content",
    [b"", b"{", b"[1]", b'"s"', b"\xff\xfe", b'{"a": NaN}'],
    ids=["empty", "truncated", "array", "string", "binary", "nan"],
)
def test_a_corrupt_file_reads_as_absent_and_is_logged_once(tmp_path, content, caplog):
    path = tmp_path / "x.json"
    path.write_bytes(content)
    doc = JsonFile(path)
    with caplog.at_level("WARNING", logger="app.podstate"):
        assert doc.read() is None
        assert doc.read() is None
    assert len(caplog.records) == 1, caplog.records
    assert str(path) in caplog.records[0].getMessage()
    doc.update(lambda stored: {"healed": stored is None})
    assert JsonFile(path).read() == {"healed": True}


def test_an_unreadable_path_reads_as_absent(tmp_path, caplog):
    (tmp_path / "x.json").mkdir()
    doc = JsonFile(tmp_path / "x.json")
    with caplog.at_level("WARNING", logger="app.podstate"):
        assert doc.read() is None
        assert doc.read() is None
    assert len(caplog.records) == 1
    assert "x.json" in caplog.text

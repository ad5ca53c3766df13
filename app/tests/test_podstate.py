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

import logging

from app.lifecycle import drain_before_stop, is_draining, mark_draining, reset_dir


class FakeArbiter:
    def __init__(self):
        self.stopped = False

    def handle_term(self):
        self.stopped = True


def test_reset_dir_empties_but_keeps_the_dir(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "f").write_text("x")
    (tmp_path / "draining").touch()
    (tmp_path / "link").symlink_to(tmp_path / "sub")
    reset_dir(tmp_path)
    assert tmp_path.is_dir()
    assert list(tmp_path.iterdir()) == []


def test_reset_dir_creates_a_missing_dir(tmp_path):
    reset_dir(tmp_path / "new")
    assert (tmp_path / "new").is_dir()


def test_sigterm_marks_draining_before_the_original_stop(tmp_path, caplog):
    arbiter = FakeArbiter()
    drain_before_stop(arbiter, tmp_path / "state", drain_seconds=0)
    assert not is_draining(tmp_path / "state")
    with caplog.at_level(logging.INFO, logger="app.lifecycle"):
        arbiter.handle_term()
    assert is_draining(tmp_path / "state")
    assert arbiter.stopped
    assert "readiness now 503" in caplog.text


def test_mark_draining_is_visible_to_every_reader(tmp_path):
    mark_draining(tmp_path)
    assert is_draining(tmp_path)

import os
import subprocess
import sys
import time

import pytest

from kindlab.clients.ingress import IngressClient
from kindlab.core import wait
from kindlab.host import loadslot
from kindlab.load.traffic import traffic
from kindlab.tests.loopback import QuietHandler, serving

HOLDER = """
import sys, time
from kindlab.host.loadslot import load_slot
with load_slot("e2e rollout"):
    print("held", flush=True)
    time.sleep(float(sys.argv[1]))
"""


@pytest.fixture
def slot_dir(tmp_path, monkeypatch):
    folder = tmp_path / "locks"
    monkeypatch.setattr(loadslot, "LOCK_DIR", folder)
    monkeypatch.setenv("KINDLAB_LOCK_DIR", str(folder))
    return folder


def _hold(seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_second_load_waits_until_the_first_gives_the_slot_back(slot_dir, monkeypatch):
    said: list[str] = []
    monkeypatch.setattr(wait, "HEARTBEAT_SECONDS", 0.5)
    monkeypatch.setattr(wait, "say", said.append)
    started = time.monotonic()
    holder = _hold(2.0)
    with loadslot.load_slot("labs check"):
        waited = time.monotonic() - started
    holder.wait()
    assert waited >= 2.0, "the slot was given while another process held it"
    assert any("load slot (labs check)" in line and "held by" in line and "e2e rollout (pid" in line
               for line in said), said  # fmt: skip


def test_loads_of_one_process_share_its_slot(slot_dir):
    with loadslot.load_slot("gets"), loadslot.load_slot("posts"):
        assert " gets (pid " in (slot_dir / loadslot.LOCK_FILE).read_text()


def test_a_slot_held_too_long_is_a_clear_error(slot_dir, monkeypatch):
    monkeypatch.setattr(loadslot, "WAIT_SECONDS", 0.5)
    holder = _hold(10.0)
    started = time.monotonic()
    with (
        pytest.raises(wait.WaitTimeout, match=r"load slot \(labs check\).*held by .*e2e rollout"),
        loadslot.load_slot("labs check"),
    ):
        pass
    holder.kill()
    assert time.monotonic() - started < 5


def test_the_default_folder_is_this_users_not_a_shared_tmp_path():
    assert str(os.geteuid()) in loadslot.LOCK_DIR.name
    assert str(loadslot.LOCK_DIR) != "/tmp/kindlab-locks"


def test_a_missing_folder_is_made_private(slot_dir):
    with loadslot.load_slot("gets"):
        pass
    assert oct(slot_dir.stat().st_mode & 0o777) == oct(0o700)
    assert oct((slot_dir / loadslot.LOCK_FILE).stat().st_mode & 0o777) == oct(0o600)


def test_a_symlink_planted_as_the_lock_is_refused_and_its_target_untouched(slot_dir, tmp_path):
    slot_dir.mkdir(mode=0o700)
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    (slot_dir / loadslot.LOCK_FILE).symlink_to(victim)
    with (
        pytest.raises(loadslot.UnsafeLockDir, match="cannot be opened safely"),
        loadslot.load_slot("labs check"),
    ):
        pass
    assert victim.read_text() == "precious\n"


def test_a_symlinked_folder_is_refused(slot_dir, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    slot_dir.symlink_to(elsewhere)
    with pytest.raises(loadslot.UnsafeLockDir, match="not a directory"), loadslot.load_slot("x"):
        pass
    assert list(elsewhere.iterdir()) == []


def test_a_folder_others_may_write_in_is_refused(slot_dir):
    slot_dir.mkdir()
    slot_dir.chmod(0o777)
    with pytest.raises(loadslot.UnsafeLockDir, match=r"mode 0777\): chmod 0700"):
        loadslot.ensure_lock_dir(slot_dir)
    assert list(slot_dir.iterdir()) == []


def test_a_folder_of_another_user_is_refused(slot_dir, monkeypatch):
    slot_dir.mkdir(mode=0o700)
    stranger = 4242
    if os.geteuid() == 0:
        os.chown(slot_dir, stranger, stranger)
    else:  # the folder is ours; this user is then the stranger
        monkeypatch.setattr(loadslot, "trusted_owners", lambda: {stranger})
    with pytest.raises(loadslot.UnsafeLockDir, match=r"belongs to uid .*not to you"):
        loadslot.ensure_lock_dir(slot_dir)


def test_the_pipeline_names_the_folders_owner_for_its_root_jobs(slot_dir, monkeypatch):
    monkeypatch.setenv(loadslot.OWNER_VARIABLE, "4242")
    assert 4242 in loadslot.trusted_owners()


class Answers200(QuietHandler):
    def do_GET(self):
        self.answer(200)


def test_only_measured_traffic_waits_for_the_slot(slot_dir, monkeypatch):
    """An alert drill's few requests a second, which nobody counts, run while another process
    holds the slot (the e2e job's drill once waited 99 s for lab 11); measured traffic waits."""
    monkeypatch.setattr(loadslot, "WAIT_SECONDS", 1.0)
    holder = _hold(30.0)
    try:
        with serving(Answers200) as url:
            client = IngressClient(url, "app.test")
            with traffic(client, rate=20, measured=False) as report:
                time.sleep(0.5)
            assert report.sent > 0 and not report.failed, report.summary()
            with pytest.raises(wait.WaitTimeout, match=r"load slot"), traffic(client, rate=20):
                pass
    finally:
        holder.kill()
        holder.wait()

import subprocess
import sys
import time

import pytest

from kindlab import loadslot, wait

pytestmark = pytest.mark.unit

HOLDER = """
import sys, time
from kindlab.loadslot import load_slot
with load_slot("e2e rollout"):
    print("held", flush=True)
    time.sleep(float(sys.argv[1]))
"""


@pytest.fixture
def slot_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(loadslot, "LOCK_DIR", tmp_path)
    monkeypatch.setenv("KINDLAB_LOCK_DIR", str(tmp_path))
    return tmp_path


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

"""Background traffic that outlives its starter, with real vegeta against a loopback server."""

import os
import time
from pathlib import Path

import pytest

from kindlab.load.background import BackgroundTraffic, gaps
from kindlab.load.vegeta import Hit, Target
from kindlab.tests.loopback import QuietHandler, serving


class Handler(QuietHandler):
    def do_GET(self):
        self.answer(200)

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.answer(500)


@pytest.fixture
def server():
    with serving(Handler) as url:
        yield url


@pytest.fixture
def background(tmp_path):
    kept = BackgroundTraffic(tmp_path / "traffic")
    yield kept
    kept.end()


def test_traffic_goes_on_between_reads_and_keeps_every_request(server, background):
    targets = [Target(f"{server}/a", "app.test"), Target(f"{server}/b", "app.test", "POST", b"{}")]
    background.start(targets, rate=20)
    time.sleep(1.5)
    first = background.hits()
    # Another process's view of the same folder (labctl runs once per command).
    again = BackgroundTraffic(background.folder)
    assert again.running(), "reading does not stop the traffic"
    time.sleep(1.0)
    second = again.hits()
    assert len(first) >= 20 and len(second) >= len(first) + 15
    assert [hit.sent_at for hit in second[: len(first)]] == [hit.sent_at for hit in first]
    assert {(hit.request, hit.status) for hit in second} == {
        (f"GET {server}/a", 200),
        (f"POST {server}/b", 500),
    }
    assert gaps(second, 1.0) == [], "segments follow each other without a pause"


def test_end_stops_the_attack_and_forgets_it(server, background):
    background.start([Target(f"{server}/a", "app.test")], rate=10)
    pid = int((background.folder / "attack.pid").read_text().split()[0])
    background.end()
    assert not background.running()
    assert not background.folder.exists()
    assert not Path(f"/proc/{pid}").exists(), "stopped and reaped"
    assert background.hits() == []


def test_a_pid_file_naming_another_program_is_not_the_attack(background):
    background.folder.mkdir(parents=True)
    (background.folder / "attack.pid").write_text(f"{os.getpid()} segment-0001.bin\n")
    assert not background.running()


def hit(at: float) -> Hit:
    return Hit(sent_at=at, status=200, latency=0.01, headers={}, error=None, body="")


def test_gaps_are_the_spans_without_a_request():
    hits = [hit(t) for t in (0.0, 0.5, 1.0, 7.0, 7.2)]
    assert gaps(hits, 5.0) == [(1.0, 7.0)]
    assert gaps(hits, 6.0) == []

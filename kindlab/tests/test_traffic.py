"""The load generator against a real HTTP server on loopback."""

import time

import pytest

from kindlab.clients.ingress import IngressClient
from kindlab.load import vegeta
from kindlab.load.traffic import Record, TrafficGenerator, TrafficReport, traffic
from kindlab.tests.loopback import QuietHandler, serving


class Handler(QuietHandler):
    counter = 0

    def do_GET(self):
        type(self).counter += 1
        if self.path == "/slow":
            time.sleep(0.5)
        failing = self.headers["Host"] != "app.test" or type(self).counter % 5 == 0
        headers = {"X-Served-By": f"pod-{self.counter % 3}", "X-App-Version": "v1"}
        self.answer(502 if failing else 200, headers)


@pytest.fixture
def server():
    with serving(Handler) as url:
        yield url


def test_records_every_request_with_pod_version_and_failures(server):
    client = IngressClient(server, "app.test")
    with traffic(client, rate=100) as report:
        time.sleep(0.5)
    # vegeta's own start-up eats into the window on a busy machine: judge the rate it held.
    assert report.sent >= 20 and report.rate() == pytest.approx(100, rel=0.1)
    assert len(report.failed) == pytest.approx(report.sent / 5, abs=2)
    assert report.pods <= {"pod-0", "pod-1", "pod-2"} and len(report.pods) >= 2
    assert set(report.versions()) == {"v1"}
    summary = report.summary()
    assert summary["failed"] == len(report.failed)
    assert summary["failure_samples"][0].startswith("502")
    assert (
        0
        < summary["latency_ms"]["p50"]
        <= summary["latency_ms"]["p99"]
        <= summary["latency_ms"]["max"]
    )
    rows = report.per_second()
    assert sum(row["sent"] for row in rows) == report.sent


def test_rate_holds_when_the_server_is_slow(server):
    """Open model: requests leave on schedule although each takes 0.5 s (no coordinated
    omission), so a slow server shows up as latency, not as a lower rate."""
    client = IngressClient(server, "app.test")
    with traffic(client, rate=50, path="/slow") as report:
        time.sleep(2)
    assert report.sent >= 50 and report.rate() == pytest.approx(50, rel=0.1), report.summary()
    assert report.latency_ms()["p50"] >= 500


def test_observer_samples_once_a_second(server):
    client = IngressClient(server, "app.test")
    with traffic(client, rate=10, observe=lambda: 3) as report:
        time.sleep(2.5)
    assert [value for _, value in report.observed] == [3, 3]
    assert any(row["observed"] == 3 for row in report.per_second())


def test_connection_errors_count_as_failures():
    client = IngressClient("http://127.0.0.1:9", "app.test")
    with traffic(client, rate=20) as report:
        time.sleep(0.3)
    assert report.sent > 0 and len(report.failed) == report.sent
    assert report.availability == 0.0


@pytest.mark.parametrize("rate", [0, -1, 10_000])
def test_rate_is_bounded(rate):
    with pytest.raises(ValueError, match="rate must be"):
        TrafficGenerator(IngressClient("http://127.0.0.1:9", "x"), rate=rate)


def test_without_go_or_a_built_vegeta_the_error_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("KINDLAB_CACHE", str(tmp_path))
    monkeypatch.setattr(vegeta.shutil, "which", lambda _name: None)
    vegeta.vegeta_binary.cache_clear()
    try:
        with pytest.raises(vegeta.GoMissing, match="put Go"):
            vegeta.vegeta_binary()
    finally:
        vegeta.vegeta_binary.cache_clear()


def test_stopping_twice_gives_the_same_report(server):
    generator = TrafficGenerator(IngressClient(server, "app.test"), rate=20)
    generator.start()
    time.sleep(0.5)
    first = generator.stop()
    sent = first.sent
    assert generator.stop().sent == sent > 0


def test_the_summary_says_when_requests_failed_and_how_many_pods_were_ready():
    def record(at: float, status: int) -> Record:
        return Record(at, status, 0.01, None, None, None if status == 200 else "404 Not Found")

    statuses = [200] * 10 + [404] * 3 + [200] * 10
    report = TrafficReport(
        records=[record(100 + i * 0.5, s) for i, s in enumerate(statuses)],
        observed=[(100.0 + t, 0 if t in (5, 6) else 3) for t in range(12)],
    )
    assert report.summary()["failures_window"] == {
        "from_seconds": 5.0,
        "to_seconds": 6.0,
        "fewest_ready": 0,
    }
    assert TrafficReport(records=[record(100, 200)]).summary()["failures_window"] is None

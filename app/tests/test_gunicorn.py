"""The production gunicorn config, for real, on a loopback port with two workers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from app import healthcheck
from kindlab import ports
from kindlab.httpready import answers_ready
from kindlab.wait import WaitTimeout, wait_for

CONF = Path(__file__).resolve().parents[1] / "gunicorn.conf.py"
REPO = CONF.parents[1]


class Server:
    def __init__(self, tmp_path: Path, **env: str):
        self.port = ports.unused_fixed_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.state_dir = tmp_path / "state"
        self.metrics_dir = tmp_path / "metrics"
        self.log_path = tmp_path / "gunicorn.log"
        self.env = {
            **os.environ,
            "PORT": str(self.port),
            "WEB_CONCURRENCY": "2",
            "APP_ENABLE_FAULTS": "true",
            "APP_VERSION": "9.9.9",
            "POD_NAME": "unit-pod",
            "APP_STATE_DIR": str(self.state_dir),
            "PROMETHEUS_MULTIPROC_DIR": str(self.metrics_dir),
            "SHUTDOWN_DRAIN_SECONDS": "0",
            **env,
        }
        self.proc: subprocess.Popen | None = None

    def start(self) -> Server:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(CONF), "-b", f"127.0.0.1:{self.port}"],
            cwd=REPO,
            env=self.env,
            stdout=self.log_path.open("w"),
            stderr=subprocess.STDOUT,
        )

        def gone() -> str | None:
            return None if self.proc.poll() is None else "gunicorn exited"

        try:
            wait_for(answers_ready(self.url, gone), "gunicorn to be ready", 20, interval=0.1)
        except WaitTimeout as exc:
            raise AssertionError(f"{exc}\n{self.log_path.read_text()}") from None
        return self

    def terminate(self) -> int:
        """SIGTERM to the master only, as Kubernetes and `docker stop` send it."""
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.terminate()


@pytest.fixture
def start_server(tmp_path):
    servers: list[Server] = []

    def start(**env: str) -> Server:
        servers.append(Server(tmp_path / str(len(servers)), **env))
        return servers[-1].start()

    yield start
    for server in servers:
        server.stop()


def test_requests_spread_across_workers_and_metrics_aggregate(start_server):
    server = start_server()
    total = 60

    def post(i: int) -> int:
        reply = requests.post(f"{server.url}/data", json={"i": i}, timeout=10)
        assert reply.status_code == 201
        return requests.get(f"{server.url}/version", timeout=10).json()["worker_pid"]

    with ThreadPoolExecutor(8) as pool:
        pids = set(pool.map(post, range(total)))
    assert len(pids) == 2, "both workers should have served requests"
    for _ in range(6):  # whichever worker answers the scrape, it reports the pod's total
        text = requests.get(f"{server.url}/metrics", timeout=10).text
        assert f"kindlab_data_items_processed_total {total}.0" in text
        assert f'flask_http_request_total{{method="POST",status="201"}} {total}.0' in text


def test_responses_carry_identity_headers_and_json_logs(start_server):
    server = start_server()
    reply = requests.get(f"{server.url}/version", headers={"X-Request-ID": "gw-1"}, timeout=5)
    assert reply.json()["version"] == "9.9.9"
    assert reply.headers["X-Served-By"] == "unit-pod"
    assert reply.headers["X-App-Version"] == "9.9.9"
    assert reply.headers["X-Request-ID"] == "gw-1"
    assert reply.headers["Connection"] == "keep-alive"
    server.stop()
    lines = server.log_path.read_text().splitlines()
    assert lines, "gunicorn wrote no log"
    entries = [json.loads(line) for line in lines]
    assert any(e.get("request_id") == "gw-1" and e["path"] == "/version" for e in entries)
    assert any(e["logger"] == "gunicorn.error" for e in entries)


def test_oversized_body_gets_a_json_413_over_real_http(start_server):
    server = start_server()
    reply = requests.post(
        f"{server.url}/data",
        data=b'{"a": "' + b"x" * (2 * 1024 * 1024) + b'"}',
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert reply.status_code == 413
    assert set(reply.json()) == {"error", "detail"}


def test_faults_are_pod_wide_across_workers(start_server):
    server = start_server()
    requests.put(f"{server.url}/fault", json={"status_code": 502}, timeout=5)

    def status(_: int) -> int:
        return requests.get(f"{server.url}/version", timeout=5).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = set(pool.map(status, range(40)))
    assert statuses == {502}
    requests.delete(f"{server.url}/fault", timeout=5)
    assert requests.get(f"{server.url}/version", timeout=5).status_code == 200


def test_restart_starts_from_clean_state(tmp_path, start_server):
    state, metrics = tmp_path / "0" / "state", tmp_path / "0" / "metrics"
    state.mkdir(parents=True)
    metrics.mkdir(parents=True)
    (state / "draining").touch()
    (state / "faults.json").write_text(
        '{"delay_seconds": 0, "status_code": 500, "ready": false, "hang_liveness": true}'
    )
    (metrics / "counter_1.db").write_bytes(b"stale")
    server = start_server()
    assert requests.get(f"{server.url}/health", timeout=5).status_code == 200
    assert requests.get(f"{server.url}/ready", timeout=5).status_code == 200
    assert not (metrics / "counter_1.db").exists()


def test_sigterm_flips_readiness_then_finishes_in_flight_requests(start_server):
    server = start_server(SHUTDOWN_DRAIN_SECONDS="2")
    requests.put(f"{server.url}/fault", json={"delay_seconds": 1.5}, timeout=5)
    slow: dict = {}

    def slow_request() -> None:
        reply = requests.get(f"{server.url}/version", timeout=30)
        slow.update(status=reply.status_code, done=time.monotonic())

    thread = threading.Thread(target=slow_request)
    thread.start()
    time.sleep(0.3)
    server.proc.send_signal(signal.SIGTERM)

    ready_503_at = None
    deadline = time.monotonic() + 1.5
    while ready_503_at is None and time.monotonic() < deadline:
        if requests.get(f"{server.url}/ready", timeout=5).status_code == 503:
            ready_503_at = time.monotonic()
    assert ready_503_at is not None, "/ready never turned 503 after SIGTERM"
    assert requests.get(f"{server.url}/health", timeout=5).status_code == 200, "still serving"
    thread.join(timeout=30)
    assert slow["status"] == 200
    assert ready_503_at < slow["done"]
    assert server.proc.wait(timeout=30) == 0


def test_healthcheck_module_probes_the_port(start_server, monkeypatch):
    server = start_server()
    assert healthcheck.check(server.port)
    monkeypatch.setenv("PORT", str(server.port))
    assert healthcheck.main() == 0
    requests.put(f"{server.url}/fault", json={"hang_liveness": True}, timeout=5)
    assert healthcheck.main() == 1
    monkeypatch.setenv("PORT", str(ports.unused_fixed_port()))
    assert healthcheck.main() == 1

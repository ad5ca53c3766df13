"""The built image, running in Docker, over real HTTP."""

from __future__ import annotations

import subprocess
import threading
import time

import requests

from kindlab.core.output import say

from .conftest import docker

STOP_GRACE_SECONDS = 10


def test_health_ready_and_version(run_container, app_image):
    c = run_container()
    assert requests.get(f"{c.url}/health", timeout=5).json() == {"status": "healthy"}
    assert requests.get(f"{c.url}/ready", timeout=5).json() == {"status": "ready"}
    reply = requests.get(f"{c.url}/version", timeout=5)
    assert reply.json()["version"] == app_image.version
    assert reply.json()["pod"] == "smoke-pod"
    assert reply.headers["X-App-Version"] == app_image.version
    assert reply.headers["X-Served-By"] == "smoke-pod"


def test_data_and_its_errors(run_container):
    c = run_container()
    reply = requests.post(f"{c.url}/data", json={"hello": "kind"}, timeout=5)
    assert reply.status_code == 201
    assert reply.json() == {"result": "Data processed successfully", "input": {"hello": "kind"}}
    bad = requests.post(f"{c.url}/data", data="x", headers={"Content-Type": "text/plain"})
    assert bad.status_code == 415
    assert set(bad.json()) == {"error", "detail"}


def test_metrics_are_exposed_and_count_business_traffic(run_container):
    c = run_container()
    for i in range(5):
        requests.post(f"{c.url}/data", json={"i": i}, timeout=5)
    text = requests.get(f"{c.url}/metrics", timeout=5).text
    assert "kindlab_data_items_processed_total 5.0" in text
    assert 'flask_http_request_duration_seconds_bucket{endpoint="api.process_data"' in text


def test_runs_as_non_root_with_gunicorn_as_pid_1(run_container, app_image):
    c = run_container()
    assert docker("inspect", "--format", "{{.Config.User}}", app_image.image_id) == "10001:10001"
    uid = docker("exec", c.name, "python3", "-c", "import os; print(os.getuid())")
    assert uid == "10001"
    cmdline = docker("exec", c.name, "python3", "-c", "print(open('/proc/1/cmdline').read())")
    assert "gunicorn" in cmdline


def test_healthcheck_command_passes_inside_the_container(run_container):
    c = run_container()
    probe = subprocess.run(
        ["docker", "exec", c.name, "python3", "-m", "app.healthcheck"], check=False
    )
    assert probe.returncode == 0


def test_labels_carry_the_version(app_image):
    labels = docker(
        "inspect", "--format", '{{index .Config.Labels "org.opencontainers.image.version"}}',
        app_image.image_id,
    )  # fmt: skip
    assert labels == app_image.version


def test_docker_stop_finishes_in_flight_requests_and_exits_cleanly(run_container):
    c = run_container("FAULT_DELAY_SECONDS=2")
    result: dict = {}

    def slow() -> None:
        result["status"] = requests.get(f"{c.url}/version", timeout=30).status_code

    request = threading.Thread(target=slow)
    request.start()
    time.sleep(0.5)
    started = time.monotonic()
    docker("stop", "--time", str(STOP_GRACE_SECONDS), c.name)
    elapsed = time.monotonic() - started
    request.join(timeout=30)
    exit_code = docker("inspect", "--format", "{{.State.ExitCode}}", c.name)
    say(f"docker stop took {elapsed:.1f}s (grace {STOP_GRACE_SECONDS}s), exit code {exit_code}")
    assert result.get("status") == 200, "the in-flight request must complete"
    assert exit_code == "0", "gunicorn must exit cleanly, not be SIGKILLed (137)"
    assert elapsed < STOP_GRACE_SECONDS

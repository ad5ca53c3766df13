"""The production gunicorn config, for real, on a loopback port with two workers."""

from __future__ import annotations

import http.client
import json
import signal
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from app import healthcheck
from kindlab.host import ports


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


MIB = 1024 * 1024


def post_chunked(server, body: bytes) -> tuple[int, str, bytes]:
    """POST /data with Transfer-Encoding: chunked (no Content-Length), 64 KiB a chunk.

    gunicorn may answer 413 and close while chunks are still on their way: a client that then
    cannot send more (broken pipe, reset) reads the answer that is already there, as curl does.
    """
    head = (
        b"POST /data HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    chunks = [body[i : i + 65536] for i in range(0, len(body), 65536)]
    with socket.create_connection(("127.0.0.1", server.port), timeout=60) as sock:
        try:
            sock.sendall(head)
            for chunk in chunks:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        reply = http.client.HTTPResponse(sock)
        reply.begin()
        return reply.status, reply.getheader("Content-Type"), reply.read()


def json_object_of(size: int) -> bytes:
    body = b'{"a": "' + b"x" * (size - 9) + b'"}'
    assert len(body) == size
    return body


def test_a_chunked_body_over_the_limit_is_a_json_413_not_cut(start_server):
    """Werkzeug stopped reading a streamed body at 1 MiB and said nothing: the cut gave 400
    (malformed) or, when the first MiB happened to be whole JSON, 201 for a body never read."""
    server = start_server()
    for body in (json_object_of(MIB + MIB // 2), json_object_of(MIB) + b" " * (MIB // 2)):
        status, content_type, data = post_chunked(server, body)
        assert (status, content_type) == (413, "application/json"), data[:200]
        assert set(json.loads(data)) == {"error", "detail"}
    assert post_chunked(server, json_object_of(MIB + 1))[0] == 413


def test_a_chunked_body_up_to_the_limit_is_accepted(start_server):
    server = start_server()
    for size in (20, MIB):
        status, _, data = post_chunked(server, json_object_of(size))
        assert status == 201, data[:200]
        assert len(json.loads(data)["input"]["a"]) == size - 9


def raw_exchange(server, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send bytes no HTTP client library would send; read the answer until gunicorn closes."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=60) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in header_lines)
    return int(status_line.split()[1]), {k.lower(): v for k, v in headers.items()}, body


@pytest.mark.parametrize(
    ("request_bytes", "status", "detail"),
    [
        (b"GET /version HTTP/1.1 extra\r\nHost: x\r\n\r\n", 400, "Invalid"),
        (b"\x16\x03\x01 hello\r\n\r\n", 400, "Invalid"),
        (b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "line"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", 431, "header"),
        (b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-N: 1\r\n" * 200 + b"\r\n", 431, "header"),
    ],
    ids=["bad-request-line", "tls-to-http", "uri-too-long", "header-too-large", "too-many-headers"],
)
def test_gunicorns_own_errors_are_json(start_server, request_bytes, status, detail):
    """gunicorn answers these before the app runs; its pages were HTML."""
    server = start_server()
    got_status, headers, body = raw_exchange(server, request_bytes)
    assert got_status == status
    assert headers["content-type"] == "application/json"
    assert int(headers["content-length"]) == len(body)
    error = json.loads(body)
    assert set(error) == {"error", "detail"}
    assert detail.lower() in error["detail"].lower(), error

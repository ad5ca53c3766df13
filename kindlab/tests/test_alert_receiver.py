"""The alert receiver (tools/alert-receiver) as Alertmanager and the drill use it, via HTTP."""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import subprocess
import sys

import pytest
import requests

from kindlab.build.receiverimage import RECEIVER_DIR
from kindlab.core.wait import wait_for
from kindlab.host import ports

NOTIFICATION = {
    "version": "4",
    "status": "firing",
    "receiver": "kindlab-webhook",
    "groupLabels": {"alertname": "KindlabHighErrorRatio"},
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "KindlabHighErrorRatio", "severity": "page"},
            "annotations": {"runbook": "Look at the error ratio panel."},
            "startsAt": "2026-01-01T00:00:00Z",
        }
    ],
}


@pytest.fixture
def receiver():
    port = ports.unused_fixed_port()
    proc = subprocess.Popen(
        [sys.executable, str(RECEIVER_DIR / "receiver.py")],
        env={"PORT": str(port)},
        stdout=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"

    def up() -> tuple[bool, str]:
        try:
            return requests.get(f"{url}/healthz", timeout=1).ok, "answering"
        except requests.ConnectionError:
            return False, "not listening yet"

    wait_for(up, "the receiver", timeout=20, interval=0.2)
    yield url, proc
    proc.kill()
    proc.wait()


def test_records_notifications_and_returns_them_oldest_first(receiver):
    url, _ = receiver
    assert requests.get(f"{url}/alerts", timeout=5).json() == {"received": 0, "notifications": []}
    for status in ("firing", "resolved"):
        sent = requests.post(f"{url}/alerts", json=NOTIFICATION | {"status": status}, timeout=5)
        assert sent.status_code == 200
    got = requests.get(f"{url}/alerts", timeout=5).json()
    assert got["received"] == 2
    assert [n["payload"]["status"] for n in got["notifications"]] == ["firing", "resolved"]
    assert [n["seq"] for n in got["notifications"]] == [1, 2]
    assert got["notifications"][0]["payload"]["alerts"] == NOTIFICATION["alerts"]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"{oops", "invalid JSON"),
        (b"[]", "expected a JSON object"),
        (b'{"version": "3", "alerts": []}', "expected webhook version '4'"),
        (b'{"version": "4"}', "expected an 'alerts' list"),
    ],
)
def test_refuses_what_is_not_a_webhook_notification(receiver, body, error):
    url, _ = receiver
    answer = requests.post(f"{url}/alerts", data=body, timeout=5)
    assert answer.status_code == 400 and error in answer.json()["error"]
    assert requests.get(f"{url}/alerts", timeout=5).json()["received"] == 0


def test_logs_each_notification_and_exits_cleanly_on_sigterm(receiver):
    url, proc = receiver
    requests.post(f"{url}/alerts", json=NOTIFICATION, timeout=5)
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert '"event": "notification"' in out and "KindlabHighErrorRatio" in out


def post_raw(url: str, head: bytes, body: bytes = b"") -> tuple[int, bytes]:
    """A request with the Content-Length we choose, which no client library would send."""
    host, port = url.removeprefix("http://").split(":")
    answer = b""
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        # A server that answers without reading the body may reset the connection meanwhile.
        with contextlib.suppress(OSError):
            sock.sendall(b"POST /alerts HTTP/1.1\r\nHost: x\r\n" + head + b"\r\n" + body)
            sock.shutdown(socket.SHUT_WR)
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


@pytest.mark.parametrize(
    ("length", "status", "error"),
    [
        (b"-1", 400, "Content-Length"),
        (b"-99999999", 400, "Content-Length"),
        (b"abc", 400, "Content-Length"),
        (b"1e3", 400, "Content-Length"),
        (str(2 * 1024 * 1024).encode(), 413, "too large"),
    ],
)
def test_refuses_a_bad_or_oversized_content_length(receiver, length, status, error):
    """A negative length made it read to the end of the stream: any size, into memory."""
    url, _ = receiver
    body = json.dumps(NOTIFICATION).encode()
    got, answer = post_raw(url, b"Content-Length: " + length + b"\r\n", body)
    assert got == status
    assert error in json.loads(answer)["error"]
    assert requests.get(f"{url}/alerts", timeout=5).json()["received"] == 0

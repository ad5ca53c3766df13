"""The lab's alert receiver: records every Alertmanager webhook notification it is sent.

A stand-in for a pager or chat hook that people and tests can read back: POST /alerts takes
Alertmanager's webhook payload (version 4) and logs it as one JSON line; GET /alerts returns
what arrived, oldest first, each with the time it arrived. Only the Python standard library,
so it runs on the app's Python base image online and air-gapped alike. Memory stays bounded:
it keeps the latest MAX_KEPT notifications.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from collections import deque
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MAX_KEPT = 1000
MAX_BODY_BYTES = 1024 * 1024
WEBHOOK_VERSION = "4"


class Notifications:
    """The notifications received so far, safe to share between request threads."""

    def __init__(self, limit: int = MAX_KEPT) -> None:
        self._lock = threading.Lock()
        self._kept: deque[dict[str, Any]] = deque(maxlen=limit)
        self._received = 0

    def add(self, payload: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._received += 1
            entry = {"seq": self._received, "received_at": time.time(), "payload": payload}
            self._kept.append(entry)
            return entry

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"received": self._received, "notifications": list(self._kept)}


def webhook_problem(payload: Any) -> str | None:
    """Why a body is not an Alertmanager webhook notification, or None when it is one."""
    if not isinstance(payload, dict):
        return "expected a JSON object"
    if payload.get("version") != WEBHOOK_VERSION:
        return f"expected webhook version {WEBHOOK_VERSION!r}, got {payload.get('version')!r}"
    if not isinstance(payload.get("alerts"), list):
        return "expected an 'alerts' list"
    return None


def handler_for(store: Notifications) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "kindlab-alert-receiver"

        def do_GET(self) -> None:
            if self.path == "/alerts":
                self._reply(HTTPStatus.OK, store.snapshot())
            elif self.path == "/healthz":
                self._reply(HTTPStatus.OK, {"status": "ok"})
            else:
                self._reply(HTTPStatus.NOT_FOUND, {"error": f"no route {self.path}"})

        def do_POST(self) -> None:
            if self.path != "/alerts":
                self._reply(HTTPStatus.NOT_FOUND, {"error": f"no route {self.path}"})
                return
            length = self._content_length()
            if length is None:
                return
            try:
                payload = json.loads(self.rfile.read(length) or b"null")
            except ValueError as exc:
                self._reply(HTTPStatus.BAD_REQUEST, {"error": f"invalid JSON: {exc}"})
                return
            problem = webhook_problem(payload)
            if problem:
                self._reply(HTTPStatus.BAD_REQUEST, {"error": problem})
                return
            entry = store.add(payload)
            print(json.dumps({"event": "notification", **entry}), flush=True)
            self._reply(HTTPStatus.OK, {"seq": entry["seq"]})

        def _content_length(self) -> int | None:
            """The body's length, or None once a refusal was sent: a negative length once made
            rfile.read() take everything up to the end of the stream, of any size."""
            values = set(self.headers.get_all("Content-Length") or ["0"])
            raw = values.pop().strip() if len(values) == 1 else "several values"
            if not raw.isascii() or not raw.isdigit():
                self.close_connection = True
                self._reply(
                    HTTPStatus.BAD_REQUEST,
                    {"error": f"Content-Length must be one non-negative integer, got {raw!r}"},
                )
                return None
            if int(raw) > MAX_BODY_BYTES:
                self.close_connection = True
                self._reply(
                    HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                    {"error": f"body too large: {raw} bytes, at most {MAX_BODY_BYTES}"},
                )
                return None
            return int(raw)

        def _reply(self, status: HTTPStatus, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Requests are not logged: probes would drown the notifications."""

    return Handler


def main() -> int:
    port = int(os.environ.get("PORT", "8080"))
    server = ThreadingHTTPServer(("0.0.0.0", port), handler_for(Notifications()))
    # SIGTERM (pod deletion) ends serve_forever from another thread, so the process exits 0.
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(json.dumps({"event": "listening", "port": port}), flush=True)
    server.serve_forever()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

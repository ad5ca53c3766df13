"""Waiting for a server to be ready on a loaded host: a slow answer is "not yet", not a crash."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from kindlab.testing.httpready import answers_ready


class SlowOnce(BaseHTTPRequestHandler):
    calls = 0

    def do_GET(self) -> None:
        type(self).calls += 1
        if type(self).calls == 1:
            time.sleep(3)  # past the 2 s a readiness GET waits
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def test_an_answer_slower_than_the_probe_timeout_is_not_yet():
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowOnce)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        check = answers_ready(f"http://127.0.0.1:{server.server_port}", lambda: None)
        ready, state = check()
        assert (ready, "ReadTimeout" in state) == (False, True), state
        assert check() == (True, "GET /ready -> 200")
    finally:
        server.shutdown()

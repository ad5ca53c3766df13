"""gunicorn's own error answers in the app's JSON shape: `{"error", "detail"}`, never HTML.

gunicorn answers some requests itself, before the app runs: a bad request line (400), a URI
past limit_request_line (414), headers past limit_request_field_size or limit_request_fields
(431), a crash outside the app (500). Those answers were HTML pages. gunicorn has no setting or
hook for them (27.0.1; asked for since benoitc/gunicorn#993): every worker writes them through
the one function `gunicorn.util.write_error(sock, status, reason, message)`. Replacing that
function keeps gunicorn's own choice of status and its logging for each parse error, where a
worker subclass would have to copy its whole handle_error. The raw-socket tests in
app/tests/test_gunicorn.py fail if an upgrade of gunicorn stops calling it.
"""

from __future__ import annotations

import json
import socket

from gunicorn import util


def write_json_error(sock: socket.socket, status: int, reason: str, message: str) -> None:
    """Same signature and framing as gunicorn.util.write_error; the body is JSON."""
    body = json.dumps({"error": reason, "detail": message or reason}).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


def install() -> None:
    """Called from gunicorn.conf.py in the master, so every forked worker inherits it."""
    util.write_error = write_json_error

"""Per-request identity and the access log.

Every response names its request id, pod and version in headers, so load generators and e2e
tests can tell which pod and release answered without parsing bodies (error bodies included).
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Response, g, request

from app.runtime import runtime

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:/+=-]{1,128}$")
QUIET_PATHS = frozenset({"/health", "/ready", "/metrics"})
access_log = logging.getLogger("app.access")


def init_request_context(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)


def _start() -> None:
    """Adopt the caller's request id when it is safe to echo and log, else mint one."""
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
    g.started = time.perf_counter()


def _finish(response: Response) -> Response:
    """Stamp the identity headers and log the request; probes log at DEBUG to keep logs useful."""
    settings = runtime().settings
    # setdefault: an earlier before_request hook may have failed before _start ran.
    response.headers[REQUEST_ID_HEADER] = g.setdefault("request_id", uuid.uuid4().hex)
    response.headers["X-Served-By"] = settings.pod_name
    response.headers["X-App-Version"] = settings.app_version
    elapsed = time.perf_counter() - g.setdefault("started", time.perf_counter())
    access_log.log(
        logging.DEBUG if request.path in QUIET_PATHS else logging.INFO,
        "%s %s %s",
        request.method,
        request.path,
        response.status_code,
        extra={
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round(elapsed * 1000, 3),
            "remote_addr": request.remote_addr,
            "user_agent": request.user_agent.string,
        },
    )
    return response

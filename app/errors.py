"""Every error is JSON `{"error", "detail"}` with the right status, never an HTML page.

Unexpected exceptions are answered 500 without internals, logged with the request id (by
Flask's log_exception, through the JSON formatter) and counted, so an alert can fire on them.
"""

from __future__ import annotations

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException, InternalServerError

from app.runtime import runtime


def error_response(status: int, error: str, detail: str) -> Response:
    response = jsonify(error=error, detail=detail)
    response.status_code = status
    return response


def init_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _unexpected_error)


def _http_error(exc: HTTPException) -> Response:
    response = error_response(exc.code or 500, exc.name, exc.description or exc.name)
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _unexpected_error(exc: InternalServerError) -> Response:
    """Flask routes any uncaught exception here (as `original_exception`) after logging it."""
    runtime().metrics.unhandled_exceptions.inc()
    return error_response(500, exc.name, "unexpected server error; quote the X-Request-ID")

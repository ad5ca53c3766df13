"""The business API: what the service is for, and what injected faults act on."""

from __future__ import annotations

import os
import time

from flask import Blueprint, Response, jsonify

from app.errors import error_response
from app.jsonbody import read_json_object
from app.runtime import runtime

api = Blueprint("api", __name__)


@api.before_request
def apply_faults() -> Response | None:
    """Injected delay and forced status hit only the business API, never probes or /metrics."""
    faults = runtime().faults.current()
    if faults.delay_seconds:
        time.sleep(faults.delay_seconds)
    if faults.status_code is not None:
        return error_response(
            faults.status_code, "injected fault", f"status {faults.status_code} forced by a fault"
        )
    return None


@api.post("/data")
def process_data() -> tuple[Response, int]:
    payload, size = read_json_object()
    metrics = runtime().metrics
    metrics.items_processed.inc()
    metrics.payload_bytes.observe(size)
    return jsonify(result="Data processed successfully", input=payload), 201


@api.get("/version")
def version() -> Response:
    """Which release and pod answered: how tests follow rollouts and scaling."""
    settings = runtime().settings
    return jsonify(
        version=settings.app_version,
        pod=settings.pod_name,
        started_at=settings.started_at,
        worker_pid=os.getpid(),
    )

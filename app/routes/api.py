"""The business API: what the service is for, and what injected faults act on.

GET /work?cpu_ms=N burns about N ms of CPU in the worker and answers 200 with
`{"requested_cpu_ms", "cpu_ms", "wall_ms", "pod", "worker_pid"}` (cpu_ms as measured). It exists
so that load through the ingress can drive a HorizontalPodAutoscaler on CPU utilisation at a
known, bounded cost per request, with no load generator that would itself eat the machine.
N must be given once, as a plain integer 1..WORK_MAX_CPU_MS (default 200): a missing, repeated
or non-integer cpu_ms is a 400, an integer out of range a 422, both in the usual error JSON. It
sits on this blueprint so injected delay and status faults hit it like the rest of the API.
"""

from __future__ import annotations

import os
import re
import time

from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import BadRequest, UnprocessableEntity

from app.cpuburn import burn_cpu
from app.errors import error_response
from app.jsonbody import read_json_object
from app.runtime import runtime

api = Blueprint("api", __name__)

_INTEGER = re.compile(r"-?[0-9]+")
_MAX_DIGITS = 9  # past this, a well-formed integer is out of range anyway: no need to parse it


@api.before_request
def apply_faults() -> Response | None:
    """Injected delay and forced status hit only the business API, never probes or /metrics."""
    faults = runtime().faults.current()
    if faults.path is not None and request.path != faults.path:
        return None
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


@api.get("/work")
def work() -> Response:
    """CPU that the HPA sees, priced per request, so a modest client can scale the Deployment."""
    settings = runtime().settings
    cpu_ms = _cpu_ms_param(settings.work_max_cpu_ms)
    burned = burn_cpu(cpu_ms)
    runtime().metrics.work_cpu_seconds.inc(burned.cpu_ms / 1000)
    return jsonify(
        requested_cpu_ms=cpu_ms,
        cpu_ms=round(burned.cpu_ms, 1),
        wall_ms=round(burned.wall_ms, 1),
        pod=settings.pod_name,
        worker_pid=os.getpid(),
    )


def _cpu_ms_param(cap: int) -> int:
    """Strict on purpose: int() would take "1_0", " 5" or Unicode digits, float() "1e9"."""
    expected = f"an integer 1..{cap} (CPU milliseconds to burn)"
    values = request.args.getlist("cpu_ms")
    if not values:
        raise BadRequest(f"query parameter cpu_ms is required: {expected}")
    if len(values) > 1:
        raise BadRequest(f"cpu_ms given {len(values)} times; give it once: {expected}")
    raw = values[0]
    if not _INTEGER.fullmatch(raw):
        raise BadRequest(f"cpu_ms must be {expected}, got {raw!r}")
    digits = raw.removeprefix("-").lstrip("0")
    if raw.startswith("-") or len(digits) > _MAX_DIGITS or not 1 <= int(digits or "0") <= cap:
        raise UnprocessableEntity(f"cpu_ms must be within 1..{cap}, got {raw}")
    return int(digits)

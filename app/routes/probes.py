"""Liveness and readiness, which the kubelet polls every few seconds.

Liveness only says "this process can still answer"; it fails only when a lab injects
hang_liveness, so the kubelet restarts the container. Readiness also reflects shutdown and
the injected ready flag, which takes the pod out of Service endpoints without restarting it.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from app.lifecycle import is_draining
from app.runtime import runtime

probes = Blueprint("probes", __name__)


@probes.get("/health")
def health() -> tuple[Response, int]:
    if runtime().faults.current().hang_liveness:
        return jsonify(status="unhealthy", detail="liveness failure injected (hang_liveness)"), 503
    return jsonify(status="healthy"), 200


@probes.get("/ready")
def ready() -> tuple[Response, int]:
    rt = runtime()
    if is_draining(rt.settings.state_dir):
        return jsonify(status="not ready", detail="shutting down (SIGTERM received)"), 503
    if not rt.faults.current().ready:
        return jsonify(status="not ready", detail="readiness turned off (fault ready=false)"), 503
    return jsonify(status="ready"), 200

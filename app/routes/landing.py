"""GET /: a page for people, and the same facts as JSON for programs.

A browser left on the page watches the service: it reloads itself every REFRESH_SECONDS, and
each reload goes through the ingress again, so during a rollout or a scale-out it shows other
pods and releases answering. Programs asking for JSON (`Accept: application/json`, or no
preference, as curl's `*/*`) get the same facts and links as an object. Nothing from the
request reaches the page except through Jinja's autoescaping, and the Content-Security-Policy
forbids scripts outright, so an injected tag could neither render nor run.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    jsonify,
    render_template,
    request,
    url_for,
)

from app.runtime import runtime

landing = Blueprint("landing", __name__)

REFRESH_SECONDS = 2
HTML, JSON = "text/html", "application/json"
# No scripts, no frames, no forms; styles only from the page itself.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


@landing.get("/")
def index() -> Response:
    facts = _facts()
    if request.accept_mimetypes.best_match([JSON, HTML]) == HTML:
        response = Response(
            render_template("index.html", refresh_seconds=REFRESH_SECONDS, **facts),
            mimetype=HTML,
        )
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    else:
        response = jsonify(facts)
    # The answer depends on Accept and on which pod served it: no cache may keep one.
    response.headers["Vary"] = "Accept"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _facts() -> dict:
    settings = runtime().settings
    return {
        "service": "kindlab",
        "version": settings.app_version,
        "pod": settings.pod_name,
        "started_at": settings.started_at,
        "worker_pid": os.getpid(),
        "rendered_at": datetime.now(UTC).isoformat(timespec="seconds"),
        # Both come from the client: shown so a learner sees what the ingress passed on.
        "host": request.host,
        "request_id": g.request_id,
        "links": _links(),
    }


def _links() -> dict[str, str]:
    """Built from the routes themselves, so a link never points at a path that moved."""
    links = {
        "version": url_for("api.version"),
        "work": url_for("api.work", cpu_ms=50),
        "health": url_for("probes.health"),
        "ready": url_for("probes.ready"),
        "metrics": "/metrics",  # served by prometheus-flask-exporter, not by a blueprint
        "openapi": url_for("openapi.show"),
    }
    if "faults" in current_app.blueprints:
        links["fault"] = url_for("faults.show")
    return links

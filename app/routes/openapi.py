"""GET /openapi.json: the OpenAPI 3 document of the public API (app/openapi.json).

A maintained file rather than one generated from the routes: the routes know their paths and
methods, but not what a client needs (schemas of bodies and answers, which status means what),
so a generator would still need all of that written by hand, only further from the reader.
app/tests/test_openapi.py holds the file to the url_map (every public route, nothing else), and
schemathesis (app/tests/test_fuzz.py) holds the real answers to the file. The one value that
depends on configuration, the cap of /work's cpu_ms (WORK_MAX_CPU_MS), is filled in when served.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, jsonify

from app.runtime import runtime

openapi = Blueprint("openapi", __name__)
DOCUMENT = Path(__file__).resolve().parents[1] / "openapi.json"


@cache
def _document() -> dict[str, Any]:
    return json.loads(DOCUMENT.read_text())


def document(work_max_cpu_ms: int) -> dict[str, Any]:
    """The document as this configuration serves it."""
    served = copy.deepcopy(_document())
    (cpu_ms,) = served["paths"]["/work"]["get"]["parameters"]
    cpu_ms["schema"]["maximum"] = work_max_cpu_ms
    return served


@openapi.get("/openapi.json")
def show() -> Response:
    response = jsonify(document(runtime().settings.work_max_cpu_ms))
    response.headers["Cache-Control"] = "no-cache"
    return response

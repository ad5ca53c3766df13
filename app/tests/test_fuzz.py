"""Hostile input found by a tool: schemathesis against the real gunicorn serving the app.

schemathesis reads the OpenAPI document the server publishes and sends generated requests for
every public operation, valid and invalid ones alike, through the production gunicorn config on
loopback. (The document is built in-process, by the function that serves GET /openapi.json, and
the fixture checks the served copy is the same: schemathesis 4.32.5's lazy loader,
schemathesis.pytest.from_fixture, fails under pytest 9.2 with "'Function' object has no
attribute '_nodeid'".) Every answer must be a non-5xx, strict JSON (no NaN or
Infinity; the landing page's HTML aside, when asked for) and conform to the document: status,
content type and body schema. A fixed seed and a fixed number of cases per operation make a run
repeatable; a failure prints the request that reproduces it. The pod's faults.json is corrupt
(as after a bad hand edit or a crash mid-write by an older release): the state every route
reads must not be able to take the API down.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, seed, settings
from schemathesis.core.failures import FailureGroup

from app.routes.openapi import document
from app.tests.server import Server

SEED = 23
CASES_PER_OPERATION = 60
WORK_MAX_CPU_MS = 5  # the served document says so; keeps generated /work calls cheap


@pytest.fixture(scope="module")
def fuzzed_server(tmp_path_factory):
    server = Server(
        tmp_path_factory.mktemp("fuzz"),
        APP_ENABLE_FAULTS="false",
        WORK_MAX_CPU_MS=str(WORK_MAX_CPU_MS),
        LOG_LEVEL="WARNING",
    ).start()
    published = requests.get(f"{server.url}/openapi.json", timeout=10).json()
    assert published == document(WORK_MAX_CPU_MS)
    (server.state_dir / "faults.json").write_text('{"status_code": 99, "ready": ')
    yield server
    server.stop()


def strict_json(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> None:
    """Python's json would read NaN and Infinity; no other JSON parser does."""
    types = [
        v for k, values in response.headers.items() if k.lower() == "content-type" for v in values
    ]
    media_type = (types or [""])[0].split(";")[0].strip()
    if (media_type == "text/html" and case.path == "/") or response.status_code == 204:
        return
    assert media_type == "application/json", f"answered {media_type!r}, not JSON"
    json.loads(response.content, parse_constant=_not_json)


def _not_json(name: str) -> None:
    raise AssertionError(f"the answer holds {name}, which is not JSON")


schema = schemathesis.openapi.from_dict(document(WORK_MAX_CPU_MS))


@schema.parametrize()
@seed(SEED)
@settings(
    max_examples=CASES_PER_OPERATION,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_public_api_holds_to_its_document(case, fuzzed_server):
    case.call_and_validate(base_url=fuzzed_server.url, additional_checks=[strict_json], timeout=10)


def test_a_document_the_answers_break_fails_the_run(fuzzed_server):
    """Negative control: the same checks, on a document that demands a field /version lacks."""
    broken = document(WORK_MAX_CPU_MS)
    broken["components"]["schemas"]["Version"]["required"].append("release")
    case = schemathesis.openapi.from_dict(broken)["/version"]["GET"].Case()
    with pytest.raises(FailureGroup, match=r'violates schema[^$]*"release" is a required'):
        case.call_and_validate(base_url=fuzzed_server.url, additional_checks=[strict_json])


@pytest.mark.parametrize(
    ("content_type", "body", "complaint"),
    [
        ("application/json", b'{"a": NaN}', "NaN"),
        ("application/json", b"[Infinity]", "Infinity"),
        ("text/html", b"<h1>Bad Request</h1>", "not JSON"),
        ("application/json", b"{", "Expecting"),
    ],
)
def test_strict_json_refuses_what_no_json_parser_reads(content_type, body, complaint):
    """Negative control of the check itself, on answers the app no longer gives."""
    answer = schemathesis.Response(
        status_code=200,
        headers={"Content-Type": [content_type]},
        content=body,
        request=requests.Request("GET", "http://127.0.0.1/version").prepare(),
        elapsed=0.0,
        verify=True,
    )
    with pytest.raises((AssertionError, ValueError), match=complaint):
        strict_json(None, answer, schema["/version"]["GET"].Case())

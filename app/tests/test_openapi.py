"""The OpenAPI document describes exactly the public routes, as the app serves them."""

from __future__ import annotations

import copy
import json
import re

import pytest
import schemathesis
from schemathesis.core.result import Err

from app.routes.openapi import DOCUMENT, document
from kindlab.testing.public_routes import Route, app_routes

_CONVERTER = re.compile(r"<(?:[^:>]+:)?([^>]+)>")


def documented(doc: dict) -> dict[str, frozenset[str]]:
    return {
        path: frozenset(method.upper() for method in operations)
        for path, operations in doc["paths"].items()
    }


def public_routes(routes: list[Route]) -> dict[str, frozenset[str]]:
    return {_CONVERTER.sub(r"{\1}", r.path): r.methods for r in routes if r.public}


def mismatch(doc: dict, routes: list[Route]) -> dict[str, list[str]]:
    """What the document misses and what it invents, as "METHOD /path" lines."""

    def pairs(table: dict[str, frozenset[str]]) -> set[str]:
        return {f"{m} {p}" for p, methods in table.items() for m in methods}

    have, want = pairs(documented(doc)), pairs(public_routes(routes))
    return {"undocumented": sorted(want - have), "not served": sorted(have - want)}


def test_every_public_route_is_documented_and_nothing_else():
    assert mismatch(json.loads(DOCUMENT.read_text()), app_routes()) == {
        "undocumented": [],
        "not served": [],
    }


def test_the_check_finds_a_missing_and_an_invented_operation():
    doc = json.loads(DOCUMENT.read_text())
    del doc["paths"]["/work"]
    doc["paths"]["/data"]["get"] = {"responses": {}}
    doc["paths"]["/metrics"] = {"get": {"responses": {}}}
    assert mismatch(doc, app_routes()) == {
        "undocumented": ["GET /work"],
        "not served": ["GET /data", "GET /metrics"],
    }


def test_internal_routes_are_not_documented():
    internal = {r.path for r in app_routes() if not r.public}
    assert {"/metrics", "/health", "/ready", "/fault"} <= internal
    assert not internal & set(json.loads(DOCUMENT.read_text())["paths"])


@pytest.mark.parametrize("cap", [1, 200, 1000])
def test_served_document_carries_the_configured_cpu_cap(make_client, cap):
    reply = make_client(work_max_cpu_ms=cap).get("/openapi.json")
    assert reply.status_code == 200
    assert reply.mimetype == "application/json"
    expected = copy.deepcopy(json.loads(DOCUMENT.read_text()))
    expected["paths"]["/work"]["get"]["parameters"][0]["schema"]["maximum"] = cap
    assert reply.json == expected == document(cap)


def broken_operations(doc: dict) -> list[str]:
    """What schemathesis, the document's other reader, cannot load."""
    schema = schemathesis.openapi.from_dict(doc)
    return [str(r.err()) for r in schema.get_all_operations() if isinstance(r, Err)]


def test_the_document_loads_whole_in_schemathesis():
    assert broken_operations(json.loads(DOCUMENT.read_text())) == []
    broken = json.loads(DOCUMENT.read_text())
    broken["paths"]["/version"]["get"]["responses"] = "none"
    assert len(broken_operations(broken)) == 1

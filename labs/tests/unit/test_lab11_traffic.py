"""Lab 11's "no request failed because of the recovery" on recorded traffic: the bad release's
own 500s are the incident, anything else since it went live (a 503 while no pod serves, a
refused connection) is what the learner's recovery cost the users, and a stretch with no
request at all means nobody can tell. The labs tier shows the same on the real cluster (a
scale to zero and back after the rollback fails the step)."""

from __future__ import annotations

import importlib

import pytest

from kindlab.load.vegeta import Hit
from labs import catalog, facts
from labs.framework import CheckContext
from labs.session import Session

LAB = catalog.get(11)
LAB_MODULE = importlib.import_module("labs.lab11")
LIVE = 1_000_000.0
INJECTED = '{"detail": "status 500 forced by a fault", "error": "injected fault"}'


def hit(at: float, status: int | None = 200, body: str = "", error: str | None = None) -> Hit:
    return Hit(LIVE + at, status, 0.01, {}, error, body)


@pytest.fixture
def context(tmp_path) -> CheckContext:
    session = Session(workdir=tmp_path)
    facts.record(session, LAB, incident_live_at=LIVE)
    return CheckContext(session)


def verdict(context: CheckContext, hits: list[Hit]):
    context.memo["hits"] = hits
    return LAB_MODULE.nothing_dropped(context)


def steady(seconds: int) -> list[Hit]:
    return [hit(t / 4) for t in range(seconds * 4)]


def test_the_bad_release_own_errors_are_not_the_learners(context):
    hits = [*steady(10), hit(10.1, 500, INJECTED), hit(10.2, 500, INJECTED)]
    result = verdict(context, sorted(hits, key=lambda h: h.sent_at))
    assert result.ok, result.detail
    assert "2 failed by the bad release" in result.detail


@pytest.mark.parametrize(
    ("failure", "shown"),
    [
        (hit(5.1, 503, "no available server"), "HTTP 503"),
        (hit(5.1, 502), "HTTP 502"),
        (hit(5.1, 500, "Internal Server Error"), "HTTP 500"),
        (hit(5.1, None, error="connect: connection refused"), "connection refused"),
    ],
)
def test_any_other_failure_since_the_release_is_the_recoverys(context, failure, shown):
    result = verdict(context, sorted([*steady(10), failure], key=lambda h: h.sent_at))
    assert not result.ok
    assert shown in result.detail and "took capacity away" in result.detail


def test_failures_before_the_release_went_live_do_not_count(context):
    assert verdict(context, [hit(-3, 503), *steady(10)]).ok


def test_a_stretch_without_traffic_fails_as_unknown(context):
    hits = [*steady(3), *(hit(20 + t / 4) for t in range(8))]
    result = verdict(context, hits)
    assert not result.ok
    assert "the steady traffic stopped" in result.detail

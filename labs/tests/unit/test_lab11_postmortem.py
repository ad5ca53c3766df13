"""Lab 11's postmortem step on the learner's file and the facts labctl recorded (when the
release went out, when the alert fired): the reference passes, and each mistake a learner
makes fails with what is missing, not with the answer. The alert's firing time comes from the
facts file, as after a first check that read it from Prometheus, so no cluster is needed."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime

import pytest

from labs import catalog, facts
from labs.framework import CheckContext, StepFailed
from labs.session import Session

LAB = catalog.get(11)
# The catalog loads labs/11-incident/lab.py (a folder name Python cannot import) as labs.lab11.
LAB_MODULE = importlib.import_module("labs.lab11")
RELEASED = datetime(2026, 12, 7, 14, 2, 40, tzinfo=UTC).timestamp()
FIRED = datetime(2026, 12, 7, 14, 4, 10, tzinfo=UTC).timestamp()
REFERENCE = (LAB.folder / "solution" / "postmortem.md").read_text().replace("HH:MM", "14:04")


@pytest.fixture
def context(tmp_path) -> CheckContext:
    session = Session(workdir=tmp_path)
    facts.record(session, LAB, released_at=RELEASED, alert_fired_at=FIRED)
    session.workspace(LAB.slug).mkdir(parents=True)
    return CheckContext(session)


def verdict(context: CheckContext, text: str):
    (context.session.workspace(LAB.slug) / "postmortem.md").write_text(text)
    try:
        return LAB_MODULE.postmortem(context)
    except StepFailed as exc:
        return LAB_MODULE.failed(str(exc))


def test_the_reference_passes(context):
    result = verdict(context, REFERENCE)
    assert result.ok, result.detail
    assert "14:04" in result.detail


@pytest.mark.parametrize("written", ["14:04", "14:05", "14:04 UTC, from the alert"])
def test_the_minute_the_alert_fired_or_the_next_is_the_detection(context, written):
    text = REFERENCE.replace("Detected: 14:04 UTC", f"Detected: {written}")
    assert verdict(context, text).ok


@pytest.mark.parametrize(
    ("change", "symptom"),
    [
        (("Cause: release v3", "Cause: TODO release v3"), "Cause still TODO"),
        (("POST /data", "one route"), "which requests failed"),
        (("release v3 shipped", "a release shipped"), "which release broke"),
        (("Detected: 14:04", "Detected: 14:02"), "is when v3 went out"),
        (("Detected: 14:04", "Detected: 14:30"), "is not when monitoring noticed"),
        (("Detected: 14:04 UTC", "Detected: after lunch"), "gives no time as HH:MM"),
        ((REFERENCE[REFERENCE.index("Fix:") :], "Fix: fixed, users are happy"), "came back"),
    ],
)
def test_each_mistake_fails_with_what_is_missing(context, change, symptom):
    old, new = change
    assert old in REFERENCE
    result = verdict(context, REFERENCE.replace(old, new))
    assert not result.ok
    assert symptom in result.detail


def test_the_start_file_fails_naming_every_field(context):
    text = (LAB.folder / "start" / "postmortem.md").read_text()
    assert verdict(context, text).detail == "postmortem.md: Cause, Detected, Fix still TODO"


def test_fields_run_until_the_next_one():
    parsed = LAB_MODULE.parse_postmortem("intro\ncause: one\ntwo\nDetected: 10:00\nFix: undo\n")
    assert parsed == {"Cause": "one two", "Detected": "10:00", "Fix": "undo"}

"""The checker's rules, on made-up steps: order, the first failure stops, errors are failures,
cleanups always run; and the hints and progress files as labctl reads them. No cluster."""

from __future__ import annotations

import json

from labs.framework import (
    Lab,
    Status,
    Step,
    StepFailed,
    failed,
    passed,
    run_check,
)
from labs.session import Session
from labs.state import Progress


def lab_of(*steps: Step) -> Lab:
    return Lab(99, "99-made-up", "made up", steps, start=lambda s: None, solve=lambda s: None)


def test_first_failure_stops_the_check_and_the_rest_is_not_run(tmp_path):
    calls = []

    def ok(ctx):
        calls.append("ok")
        return passed("fine")

    def bad(ctx):
        calls.append("bad")
        return failed("broken here")

    lab = lab_of(Step("one", ok, "h"), Step("two", bad, "h"), Step("three", ok, "h"))
    seen = []
    report = run_check(lab, Session(workdir=tmp_path), seen.append)
    assert [r.status for r in report.results] == [Status.PASS, Status.FAIL, Status.NOT_RUN]
    assert calls == ["ok", "bad"], "nothing runs after the first failure"
    assert seen == report.results, "each result is reported as soon as it is known"
    assert report.first_failure.step.name == "two"
    assert report.first_failure.detail == "broken here"
    assert not report.passed


def test_a_step_that_raises_fails_with_the_reason_and_cleanups_still_run(tmp_path):
    cleaned = []

    def with_cleanup(ctx):
        ctx.defer(lambda: cleaned.append("cleanup"))
        ctx.memo["shared"] = 1
        return passed("set up")

    def explodes(ctx):
        assert ctx.memo["shared"] == 1, "steps of one run share memo"
        raise RuntimeError("the API server went away\nsecond line")

    def says_why(ctx):
        raise StepFailed("told you so")

    report = run_check(
        lab_of(Step("a", with_cleanup, "h"), Step("b", explodes, "h")),
        Session(workdir=tmp_path),
        print,
    )
    assert report.results[1].status is Status.FAIL
    assert report.results[1].detail == (
        "could not be checked: RuntimeError: the API server went away"
    )
    assert cleaned == ["cleanup"]

    report = run_check(lab_of(Step("c", says_why, "h")), Session(workdir=tmp_path), print)
    assert (report.results[0].status, report.results[0].detail) == (Status.FAIL, "told you so")


def test_all_steps_passing_is_a_pass(tmp_path):
    report = run_check(
        lab_of(Step("a", lambda ctx: passed("x"), "a")), Session(workdir=tmp_path), print
    )
    assert report.passed and report.first_failure is None


def test_progress_survives_a_broken_file_and_records_what_happened(tmp_path):
    path = tmp_path / "progress.json"
    path.write_text("{ not json")
    progress = Progress(path)
    assert progress.summary(3) == "not started"
    progress.started(3)
    assert progress.summary(3) == "started, not checked yet"
    progress.checked(3, passed=False, failed_step="readiness probe")
    progress.hint_seen(3, "readiness", 2)
    progress.hint_seen(3, "readiness", 1)
    progress.hint_seen(3, "liveness", 1)
    assert Progress(path).summary(3) == "in progress: failing at 'readiness probe'; 3 hints seen"
    progress.checked(3, passed=True, failed_step=None)
    assert Progress(path).summary(3).startswith("passed 20")
    progress.started(3)
    assert Progress(path).summary(3).startswith("started, not checked yet (passed on 20")
    assert json.loads(path.read_text())["labs"]["3"]["hints_seen"] == {
        "readiness": 2,
        "liveness": 1,
    }

"""Job statuses and times read from gitlab-ci-local's output (--timestamps --no-color)."""

import json

import pytest

from kindlab.pipeline import registry
from kindlab.pipeline.jobs import JobClock, JobResult, job_results
from kindlab.pipeline.runner import PipelineRun

pytestmark = pytest.mark.unit

# Lines as gitlab-ci-local 4.75 prints them, with the second each one arrived.
OUTPUT = [
    (0.0, "[04:31:35    0 ms] lint   starting docker.io/library/python:3.11 (lint)"),
    (1.0, "[04:31:36  1.0 s] lint   $ tox -e lint"),
    (2.0, "[04:31:37  2.0 s] lint   > starting the app; finished in 3 s"),
    (80.5, "[04:32:55  1.3 min] lint   finished in 1.3 min"),
    (81.0, "[04:32:56    0 ms] unit   starting docker.io/library/python:3.11 (test)"),
    (140.0, "[04:33:55  59 s] unit   finished in 59 s  FAIL 1 "),
    (141.0, ""),
    (141.0, " PASS  [1.3 min] lint  "),
    (141.0, " WARN  [1.3 min] lint    after_script"),
    (141.0, " FAIL  [ 59 s] unit  "),
    (141.0, "  > ERROR: No matching distribution found for tox==0.0.0"),
]


def test_each_started_job_has_its_status_and_seconds():
    assert job_results(OUTPUT) == [
        JobResult("lint", "success", 80.5),
        JobResult("unit", "failed", 59.0),
    ]


def test_a_job_without_summary_or_end_is_unknown_not_passed():
    (job,) = job_results(OUTPUT[:3])
    assert job == JobResult("lint", "unknown", None)
    assert not job.passed


def test_the_clock_times_lines_on_arrival():
    ticks = iter([10.0, 25.0])
    clock = JobClock(lambda: next(ticks))
    clock("[x] build   starting docker:28 (build)")
    clock("[x] build   finished in 15 s")
    assert clock.results() == [JobResult("build", "unknown", 15.0)]


def run_of(jobs, exit_code=0, tmp_path=None):
    reg = registry.Registry("registry.kindlab.test", "gitlab-ci-token", "pw")
    return PipelineRun(tuple(jobs), 90.0, exit_code, reg, tmp_path)


def test_a_run_passes_only_when_every_job_and_the_runner_did(tmp_path):
    good = [JobResult("lint", "success", 1.0), JobResult("unit", "success", 2.0)]
    assert run_of(good).passed
    assert not run_of(good, exit_code=1).passed
    assert not run_of([*good, JobResult("e2e", "failed", 3.0)]).passed
    assert not run_of([]).passed
    report = run_of(good[:1]).write_report(tmp_path / "reports" / "pipeline.json")
    assert json.loads(report.read_text()) == {
        "passed": True,
        "seconds": 90.0,
        "jobs": [{"name": "lint", "status": "success", "seconds": 1.0}],
    }


def test_a_job_that_did_not_run_has_no_log_or_artifacts(tmp_path):
    stale = tmp_path / "artifacts" / "e2e"
    stale.mkdir(parents=True)  # left by an earlier run
    run = run_of([JobResult("lint", "success", 1.0)], tmp_path=tmp_path)
    assert run.artifacts("lint") == tmp_path / "artifacts" / "lint"
    with pytest.raises(Exception, match="job e2e did not run in this pipeline"):
        run.artifacts("e2e")

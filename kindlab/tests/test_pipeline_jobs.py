"""Job statuses and times read from gitlab-ci-local's output (--timestamps --no-color)."""

import json

import pytest

from kindlab.pipeline import plan, registry
from kindlab.pipeline.jobs import JobClock, JobResult, independent_groups, job_results
from kindlab.pipeline.runner import PipelineRun, job_groups, merged

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


def test_each_started_job_has_its_status_seconds_and_start():
    assert job_results(OUTPUT) == [
        JobResult("lint", "success", 80.5, 0.0),
        JobResult("unit", "failed", 59.0, 81.0),
    ]


def test_a_job_without_summary_or_end_is_unknown_not_passed():
    (job,) = job_results(OUTPUT[:3])
    assert job == JobResult("lint", "unknown", None, 0.0)
    assert not job.passed


def test_the_clock_times_lines_on_arrival():
    ticks = iter([10.0, 25.0])
    clock = JobClock(lambda: next(ticks))
    clock("[x] build   starting docker:28 (build)")
    clock("[x] build   finished in 15 s")
    assert clock.results() == [JobResult("build", "unknown", 15.0, 0.0)]


def run_of(jobs, exit_code=0, tmp_path=None):
    reg = registry.Registry("registry.kindlab.test", "gitlab-ci-token", "pw")
    return PipelineRun(tuple(jobs), 90.0, exit_code, reg, tmp_path)


def test_a_run_passes_only_when_every_job_and_the_runner_did(tmp_path):
    good = [JobResult("lint", "success", 1.0, 0.0), JobResult("unit", "success", 2.0, 1.0)]
    assert run_of(good).passed
    assert not run_of(good, exit_code=1).passed
    assert not run_of([*good, JobResult("e2e", "failed", 3.0)]).passed
    assert not run_of([]).passed
    report = run_of(good[:1]).write_report(tmp_path / "reports" / "pipeline.json")
    assert json.loads(report.read_text()) == {
        "passed": True,
        "seconds": 90.0,
        "jobs": [{"name": "lint", "status": "success", "seconds": 1.0, "started": 0.0}],
    }


def test_a_job_that_did_not_run_has_no_log_or_artifacts(tmp_path):
    stale = tmp_path / "artifacts" / "e2e"
    stale.mkdir(parents=True)  # left by an earlier run
    run = run_of([JobResult("lint", "success", 1.0)], tmp_path=tmp_path)
    assert run.artifacts("lint") == tmp_path / "artifacts" / "lint"
    with pytest.raises(Exception, match="job e2e did not run in this pipeline"):
        run.artifacts("e2e")


STAGES = ["lint", "test", "build", "e2e", "deploy"]


def job(stage, when="on_success", needs=None):
    listed = {"stage": stage, "when": when}
    return listed if needs is None else {**listed, "needs": [{"job": n} for n in needs]}


def test_the_merge_request_pipeline_splits_where_gitlab_would_not_wait():
    """.gitlab-ci.yml as GitLab plans it: e2e waits for build only, unit for lint."""
    assert job_groups([], plan.PIPELINES["merge-request"]) == [["lint", "unit"], ["build", "e2e"]]


@pytest.mark.parametrize(
    "listing, groups",
    [
        # Stage order alone: everything waits on everything before it.
        ({"a": job("lint"), "b": job("build"), "c": job("e2e")}, [["a", "b", "c"]]),
        # A job's needs replace its stage's wait; a job not run (never) joins nothing.
        (
            {"a": job("lint"), "b": job("build", needs=[]), "c": job("e2e", needs=["b"]),
             "d": job("deploy", when="never")},
            [["a"], ["b", "c"]],
        ),
        # A later job without needs waits for every earlier one: one group again.
        (
            {"a": job("lint"), "b": job("build", needs=[]), "c": job("deploy")},
            [["a", "b", "c"]],
        ),
        # A manual job: the pipeline is not split (named, it would run).
        ({"a": job("lint"), "b": job("build", when="manual", needs=[])}, []),
    ],
    ids=["stages", "needs", "joined by a later stage", "manual"],
)  # fmt: skip
def test_groups(listing, groups):
    assert independent_groups(listing, STAGES) == groups


def test_naming_jobs_runs_them_as_one_pipeline():
    assert job_groups(["unit", "--variable", "X=1"], plan.PIPELINES["merge-request"]) == []


def test_merged_runs_keep_every_job_the_longest_time_and_any_failure(tmp_path):
    first = PipelineRun((JobResult("lint", "success", 30.0, 0.0),), 40.0, 0, None, tmp_path)
    second = PipelineRun((JobResult("build", "failed", 5.0, 0.5),), 10.0, 1, None, tmp_path)
    both = merged([first, second])
    assert [j.name for j in both.jobs] == ["lint", "build"]
    assert (both.seconds, both.exit_code, both.passed) == (40.0, 1, False)

"""The merge-request pipeline, run for real: what a GitLab user sees on the merge request.

Every job passes; the build job pushed $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA to the registry; the
e2e job pulled and tested that very image (same digest); its JUnit artifact holds every test of
the e2e suite as pytest collects it in this checkout, none failed or skipped; its reports/
(charts, screenshots) came out as artifacts. Each check is a function returning what
is wrong, so the negative controls below can show it rejecting a failed job.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from kindlab.core.output import say
from kindlab.core.paths import REPO_ROOT
from kindlab.pipeline import registry
from kindlab.pipeline.runner import PipelineRun

from .e2e_suite import collected_e2e_tests, junit_outcomes

MERGE_REQUEST_JOBS = ["lint", "unit", "build", "e2e"]
JUNIT = Path("reports/junit-e2e.xml")
PUSH_REPOSITORY = re.compile(r"^The push refers to repository \[(?P<repository>[^\]]+)\]", re.M)
PUSH_DIGEST = re.compile(r"^(?P<tag>\S+): digest: (?P<digest>sha256:[0-9a-f]{64}) size:", re.M)
PULL_DIGEST = re.compile(r"^Digest: (?P<digest>sha256:[0-9a-f]{64})$", re.M)


def commit_sha() -> str:
    return subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


def job_problems(run: PipelineRun, expected: list[str]) -> list[str]:
    """The expected jobs ran and passed; a failed one shows its log's last lines. (In which
    order they started is the `needs` graph's business: build and e2e do not wait for unit.)"""
    problems = []
    ran = [job.name for job in run.jobs]
    if sorted(ran) != sorted(expected):
        problems.append(f"jobs that ran: {ran}, expected {expected}")
    for job in run.jobs:
        if not job.passed:
            tail = "\n".join(run.log(job.name).splitlines()[-15:])
            problems.append(f"job {job.name} {job.status}:\n{tail}")
    return problems


def pushed_image(build_log: str) -> tuple[str, str]:
    """The reference and digest `docker push` reported in the build job's log."""
    repository, digest = PUSH_REPOSITORY.search(build_log), PUSH_DIGEST.search(build_log)
    assert repository and digest, f"no docker push in the build job's log:\n{build_log[-2000:]}"
    return f"{repository['repository']}:{digest['tag']}", digest["digest"]


def junit_problems(junit: Path, expected: set[str]) -> list[str]:
    """The JUnit report holds exactly the `expected` tests (node IDs), each passed: no failure,
    error or skip (a skip in CI is a check that did not run), none missing, none unknown."""
    if not junit.is_file():
        return [f"no JUnit report at {junit}"]
    outcomes = junit_outcomes(junit)
    problems = [f"{name}: {', '.join(tags)}" for name, tags in sorted(outcomes.items()) if tags]
    problems += [f"{name} did not run" for name in sorted(expected - outcomes.keys())]
    problems += [
        f"{name} ran, but is not in the suite" for name in sorted(outcomes.keys() - expected)
    ]
    return problems


@pytest.fixture(scope="module")
def pushed(merge_request_pipeline: PipelineRun) -> tuple[str, str]:
    return pushed_image(merge_request_pipeline.log("build"))


def test_every_merge_request_job_passed(merge_request_pipeline):
    assert job_problems(merge_request_pipeline, MERGE_REQUEST_JOBS) == []


def test_job_times_are_reported(merge_request_pipeline):
    """Each job's seconds and start go to reports/pipeline.json; e2e, the long pole, started
    once build had pushed and did not wait for unit (its `needs`).

    GitLab starts e2e as soon as build has pushed. gitlab-ci-local 4.75 starts jobs in waves
    (everything startable, then it waits until all of those have finished), so here e2e also
    waits for lint, which ran beside build, and starts beside unit.
    """
    report = json.loads((REPO_ROOT / "reports" / "pipeline.json").read_text())
    jobs = {job["name"]: job for job in report["jobs"]}
    assert sorted(jobs) == sorted(MERGE_REQUEST_JOBS)
    assert all(job["seconds"] > 0 and job["started"] is not None for job in jobs.values()), report
    build, unit, e2e = jobs["build"], jobs["unit"], jobs["e2e"]
    assert build["started"] + build["seconds"] <= e2e["started"], report
    assert e2e["started"] < unit["started"] + unit["seconds"], report


def test_build_pushed_the_commit_sha_image(merge_request_pipeline, pushed):
    reference, digest = pushed
    repository, tag = reference.rsplit(":", 1)
    assert tag == commit_sha()
    assert repository.startswith(f"{registry.HOST}/")
    held = registry.manifest_digest(merge_request_pipeline.registry, repository, tag)
    assert held == digest, f"the registry holds {held} for {reference}, the build pushed {digest}"


def test_e2e_tested_the_pushed_image(merge_request_pipeline, pushed):
    reference, digest = pushed
    log = merge_request_pipeline.log("e2e")
    assert [m["digest"] for m in PULL_DIGEST.finditer(log)] == [digest]
    assert f"testing the prebuilt image {reference}" in log


def test_junit_artifact_holds_every_e2e_test_passed(merge_request_pipeline, e2e_select):
    """The job ran the suite of this checkout, every test of it (`pytest --collect-only` of e2e/
    with tox -e e2e's arguments), and each passed."""
    expected = collected_e2e_tests(e2e_select)
    junit = merge_request_pipeline.artifacts("e2e") / JUNIT
    assert junit_problems(junit, expected) == []
    say(f"the pipeline's e2e job passed all {len(expected)} tests of the e2e suite")


def test_reports_come_out_as_artifacts(merge_request_pipeline):
    """What a reviewer opens on the merge request: the measured figures, their charts, the
    browser checks' screenshots."""
    reports = merge_request_pipeline.artifacts("e2e") / "reports"
    measured = json.loads((reports / "e2e-report.json").read_text())
    assert measured, "reports/e2e-report.json is empty"
    assert (reports / "e2e-report.html").stat().st_size > 0
    screenshots = sorted(p.name for p in reports.glob("browser-*.png"))
    assert screenshots, f"no browser screenshot among the artifacts: {sorted(os.listdir(reports))}"


# --- negative controls: the checks above reject a failed job and a failed test --------------


def test_a_failed_job_fails_the_checks(run_gitlab_pipeline):
    """The unit job, broken for real (a TOX_VERSION that the hash-checked tox lock,
    versions/locks/tox.txt, does not install), run by the runner."""
    broken = run_gitlab_pipeline(
        "pipeline-negative-control.json", ["unit", "--variable", "TOX_VERSION=not-a-version"]
    )
    assert not broken.passed
    problems = job_problems(broken, MERGE_REQUEST_JOBS)
    failed = [p for p in problems if p.startswith("job unit failed:")]
    assert failed and "tox==not-a-version" in failed[0], problems
    report = json.loads((REPO_ROOT / "reports" / "pipeline-negative-control.json").read_text())
    assert report["passed"] is False
    assert [(j["name"], j["status"]) for j in report["jobs"]] == [("unit", "failed")]


def test_junit_check_rejects_a_failed_a_missing_and_an_unknown_test(tmp_path):
    junit = tmp_path / "junit.xml"
    junit.write_text(
        '<testsuites><testsuite name="pytest" tests="3" failures="1">'
        '<testcase classname="e2e.test_smoke" name="test_health_through_ingress"/>'
        '<testcase classname="e2e.test_cluster" name="test_node_ready_at_pinned_version">'
        '<failure message="boom"/></testcase>'
        '<testcase classname="e2e.test_edge" name="test_lab_edge_serves_every_path_for_learners'
        '[/health]"><skipped message="no"/></testcase>'
        '<testcase classname="e2e.test_old" name="test_gone"/></testsuite></testsuites>'
    )
    expected = {
        "e2e/test_smoke.py::test_health_through_ingress",
        "e2e/test_cluster.py::test_node_ready_at_pinned_version",
        "e2e/test_edge.py::test_lab_edge_serves_every_path_for_learners[/health]",
        "e2e/test_browser.py::test_prometheus_ui_runs_a_query",
    }
    assert junit_problems(junit, expected) == [
        "e2e/test_cluster.py::test_node_ready_at_pinned_version: failure",
        "e2e/test_edge.py::test_lab_edge_serves_every_path_for_learners[/health]: skipped",
        "e2e/test_browser.py::test_prometheus_ui_runs_a_query did not run",
        "e2e/test_old.py::test_gone ran, but is not in the suite",
    ]
    assert junit_problems(tmp_path / "absent.xml", expected) == [
        f"no JUnit report at {tmp_path / 'absent.xml'}"
    ]


def test_the_suite_is_collected_from_the_checkout_with_tox_e2e_arguments():
    """The expected set is pytest's, with tox.ini's markers: a browser check and a smoke check
    are in it, a lint test is not, and a selection narrows it as the job's E2E_SELECT would."""
    suite = collected_e2e_tests()
    assert "e2e/test_browser.py::test_prometheus_ui_runs_a_query" in suite
    assert "e2e/test_smoke.py::test_health_through_ingress" in suite
    assert all(name.startswith("e2e/") for name in suite)
    assert collected_e2e_tests("test_smoke") < suite

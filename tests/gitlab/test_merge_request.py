"""The merge-request pipeline, run for real: what a GitLab user sees on the merge request.

Every job passes; the build job pushed $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA to the registry; the
e2e job pulled and tested that very image (same digest); its JUnit artifact holds the selected
tests, none failed; its reports/ came out as artifacts. Each check is a function returning what
is wrong, so the negative controls below can show it rejecting a failed job.
"""

from __future__ import annotations

import json
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from kindlab.pipeline import registry
from kindlab.pipeline.runner import PipelineRun
from kindlab.versions import REPO_ROOT

MERGE_REQUEST_JOBS = ["lint", "unit", "build", "e2e"]
JUNIT = Path("reports/junit-e2e.xml")
# What E2E_SELECT must cover in any short run: a cluster check, a smoke check, a rolling update.
REQUIRED_TESTS = {
    "test_node_ready_at_pinned_version",
    "test_health_through_ingress",
    "test_rolling_update_and_undo_drop_no_request",
}
PUSH_REPOSITORY = re.compile(r"^The push refers to repository \[(?P<repository>[^\]]+)\]", re.M)
PUSH_DIGEST = re.compile(r"^(?P<tag>\S+): digest: (?P<digest>sha256:[0-9a-f]{64}) size:", re.M)
PULL_DIGEST = re.compile(r"^Digest: (?P<digest>sha256:[0-9a-f]{64})$", re.M)
SELECTED = re.compile(
    r"collected (?P<collected>\d+) items?(?: / \d+ deselected / (?P<selected>\d+) selected)?"
)


def commit_sha() -> str:
    return subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


def job_problems(run: PipelineRun, expected: list[str]) -> list[str]:
    """The expected jobs ran, in order, and passed; a failed one shows its log's last lines."""
    problems = []
    ran = [job.name for job in run.jobs]
    if ran != expected:
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


def junit_problems(junit: Path, e2e_log: str, required: set[str]) -> list[str]:
    """JUnit holds every test pytest selected in the job, the required ones among them, and no
    failure, error or skip (a skip in CI is a check that did not run)."""
    if not junit.is_file():
        return [f"no JUnit report at {junit}"]
    cases = list(ET.parse(junit).getroot().iter("testcase"))
    # Each case's outcome elements (failure, error, skipped); none means it passed.
    outcomes = {case.get("name", ""): [child.tag for child in case] for case in cases}
    problems = [f"{name}: {', '.join(tags)}" for name, tags in outcomes.items() if tags]
    names = {name.split("[")[0] for name in outcomes}
    problems += [f"{name} did not run" for name in sorted(required - names)]
    counts = list(SELECTED.finditer(e2e_log))
    if not counts:
        return [*problems, "the e2e job's log does not say how many tests pytest selected"]
    selected = int(counts[-1]["selected"] or counts[-1]["collected"])
    if len(cases) != selected:
        problems.append(f"pytest selected {selected} tests, the JUnit report holds {len(cases)}")
    return problems


@pytest.fixture(scope="module")
def pushed(merge_request_pipeline: PipelineRun) -> tuple[str, str]:
    return pushed_image(merge_request_pipeline.log("build"))


def test_every_merge_request_job_passed(merge_request_pipeline):
    assert job_problems(merge_request_pipeline, MERGE_REQUEST_JOBS) == []


def test_job_times_are_reported(merge_request_pipeline):
    report = json.loads((REPO_ROOT / "reports" / "pipeline.json").read_text())
    assert [job["name"] for job in report["jobs"]] == MERGE_REQUEST_JOBS
    assert all(job["seconds"] > 0 for job in report["jobs"]), report


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


def test_junit_artifact_has_the_selected_tests_and_no_failure(merge_request_pipeline):
    artifacts = merge_request_pipeline.artifacts("e2e")
    log = merge_request_pipeline.log("e2e")
    assert junit_problems(artifacts / JUNIT, log, REQUIRED_TESTS) == []


def test_reports_come_out_as_artifacts(merge_request_pipeline):
    reports = merge_request_pipeline.artifacts("e2e") / "reports"
    measured = json.loads((reports / "e2e-report.json").read_text())
    assert measured, "reports/e2e-report.json is empty"
    assert (reports / "e2e-report.html").stat().st_size > 0


# --- negative controls: the checks above reject a failed job and a failed test --------------


def test_a_failed_job_fails_the_checks(run_gitlab_pipeline):
    """The unit job, broken for real (a tox pin pip rejects), run by the runner.

    (A pin like 0.0.0 is no good: PyPI has a tox 0.0.0, which installs and then fails to run.)
    """
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


def test_junit_check_rejects_a_failed_and_a_missing_test(tmp_path):
    junit = tmp_path / "junit.xml"
    junit.write_text(
        '<testsuites><testsuite name="pytest" tests="2" failures="1">'
        '<testcase classname="e2e.test_smoke" name="test_health_through_ingress"/>'
        '<testcase classname="e2e.test_cluster" name="test_node_ready_at_pinned_version">'
        '<failure message="boom"/></testcase></testsuite></testsuites>'
    )
    log = "collected 60 items / 57 deselected / 3 selected\n"
    problems = junit_problems(junit, log, REQUIRED_TESTS)
    assert "test_node_ready_at_pinned_version: failure" in problems
    assert "test_rolling_update_and_undo_drop_no_request did not run" in problems
    assert "pytest selected 3 tests, the JUnit report holds 2" in problems
    assert junit_problems(tmp_path / "absent.xml", log, REQUIRED_TESTS) == [
        f"no JUnit report at {tmp_path / 'absent.xml'}"
    ]

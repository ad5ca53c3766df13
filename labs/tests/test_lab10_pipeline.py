"""Lab 10's start state and checker, fault by fault.

The start state is made from the project's .gitlab-ci.yml as it is now (unit: no tool needed);
the checker asks the real gitlab-ci-local (labs tier: it comes from npm, but needs no Docker and
no cluster), and each fault, alone, and each plausible wrong fix fails the step that names it.
"""

from __future__ import annotations

import importlib

import pytest

from labs import catalog
from labs.framework import Status, run_check
from labs.session import Session

LAB = catalog.get(10)
# The catalog loads labs/10-pipeline/lab.py (a folder name Python cannot import) as labs.lab10.
LAB_MODULE = importlib.import_module("labs.lab10")
PROJECT = LAB_MODULE.PROJECT_PIPELINE.read_text()
FAULTS = {fault.what: fault for fault in LAB_MODULE.FAULTS}


def check_file(tmp_path, text: str):
    session = Session(workdir=tmp_path)
    workspace = session.workspace(LAB.slug)
    workspace.mkdir(parents=True, exist_ok=True)
    (workspace / ".gitlab-ci.yml").write_text(text)
    report = run_check(LAB, session, lambda result: None)
    failure = report.first_failure
    return report, failure


def replaced(old: str, new: str) -> str:
    assert PROJECT.count(old) == 1, old
    return PROJECT.replace(old, new)


BROKEN = {
    # Each fault of the start state, alone.
    **{
        what: (LAB_MODULE.break_pipeline(PROJECT, (fault,)), step, message)
        for (what, fault), step, message in zip(
            FAULTS.items(),
            [
                "a merge-request pipeline creates the e2e job",
                "e2e tests the image the build job pushes",
                "e2e keeps its reports when the tests fail",
            ],
            [
                "no e2e job: none of its rules ['$CI_COMMIT_BRANCH'] holds for a merge request",
                "e2e sets no KINDLAB_APP_IMAGE, so the suite builds an image of its own",
                "e2e's artifacts are uploaded on_success",
            ],
            strict=True,
        )
    },
    # Wrong fixes a learner may try.
    "rules removed: e2e on every pipeline": (
        replaced(
            '  rules:\n    - if: $CI_PIPELINE_SOURCE == "merge_request_event"\n  timeout',
            "  timeout",
        ),
        "only merge-request pipelines create e2e",
        "a default-branch pipeline creates e2e too (on_success)",
    ),
    "e2e started by hand": (
        replaced(
            '    - if: $CI_PIPELINE_SOURCE == "merge_request_event"\n  timeout',
            '    - if: $CI_PIPELINE_SOURCE == "merge_request_event"\n      when: manual\n  timeout',
        ),
        "a merge-request pipeline creates the e2e job",
        "e2e waits for someone to start it by hand",
    ),
    "e2e tests a moving tag": (
        replaced("KINDLAB_APP_IMAGE: $APP_IMAGE", "KINDLAB_APP_IMAGE: $CI_REGISTRY_IMAGE:latest"),
        "e2e tests the image the build job pushes",
        "e2e tests $CI_REGISTRY_IMAGE:latest, but the build job pushes "
        "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA",
    ),
    # With `needs: [build]` a job may share build's stage and still wait for it; without it, it
    # starts beside build, before the image it tests is pushed.
    "e2e beside build": (
        replaced("  stage: e2e\n  needs: [build]\n", "  stage: build\n"),
        "e2e starts after build",
        "e2e is in stage build, which does not come after build's stage build",
    ),
    "a misspelt value": (
        replaced("    when: always\n", "    when: allways\n"),
        "gitlab-ci-local reads .gitlab-ci.yml (GitLab's CI schema)",
        "'when' property must be one of [on_success, on_failure, always] (found allways) at "
        "e2e.artifacts.when",
    ),
    "not YAML": (
        PROJECT.replace("\ne2e:\n", "\ne2e: [\n", 1),
        "gitlab-ci-local reads .gitlab-ci.yml (GitLab's CI schema)",
        ".gitlab-ci.yml is not valid YAML:",
    ),
}


@pytest.mark.parametrize("case", BROKEN)
def test_each_fault_fails_the_step_that_names_it(tmp_path, case):
    text, step, message = BROKEN[case]
    report, failure = check_file(tmp_path, text)
    assert failure is not None, f"{case}: every step passes"
    assert (failure.step.name, message in failure.detail) == (step, True), failure.detail
    position = report.results.index(failure)
    assert all(r.status is Status.PASS for r in report.results[:position])


def test_the_project_pipeline_passes_every_step(tmp_path):
    report, failure = check_file(tmp_path, PROJECT)
    assert report.passed, failure.detail if failure else ""


@pytest.mark.labs
def test_the_merge_request_iid_idiom_is_a_correct_fix(tmp_path):
    """`if: $CI_MERGE_REQUEST_IID` is how many pipelines say "merge requests only": GitLab sets
    it in merge-request pipelines, so the plan does too and the check accepts it (it failed
    when the plan set only CI_PIPELINE_SOURCE)."""
    rule = '$CI_PIPELINE_SOURCE == "merge_request_event"'
    assert PROJECT.count(rule) >= 1
    block = PROJECT[PROJECT.index("\ne2e:\n") :]
    e2e = block[: block.index(rule) + len(rule)]
    text = PROJECT.replace(e2e, e2e.replace(rule, "$CI_MERGE_REQUEST_IID"))
    report, failure = check_file(tmp_path, text)
    assert report.passed, failure.detail if failure else ""

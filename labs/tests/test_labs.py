"""Every lab for real: its start state fails the checker at the step named here, and its
reference solution passes every step. This proves each checker can fail and can pass.

The cluster labs share one cluster; after each, the app goes back to k8s/overlays/kind. Labs
that need no cluster (1: Docker, 10: the pipeline file) run without one, so a run of only
those (`tox -e labs -- -k "lab01 or lab10"`) creates none.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from e2e.gates import require_docker
from labs import actions, catalog
from labs.framework import CheckReport, Lab, Status, StepResult, run_check
from labs.session import Session

pytestmark = pytest.mark.labs

# The step each lab's start state must fail at, by lab number.
FIRST_FAILURE = {
    1: "image kindlab/app:lab1 is built",
    2: "image kindlab/app:local is in the cluster's node",
    3: "readiness probe asks GET /ready on port http",
    4: "Service selector matches the app pods' labels",
    5: "the bad release is rolled back: the app answers 200",
    6: "liveness probe asks GET /health on port http",
    7: "the autoscaler finds and reads Deployment kindlab-app",
    8: "queries.yaml has a query for each golden signal",
    9: "diagnosis.yaml names why the containers stop",
    10: "a merge-request pipeline creates the e2e job",
}
MIN_LABS = 8


def show(result: StepResult) -> None:
    print(f"    {result.status.value:>7}  {result.step.name}: {result.detail}", flush=True)


def render(report: CheckReport) -> str:
    return "\n".join(f"{r.status.value:>7}  {r.step.name}: {r.detail}" for r in report.results)


def cleanup(lab: Lab, session) -> None:
    """Lab 1 leaves a container and an image on Docker; the others leave the app changed."""
    if lab.needs_cluster:
        actions.baseline(session)
    else:
        lab.start(session)


def lab_id(number: int) -> str:
    return f"lab{number:02d}"


@pytest.fixture
def lab_session(request: pytest.FixtureRequest, labs_home: Path) -> Session:
    """The shared cluster's session for a lab that acts on it; a plain one for the others."""
    lab = catalog.get(request.node.callspec.params["number"])
    if lab.needs_cluster:
        return request.getfixturevalue("session")
    if lab.needs_docker:
        require_docker(f"lab {lab.number}")
    return Session(workdir=labs_home / "work")


def test_every_lab_is_tested_here():
    assert len(catalog.all_labs()) >= MIN_LABS
    assert set(catalog.all_labs()) == set(FIRST_FAILURE)


@pytest.mark.parametrize("number", sorted(FIRST_FAILURE), ids=lab_id)
def test_lab_has_readme_hints_solution_and_named_steps(number):
    lab = catalog.get(number)
    assert (lab.folder / "README.md").is_file()
    assert (lab.folder / "solution").is_dir()
    assert sorted(lab.hints()) == [1, 2, 3], "hints.md needs ## Hint 1, 2 and 3"
    assert all(lab.hints().values()), "every hint has text"
    names = [step.name for step in lab.steps]
    assert len(names) == len(set(names)), "step names are unique"
    assert {step.hint for step in lab.steps} <= {1, 2, 3}
    assert FIRST_FAILURE[number] in names


@pytest.mark.parametrize("number", sorted(FIRST_FAILURE), ids=lab_id)
def test_start_state_fails_at_its_step_and_reference_solution_passes(
    number, lab_session, run_report
):
    lab, session = catalog.get(number), lab_session
    figures: dict[str, float] = {}
    started = time.monotonic()
    try:
        print(f"\nlab {number}: start", flush=True)
        lab.start(session)
        figures["start_seconds"] = time.monotonic() - started

        mark = time.monotonic()
        report = run_check(lab, session, show)
        figures["failing_check_seconds"] = time.monotonic() - mark
        failure = report.first_failure
        assert failure is not None, f"the start state passes every step:\n{render(report)}"
        assert failure.step.name == FIRST_FAILURE[number], render(report)
        position = report.results.index(failure)
        assert all(r.status is Status.PASS for r in report.results[:position])
        assert all(r.status is Status.NOT_RUN for r in report.results[position + 1 :])
        assert failure.detail, "a failing step says what is wrong"

        print(f"lab {number}: reference solution", flush=True)
        mark = time.monotonic()
        lab.solve(session)
        figures["solve_seconds"] = time.monotonic() - mark

        mark = time.monotonic()
        report = run_check(lab, session, show)
        figures["passing_check_seconds"] = time.monotonic() - mark
        assert report.passed, render(report)
        assert all(r.detail for r in report.results), "every passing step says what it saw"
    finally:
        mark = time.monotonic()
        cleanup(lab, session)
        figures["cleanup_seconds"] = time.monotonic() - mark
        figures["total_seconds"] = time.monotonic() - started
        run_report.record(f"lab{number:02d}", **{k: round(v, 1) for k, v in figures.items()})

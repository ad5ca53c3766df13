"""Every lab for real: its start state fails the checker at the step named here, and its
reference solution passes every step. This proves each checker can fail and can pass.

The cluster labs share one cluster; each lab's start puts back the app it begins from. Labs
that need no cluster (1: Docker, 10: the pipeline file) run without one, so a run of only
those (`tox -e labs -- -k "lab01 or lab10"`) creates none.
"""

from __future__ import annotations

import itertools
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import pytest

from kindlab.cluster.endpoints import port_offset
from kindlab.cluster.identity import kubeconfig_path
from kindlab.cluster.names import APP_NAMESPACE
from kindlab.core.paths import REPO_ROOT
from kindlab.host.loadslot import load_slot
from kindlab.testing.gates import require_docker
from labs import actions, catalog, docs, docsrun, hints
from labs.framework import CheckReport, Lab, Status, StepResult, run_check
from labs.session import Session
from labs.tests.wrong_fixes import WRONG_FIXES

# The step each lab's start state must fail at, by lab number.
FIRST_FAILURE = {
    1: "image kindlab/app:lab1 is built",
    2: "image kindlab/app:local is in the cluster's node",
    3: "the readiness probe can tell a ready pod",
    4: "Service selector matches the app pods' labels",
    5: "the bad release is rolled back: the app answers 200",
    6: "the liveness probe can tell a live container",
    7: "the autoscaler finds and reads Deployment kindlab-app",
    8: "queries.yaml has a query for each golden signal",
    9: "diagnosis.yaml names why the containers stop",
    10: "a merge-request pipeline creates the e2e job",
    11: "users are served again: the steady traffic gets 2xx",
}
MIN_LABS = 8


def show(result: StepResult) -> None:
    print(f"    {result.status.value:>7}  {result.step.name}: {result.detail}", flush=True)


def render(report: CheckReport) -> str:
    return "\n".join(f"{r.status.value:>7}  {r.step.name}: {r.detail}" for r in report.results)


def cleanup(lab: Lab, session) -> None:
    """What the next lab's start would not take away: lab 1's container and image on Docker,
    lab 11's background traffic. The app a lab leaves changed stays: every cluster lab's start
    puts back what it needs (the committed overlay, a recreated Deployment, no namespace), as
    it must for a learner coming from any lab. Rolled back here too, it was done twice, and
    lab 5's rollback churned pods beside the e2e job's crash test (s14a, 47.5 s)."""
    if lab.needs_cluster:
        actions.steady_traffic(session).end()
    else:
        lab.start(session)


def replacing_pods(lab: Lab, phase: str) -> AbstractContextManager[None]:
    """The machine's load slot while a lab's start, wrong fixes or solution replace the app's
    pods: beside pods deleted and created here, the e2e job's measured traffic timed out
    requests no pod of its own dropped (lab 5's rollback: 1,141 of a crash test, s14a; lab 6's
    recreated Deployment: 21, s14c, with the labs' cluster already giving way on the CPU)."""
    if not lab.needs_cluster:
        return nullcontext()
    return load_slot(f"labs: lab {lab.number} {phase} replaces pods")


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


@pytest.fixture
def machine_load(request: pytest.FixtureRequest) -> Iterator[None]:
    """The machine's load slot for a lab whose start leaves traffic running: the e2e job's
    measurements beside this tier must not share the machine with it (a crash test beside
    lab 11 once saw 643 timeouts). Tests ask for it after lab_session: a cluster the first test
    makes is made before the slot is held."""
    lab = catalog.get(request.node.callspec.params["number"])
    if not lab.steady_traffic:
        yield
        return
    with load_slot(f"labs: lab {lab.number} and its steady background traffic"):
        yield


def try_wrong_fixes(lab: Lab, session: Session, after_solution: bool) -> None:
    """Each wrong fix fails the check at its step, with a message that names its symptom."""
    for wrong in WRONG_FIXES.get(lab.number, []):
        if wrong.after_solution != after_solution:
            continue
        print(f"lab {lab.number}: wrong fix: {wrong.what}", flush=True)
        with replacing_pods(lab, "wrong fix"):
            wrong.apply(session)
        report = run_check(lab, session, show)
        failure = report.first_failure
        assert failure is not None, f"{wrong.what!r} passes the check:\n{render(report)}"
        assert (failure.step.name, wrong.symptom in failure.detail) == (wrong.step, True), (
            f"{wrong.what!r}:\n{render(report)}"
        )


def forget_events(session: Session) -> None:
    """The app namespace's Events deleted, as an hour's wait would expire them: a learner who
    checks later must pass too, so no check may rely on them (lab 6 once counted them)."""
    session.kube.core.delete_collection_namespaced_event(APP_NAMESPACE)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_documented_commands(lab: Lab, session: Session, home: Path) -> list[docsrun.Outcome]:
    """The commands of the lab's README, hints and solution, in order, on the solved lab as
    the learner's shell would run them (labs/docsrun.py says which are not run, and why)."""
    env = docsrun.Environment(
        cluster=session.cluster_name,
        port_offset=port_offset(),
        workdir=session.workdir,
        state=home / "docs-progress.json",
        kubeconfig=kubeconfig_path(session.cluster_name),
        tools=(session.platform.kubectl, session.platform.kind),
        app_port=free_port(),
    )
    if lab.number == 1:
        # The README runs the container itself: the one `solve` started would hold its name.
        subprocess.run(["docker", "rm", "--force", "kindlab-lab1"], check=False)
    outcomes: list[docsrun.Outcome] = []
    blocks_run: list[tuple[str, ...]] = []
    for document in docs.lab_documents(lab.folder):
        for _, block in itertools.groupby(docs.commands(document), key=lambda c: c.block):
            # A block runs whole or not at all: `docker rm` then `docker run` must both run.
            commands = [c for c in block if not _skipped(c)]
            texts = tuple(c.text for c in commands)
            if not commands:
                continue
            if texts in blocks_run:
                print(f"    skip  {commands[0].where}: the same block ran above", flush=True)
                continue
            blocks_run.append(texts)
            for command in commands:
                outcome = docsrun.run(command, env, REPO_ROOT)
                shown = f"{outcome.code:>4}  {outcome.typed} ({outcome.seconds:.1f} s)"
                print(f"    {shown}", flush=True)
                outcomes.append(outcome)
    return outcomes


def _skipped(command: docs.Command) -> bool:
    why = docsrun.skipped(command)
    if why and command.fenced:
        print(f"    skip  {command.where}: {why}", flush=True)
    return why is not None


def test_every_lab_is_tested_here():
    assert len(catalog.all_labs()) >= MIN_LABS
    assert set(catalog.all_labs()) == set(FIRST_FAILURE)


@pytest.mark.parametrize("number", sorted(WRONG_FIXES), ids=lab_id)
def test_wrong_fixes_name_steps_that_exist(number):
    names = [step.name for step in catalog.get(number).steps]
    for wrong in WRONG_FIXES[number]:
        assert wrong.step in names, wrong.what


@pytest.mark.parametrize("number", sorted(FIRST_FAILURE), ids=lab_id)
def test_lab_has_readme_hints_solution_and_named_steps(number):
    lab = catalog.get(number)
    assert (lab.folder / "README.md").is_file()
    assert (lab.folder / "solution").is_dir()
    sections = hints.of(lab)
    assert not hints.missing(lab, sections), "every step has its section in hints.md"
    assert set(sections) == {step.hint for step in lab.steps}, "no section helps no step"
    names = [step.name for step in lab.steps]
    assert len(names) == len(set(names)), "step names are unique"
    assert FIRST_FAILURE[number] in names


@pytest.mark.parametrize("number", sorted(FIRST_FAILURE), ids=lab_id)
def test_start_state_fails_at_its_step_and_reference_solution_passes(
    number, lab_session, machine_load, run_report, labs_home
):
    lab, session = catalog.get(number), lab_session
    figures: dict[str, float] = {}
    started = time.monotonic()
    try:
        print(f"\nlab {number}: start", flush=True)
        with replacing_pods(lab, "start"):
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

        mark = time.monotonic()
        try_wrong_fixes(lab, session, after_solution=False)
        figures["wrong_fixes_seconds"] = time.monotonic() - mark

        print(f"lab {number}: reference solution", flush=True)
        mark = time.monotonic()
        with replacing_pods(lab, "reference solution"):
            lab.solve(session)
        figures["solve_seconds"] = time.monotonic() - mark
        if lab.needs_cluster:
            forget_events(session)

        mark = time.monotonic()
        report = run_check(lab, session, show)
        figures["passing_check_seconds"] = time.monotonic() - mark
        assert report.passed, render(report)
        assert all(r.detail for r in report.results), "every passing step says what it saw"

        mark = time.monotonic()
        try_wrong_fixes(lab, session, after_solution=True)
        figures["wrong_fixes_seconds"] += time.monotonic() - mark

        mark = time.monotonic()
        outcomes = run_documented_commands(lab, session, labs_home)
        figures["docs_seconds"] = time.monotonic() - mark
        figures["docs_commands_run"] = len(outcomes)
        broken = [o for o in outcomes if not o.ok]
        assert not broken, "\n\n".join(o.describe() for o in broken)
    finally:
        mark = time.monotonic()
        cleanup(lab, session)
        figures["cleanup_seconds"] = time.monotonic() - mark
        figures["total_seconds"] = time.monotonic() - started
        run_report.record(f"lab{number:02d}", **{k: round(v, 1) for k, v in figures.items()})

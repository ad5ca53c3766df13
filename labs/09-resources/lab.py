"""Lab 9 (stretch): resources and limits. The start state's memory limit (32Mi) is below what
gunicorn needs to start, so every container is OOM-killed and the pods crash-loop. The learner
finds out why from what Kubernetes records, then sizes the request and limit."""

from __future__ import annotations

import shutil

from labs import actions, checks
from labs.checks import MI
from labs.framework import CheckContext, Lab, Step, Verdict, failed, passed
from labs.session import Session

EXPECTED = {"last_termination_reason": "oomkilled", "exit_code": "137"}
MIN_LIMIT_MI = 128
MIN_REQUEST_MI = 64


def start(session: Session) -> None:
    actions.reset_extras(session)
    workspace = actions.prepare_workspace(session, LAB)
    actions.recreate_deployment(session, workspace)


def solve(session: Session) -> None:
    actions.kubectl_apply(session, LAB.folder / "solution")
    workspace = session.workspace(LAB.slug)
    workspace.mkdir(parents=True, exist_ok=True)
    shutil.copy(LAB.folder / "solution" / "diagnosis.yaml", workspace / "diagnosis.yaml")


def diagnosis(ctx: CheckContext) -> Verdict:
    given = checks.read_yaml_answers(ctx.session.workspace(LAB.slug) / "diagnosis.yaml")
    todo = [key for key in EXPECTED if checks.is_todo(given.get(key))]
    if todo:
        return failed(f"diagnosis.yaml still has TODO for: {', '.join(todo)}")
    wrong = [key for key, want in EXPECTED.items() if str(given[key]).strip().lower() != want]
    if wrong:
        return failed(
            f"{', '.join(wrong)} is not what Kubernetes recorded: look at the pod's last state "
            "(kubectl describe pod)"
        )
    return passed("OOMKilled, exit code 137: the kernel killed the container for its memory use")


def _memory(ctx: CheckContext) -> tuple[float | None, float | None]:
    resources = checks.app_container(checks.deployment(ctx.session.kube)).resources
    requests = (resources.requests or {}) if resources else {}
    limits = (resources.limits or {}) if resources else {}
    return (
        checks.quantity(requests.get("memory")),
        checks.quantity(limits.get("memory")),
    )


def limit(ctx: CheckContext) -> Verdict:
    _, memory_limit = _memory(ctx)
    if memory_limit is None:
        return failed(
            "the app container has no memory limit: one leaking pod could starve the node"
        )
    if memory_limit < MIN_LIMIT_MI * MI:
        return failed(
            f"the memory limit is {memory_limit / MI:g}Mi; gunicorn and its workers need more "
            f"than that to start and serve (at least {MIN_LIMIT_MI}Mi)"
        )
    return passed(f"memory limit {memory_limit / MI:g}Mi")


def request(ctx: CheckContext) -> Verdict:
    memory_request, memory_limit = _memory(ctx)
    if memory_request is None or memory_request < MIN_REQUEST_MI * MI:
        shown = "none" if memory_request is None else f"{memory_request / MI:g}Mi"
        return failed(
            f"the memory request is {shown}: the scheduler reserves that much per pod, and the "
            f"app uses more at rest (request at least {MIN_REQUEST_MI}Mi)"
        )
    if memory_limit is not None and memory_request > memory_limit:
        return failed("the memory request is above the limit, which the API refuses")
    return passed(f"memory request {memory_request / MI:g}Mi")


def no_oom(ctx: CheckContext) -> Verdict:
    pods = checks.current_pods(ctx.session.kube)
    for pod in pods:
        for status in pod.status.container_statuses or []:
            last = status.last_state.terminated if status.last_state else None
            if last and last.reason == "OOMKilled":
                return failed(f"{pod.metadata.name} was OOM-killed again: the limit is too low")
    return passed(f"no container of the {len(pods)} current pods was OOM-killed")


LAB = Lab(
    number=9,
    slug="09-resources",
    title="Resources and limits: the OOM-killed pods",
    start=start,
    solve=solve,
    steps=(
        Step("diagnosis.yaml names why the containers stop", diagnosis, hint=1),
        Step(f"memory limit is at least {MIN_LIMIT_MI}Mi", limit, hint=2),
        Step(f"memory request is {MIN_REQUEST_MI}Mi or more, within the limit", request, hint=2),
        Step("rollout complete: every pod Ready", checks.rollout_complete, hint=3),
        Step("no container of the current pods was OOM-killed", no_oom, hint=3),
        Step("pods stay Ready for 20 s without a restart", checks.pods_stable, hint=3),
    ),
)

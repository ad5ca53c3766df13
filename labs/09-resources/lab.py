"""Lab 9 (stretch): resources and limits. The start state's memory limit (32Mi) is below what
gunicorn needs to start, so every container is OOM-killed and the pods crash-loop. The learner
finds out why from what Kubernetes records, then sizes the request and limit."""

from __future__ import annotations

from kindlab.cluster.names import APP_NAME
from kindlab.core import wait
from labs import actions, checks, facts, yours
from labs.checks import MI
from labs.framework import CheckContext, Lab, Step, Verdict, failed, passed
from labs.session import Session

ANSWERS = ("last_termination_reason", "exit_code")
TERMINATION_TIMEOUT = 120
CONTAINER = "spec.template.spec.containers[app]"
MEMORY = yours.Watched("Deployment", APP_NAME, (f"{CONTAINER}.resources",))
MIN_LIMIT_MI = 128
MIN_REQUEST_MI = 64


def start(session: Session) -> None:
    actions.reset_extras(session)
    facts.forget(session, LAB)
    workspace = actions.prepare_workspace(session, LAB)
    actions.recreate_deployment(session, workspace)
    wait.wait_for(
        lambda: (bool(_record_terminations(session)), "no container has stopped yet"),
        "the first app container to stop",
        TERMINATION_TIMEOUT,
        interval=2,
    )


def _record_terminations(session: Session) -> dict[str, str]:
    """The stop the learner diagnoses: the first one the start state's pods recorded, kept in
    the lab's facts (the pods of the fixed Deployment no longer show it)."""
    seen: dict[str, str] = {}
    for pod in checks.current_pods(session.kube):
        for status in pod.status.container_statuses or []:
            last = status.last_state.terminated if status.last_state else None
            if last is not None and not seen:
                seen = {"last_termination_reason": last.reason, "exit_code": str(last.exit_code)}
    kept = facts.read(session, LAB).get("terminated", {})
    answer = termination_to_diagnose(kept, seen)
    if answer and not kept:
        facts.record(session, LAB, terminated=answer)
    return answer


def termination_to_diagnose(kept: dict[str, str], seen: dict[str, str]) -> dict[str, str]:
    """The stop kept since the lab's start wins over one the pods show now: a container of the
    fixed app restarted later on a busy machine (its liveness probe, reason Error) stopped for
    another cause, and once replaced the labs tier's right diagnosis failed against it."""
    chosen = kept or seen
    return {key: chosen[key] for key in ANSWERS} if chosen else {}


def solve(session: Session) -> None:
    actions.kubectl_apply(session, actions.use_reference(session, LAB))


def diagnosis(ctx: CheckContext) -> Verdict:
    """Judged against what the cluster recorded for the app's containers, not constants."""
    given = checks.read_yaml_answers(ctx.session.workspace(LAB.slug) / "diagnosis.yaml")
    todo = [key for key in ANSWERS if checks.is_todo(given.get(key))]
    if todo:
        return failed(f"diagnosis.yaml still has TODO for: {', '.join(todo)}")
    recorded = _record_terminations(ctx.session)
    if not recorded:
        return failed(
            "no stop of the app container is on record (labctl start 9 records the first one)"
        )
    wrong = [
        key
        for key in ANSWERS
        if str(given[key]).strip().lower() != str(recorded[key]).strip().lower()
    ]
    if wrong:
        return failed(
            f"{', '.join(wrong)} is not what Kubernetes recorded for the container's last stop"
        )
    reason, code = recorded["last_termination_reason"], recorded["exit_code"]
    return passed(f"{reason}, exit code {code}, as the pod's last state recorded it")


def runs_workspace(ctx: CheckContext) -> Verdict:
    return yours.cluster_runs(ctx, ctx.session.workspace(LAB.slug), [MEMORY])


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
            f"the memory limit is {memory_limit / MI:g}Mi: gunicorn and its workers need "
            "more than that to start and serve under load"
        )
    return passed(f"memory limit {memory_limit / MI:g}Mi")


def request(ctx: CheckContext) -> Verdict:
    memory_request, memory_limit = _memory(ctx)
    if memory_request is None or memory_request < MIN_REQUEST_MI * MI:
        shown = "none" if memory_request is None else f"{memory_request / MI:g}Mi"
        return failed(
            f"the memory request is {shown}: the scheduler reserves that much per pod, less "
            "than the app uses at rest, so it can pack more pods on a node than the node can hold"
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
    teaches="OOMKilled, exit code 137, requests vs limits",
    difficulty="stretch",
    check_duration="~40 s",
    needs=("the lab cluster (tox -e up)",),
    start=start,
    solve=solve,
    steps=(
        Step("diagnosis.yaml names why the containers stop", diagnosis, hint="diagnosis"),
        Step("the cluster runs your labs/work/09-resources", runs_workspace, hint="yours"),
        Step("the memory limit leaves the app room to start and serve", limit, hint="memory"),
        Step(
            "the memory request covers the app at rest, within the limit",
            request,
            hint="memory",
        ),
        Step("rollout complete: every pod Ready", checks.rollout_complete, hint="stable"),
        Step("no container of the current pods was OOM-killed", no_oom, hint="stable"),
        Step("pods stay Ready for 20 s without a restart", checks.pods_stable, hint="stable"),
    ),
)

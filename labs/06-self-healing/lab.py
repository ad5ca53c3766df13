"""Lab 6: self-healing. The start state has no liveness probe, so a hung process is never
restarted. With it back, the learner deletes a pod and hangs another one's liveness (PUT
/fault), watches Kubernetes recover from both, and explains who did what in answers.yaml."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping
from datetime import datetime

from kubernetes.client import V1Deployment

from kindlab.cluster import waits
from kindlab.cluster.names import APP_NAME, APP_NAMESPACE, APP_SELECTOR
from kindlab.cluster.pods import current_replicaset, restart_count
from kindlab.core import wait
from kindlab.drills import appops
from labs import actions, checks, yours
from labs.framework import CheckContext, Lab, Step, Verdict, failed, passed
from labs.session import Session

EXPECTED_ANSWERS = {
    "replacement_created_by": "replicaset",
    "restarted_by": "kubelet",
    "pod_kept_its_name": "yes",
    "unready_pod_gets_requests": "no",
}
RESTART_TIMEOUT = 180
ROLLED_OUT = ("Progressing", "True", "NewReplicaSetAvailable")


def start(session: Session) -> None:
    actions.reset_extras(session)
    workspace = actions.prepare_workspace(session, LAB)
    # A fresh Deployment: apply alone would keep the live probe (kubectl apply deletes only
    # fields that it applied itself before), and fresh ReplicaSets carry no replacements yet.
    actions.recreate_deployment(session, workspace)
    appops.wait_rolled_out(session.kube)


def solve(session: Session) -> None:
    kube = session.kube
    actions.kubectl_apply(session, actions.use_reference(session, LAB))
    appops.wait_rolled_out(kube)
    # The check tells a replacement by a creation time later than the rollout's end, both kept
    # in whole seconds: a pod deleted within the same second would not count.
    time.sleep(1)
    dep = checks.deployment(kube)
    replicas = dep.spec.replicas
    victim = checks.current_pods(kube, dep)[0].metadata.name
    kube.core.delete_namespaced_pod(victim, APP_NAMESPACE)
    wait.wait_for(
        waits.pods_ready(kube, APP_NAMESPACE, APP_SELECTOR, replicas), "a replacement pod"
    )
    pod = checks.current_pods(kube, dep)[0]
    name, before = pod.metadata.name, restart_count(pod)
    appops.inject_fault(kube, name, hang_liveness=True)

    def restarted() -> tuple[bool, str]:
        count = restart_count(kube.core.read_namespaced_pod(name, APP_NAMESPACE))
        return count > before, f"{name} restartCount {count}"

    wait.wait_for(restarted, f"the kubelet to restart {name}", RESTART_TIMEOUT)
    wait.wait_for(
        waits.pods_ready(kube, APP_NAMESPACE, APP_SELECTOR, replicas), f"{name} Ready again"
    )


def runs_workspace(ctx: CheckContext) -> Verdict:
    container = "spec.template.spec.containers[app]"
    watched = yours.Watched("Deployment", APP_NAME, (f"{container}.livenessProbe",))
    return yours.cluster_runs(ctx, ctx.session.workspace(LAB.slug), [watched])


def liveness(ctx: CheckContext) -> Verdict:
    container = checks.app_container(checks.deployment(ctx.session.kube))
    return checks.probe_matches(container, "liveness_probe", "/health")


def _events(ctx: CheckContext, obj: object, reason: str) -> list:
    """Events about this very object: a recreated ReplicaSet or pod may reuse a name."""
    selector = f"involvedObject.uid={obj.metadata.uid},reason={reason}"
    return ctx.session.kube.core.list_namespaced_event(APP_NAMESPACE, field_selector=selector).items


def rollout_finished_at(dep: V1Deployment) -> datetime | None:
    """When the Deployment's latest rollout completed. The controller stamps its `Progressing`
    condition then and leaves it alone until the next rollout, whatever happens to the pods."""
    for condition in dep.status.conditions or []:
        if (condition.type, condition.status, condition.reason) == ROLLED_OUT:
            return condition.last_update_time
    return None


def replacements(created: Mapping[str, datetime], rolled_out_at: datetime | None) -> list[str]:
    """The current ReplicaSet's pods (name: creation time) made after its rollout finished.

    Applying the fixed probe rolls out a new ReplicaSet, so every pod is new by then; only a pod
    created later was made to replace one that went away. Both times last as long as the pods,
    unlike Events (an hour). (An autoscaler scaling out would add such pods too; lab 6 puts
    no load on the app.)
    """
    if rolled_out_at is None:
        return []
    return sorted(name for name, when in created.items() if when > rolled_out_at)


def pod_replaced(ctx: CheckContext) -> Verdict:
    kube = ctx.session.kube
    dep = checks.deployment(kube)
    rs = current_replicaset(kube, dep)
    rolled_out_at = rollout_finished_at(dep)
    if rs is None or rolled_out_at is None:
        return failed("the Deployment's latest rollout has not finished yet")
    pods = checks.current_pods(kube, dep)
    new = replacements(
        {p.metadata.name: p.metadata.creation_timestamp for p in pods}, rolled_out_at
    )
    finished = f"{rolled_out_at:%H:%M:%S} UTC"
    if not new:
        return failed(
            f"ReplicaSet {rs.metadata.name} still runs the {len(pods)} pods its rollout made "
            f"(finished {finished}): none of them has gone away and been made anew"
        )
    return passed(
        f"ReplicaSet {rs.metadata.name} made {', '.join(new)} after its rollout finished at "
        f"{finished}: it replaced what went away"
    )


def liveness_restart(ctx: CheckContext) -> Verdict:
    kube = ctx.session.kube
    pods = checks.current_pods(kube)
    for pod in pods:
        if not restart_count(pod):
            continue
        # The pod's own last state lasts as long as the pod; Events (an hour) say why.
        last = checks.describe_last_exit([pod])
        if "OOMKilled" in last:
            continue
        kills = _events(ctx, pod, "Killing")
        why = (
            "after failing its liveness probe"
            if any("liveness" in (e.message or "") for e in kills)
            else f"({last}; its liveness probe is what restarts a process that still runs)"
        )
        ctx.memo["restarted"] = pod.metadata.name
        return passed(f"{pod.metadata.name} was restarted {restart_count(pod)} times {why}")
    return failed(
        "no container of the current pods has been restarted: every process that hung (if any) "
        "is still running as it was"
    )


def recovered(ctx: CheckContext) -> Verdict:
    kube = ctx.session.kube
    replicas = checks.deployment(kube).spec.replicas
    try:
        wait.wait_for(
            waits.pods_ready(kube, APP_NAMESPACE, APP_SELECTOR, replicas), "every pod Ready", 120
        )
    except wait.WaitTimeout as exc:
        return failed(str(exc))
    restarted = ctx.memo.get("restarted")
    served: Counter[str] = Counter()

    def serves() -> tuple[bool, str]:
        """Traefik adds a pod back a moment after it is Ready again: retry for a while."""
        served.clear()
        served.update(ctx.session.ingress.pods_answering(30))
        return restarted is None or restarted in served, f"answered by {dict(served)}"

    try:
        wait.wait_for(serves, f"{restarted} to get requests again", 45, interval=2)
    except wait.WaitTimeout:
        return failed(f"{restarted} is Ready but gets no requests: {dict(served)}")
    return passed(f"{replicas} pods Ready; {restarted} serves requests again")


def answers(ctx: CheckContext) -> Verdict:
    path = ctx.session.workspace(LAB.slug) / "answers.yaml"
    given = checks.read_yaml_answers(path)
    todo = [key for key in EXPECTED_ANSWERS if checks.is_todo(given.get(key))]
    if todo:
        return failed(f"answers.yaml still has TODO for: {', '.join(todo)}")
    wrong = [key for key, want in EXPECTED_ANSWERS.items() if _word(given[key]) != want]
    if wrong:
        return failed(f"not quite: reconsider {', '.join(wrong)} (README, Background)")
    return passed("all four answers are right")


def _word(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).strip().lower().removesuffix(" controller")


LAB = Lab(
    number=6,
    slug="06-self-healing",
    title="Self-healing: deleted pods, hung processes",
    teaches="ReplicaSets, kubelet restarts, liveness",
    difficulty="core",
    check_duration="~5 s",
    needs=("the lab cluster (tox -e up)",),
    start=start,
    solve=solve,
    steps=(
        Step("the cluster runs your labs/work/06-self-healing", runs_workspace, hint="yours"),
        Step("the liveness probe can tell a live container", liveness, hint="liveness"),
        Step("rollout complete: every pod Ready", checks.rollout_complete, hint="rollout"),
        Step("a deleted pod was replaced by its ReplicaSet", pod_replaced, hint="replaced"),
        Step(
            "a container was restarted after its liveness probe failed",
            liveness_restart,
            hint="restarted",
        ),
        Step("every pod is Ready again and serves requests", recovered, hint="recovered"),
        Step("answers.yaml explains who recovered what", answers, hint="answers"),
    ),
)

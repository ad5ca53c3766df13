"""What a pod's status says (Ready or not, why it will not become Ready by itself, which build
it runs), and which pods belong to a Deployment's current revision.

Rollout waits, the e2e suite and the lab verdicts all read pods the same way from here.
"""

from __future__ import annotations

from collections.abc import Mapping

from kubernetes.client import V1Deployment, V1Pod, V1ReplicaSet

from kindlab.cluster.kube import Kube

REVISION = "deployment.kubernetes.io/revision"

# Pod states that no amount of waiting fixes: report them instead of timing out.
STUCK_REASONS = frozenset(
    {
        "CrashLoopBackOff",
        "ImagePullBackOff",
        "ErrImagePull",
        "ErrImageNeverPull",
        "CreateContainerConfigError",
        "CreateContainerError",
        "InvalidImageName",
    }
)


def runs_older_build(pod: V1Pod, container: str, digests: Mapping[str, str | None]) -> bool:
    """Whether `container` runs another build than its node now holds under the same tag.

    `digests` maps node -> manifest digest of the tag there (Cluster.image_digests); a pod's
    status names the digest it started from after the `@` of its imageID.
    """
    node = pod.spec.node_name if pod.spec else None
    return any(
        status.name == container and status.image_id.rpartition("@")[2] != digests.get(node)
        for status in (pod.status.container_statuses if pod.status else None) or []
    )


def is_ready(pod: V1Pod) -> bool:
    conditions = (pod.status.conditions if pod.status else None) or []
    return any(c.type == "Ready" and c.status == "True" for c in conditions)


def stuck_reason(pod: V1Pod) -> str | None:
    """Why a pod will not become Ready by itself, if its status says so."""
    if pod.status is None:
        return None
    for condition in pod.status.conditions or []:
        if condition.type == "PodScheduled" and condition.reason == "Unschedulable":
            return f"{pod.metadata.name} cannot be scheduled: {condition.message}"
    for status in pod.status.container_statuses or []:
        waiting = status.state.waiting if status.state else None
        if waiting and waiting.reason in STUCK_REASONS:
            detail = f" ({waiting.message})" if waiting.message else ""
            return f"{pod.metadata.name}: container {status.name} is {waiting.reason}{detail}"
        last = status.last_state.terminated if status.last_state else None
        if last and last.reason == "OOMKilled" and not status.ready:
            return f"{pod.metadata.name}: container {status.name} was OOMKilled"
    return None


def restart_count(pod: V1Pod) -> int:
    return sum(
        s.restart_count for s in (pod.status.container_statuses if pod.status else None) or []
    )


def _selector(dep: V1Deployment) -> str:
    labels = dep.spec.selector.match_labels or {}
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


def current_replicaset(kube: Kube, dep: V1Deployment) -> V1ReplicaSet | None:
    """The ReplicaSet of the Deployment's latest revision (what `rollout status` follows)."""
    revision = (dep.metadata.annotations or {}).get(REVISION)
    sets = kube.apps.list_namespaced_replica_set(
        dep.metadata.namespace, label_selector=_selector(dep)
    ).items
    for rs in sets:
        owners = {o.uid for o in rs.metadata.owner_references or []}
        if dep.metadata.uid in owners and (rs.metadata.annotations or {}).get(REVISION) == revision:
            return rs
    return None


def current_pods(kube: Kube, dep: V1Deployment) -> list[V1Pod]:
    """Live pods of the latest revision, oldest first: old ones being replaced do not count."""
    rs = current_replicaset(kube, dep)
    if rs is None:
        return []
    pods = kube.core.list_namespaced_pod(dep.metadata.namespace, label_selector=_selector(dep))
    mine = [
        p
        for p in pods.items
        if p.metadata.deletion_timestamp is None
        and any(o.uid == rs.metadata.uid for o in p.metadata.owner_references or [])
    ]
    return sorted(mine, key=lambda p: p.metadata.creation_timestamp)

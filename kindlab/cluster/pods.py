"""What a pod's status says: Ready or not, and why it will not become Ready by itself.

Rollout waits, the e2e suite and the lab verdicts all read pods the same way from here.
"""

from __future__ import annotations

from kubernetes.client import V1Pod

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

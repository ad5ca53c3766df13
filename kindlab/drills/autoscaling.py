"""The app's HorizontalPodAutoscaler: what it says about itself, and waits on what it does.

An HPA that cannot work (its target does not exist, the metrics API does not answer) does not
fail loudly: it keeps the replicas where they are and says why in its conditions. Waits here
read those conditions and give up early with the HPA's own words, instead of timing out.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from kubernetes import client
from kubernetes.client import V2HorizontalPodAutoscaler

from kindlab.cluster.apply import delete_if_present
from kindlab.cluster.kube import Kube, or_none
from kindlab.cluster.names import APP_NAME, APP_NAMESPACE
from kindlab.cluster.waits import tolerant
from kindlab.core.wait import Condition, WaitStuck, persisting

# An HPA reports a missing metric or target only after a sync or two, and briefly while pods
# start: a condition must hold this long before it counts as the HPA being unable to work.
BROKEN_AFTER_SECONDS = 45.0


def api(kube: Kube) -> client.AutoscalingV2Api:
    return client.AutoscalingV2Api(kube.api)


def read(kube: Kube) -> V2HorizontalPodAutoscaler | None:
    return or_none(api(kube).read_namespaced_horizontal_pod_autoscaler, APP_NAME, APP_NAMESPACE)


def pause(kube: Kube) -> bool:
    """Remove the app's HPA, so replicas set by hand stay (restoring the overlay brings it back)."""
    return delete_if_present(
        kube, "autoscaling/v2", "HorizontalPodAutoscaler", APP_NAME, APP_NAMESPACE
    )


@dataclass(frozen=True)
class Sample:
    """One look at the HPA: the replica counts and CPU it works from, and its conditions."""

    seconds: float
    current: int
    desired: int
    ready: int
    cpu_percent: int | None
    conditions: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "t": round(self.seconds, 1),
            "current": self.current,
            "desired": self.desired,
            "ready": self.ready,
            "cpu_percent": self.cpu_percent,
            "conditions": self.conditions,
        }


def conditions(hpa: V2HorizontalPodAutoscaler) -> dict[str, str]:
    """`type: status/reason` of each condition, e.g. `ScalingActive: False/FailedGetScale`."""
    return {c.type: f"{c.status}/{c.reason}" for c in hpa.status.conditions or []}


def broken_reason(hpa: V2HorizontalPodAutoscaler) -> str | None:
    """Why the HPA cannot scale at all, in its own words, if its conditions say so."""
    for condition in hpa.status.conditions or []:
        if condition.type in {"AbleToScale", "ScalingActive"} and condition.status == "False":
            return f"{condition.type}=False ({condition.reason}): {condition.message}"
    return None


def sample(kube: Kube, started: float) -> Sample:
    hpa = read(kube)
    dep = kube.apps.read_namespaced_deployment(APP_NAME, APP_NAMESPACE)
    ready = dep.status.ready_replicas or 0
    if hpa is None:
        return Sample(time.monotonic() - started, dep.spec.replicas, dep.spec.replicas, ready, None)
    return Sample(
        time.monotonic() - started,
        hpa.status.current_replicas or 0,
        hpa.status.desired_replicas or 0,
        ready,
        _cpu_percent(hpa),
        conditions(hpa),
    )


def _cpu_percent(hpa: V2HorizontalPodAutoscaler) -> int | None:
    for metric in hpa.status.current_metrics or []:
        if metric.type == "Resource" and metric.resource and metric.resource.name == "cpu":
            return metric.resource.current.average_utilization
    return None


def scaled_out(kube: Kube, replicas: int, samples: list[Sample], started: float) -> Condition:
    """The HPA has set at least `replicas` and that many pods are Ready; each poll is sampled.

    Gives up (WaitStuck) once the HPA has said for BROKEN_AFTER_SECONDS that it cannot scale.
    """
    hopeless = persisting(BROKEN_AFTER_SECONDS)

    @tolerant
    def check() -> tuple[bool, str]:
        hpa = read(kube)
        if hpa is None:
            raise WaitStuck(f"there is no HorizontalPodAutoscaler {APP_NAMESPACE}/{APP_NAME}")
        now = sample(kube, started)
        samples.append(now)
        problem = hopeless(broken_reason(hpa))
        if problem:
            raise WaitStuck(f"the autoscaler cannot scale: {problem}")
        done = now.desired >= replicas and now.ready >= replicas
        return done, _shown(now, f"want {replicas}")

    return check


def _sampled(
    kube: Kube, samples: list[Sample], started: float, holds: Callable[[Sample], bool], goal: str
) -> Condition:
    """A condition on each new sample (every poll is recorded in `samples`)."""

    @tolerant
    def check() -> tuple[bool, str]:
        now = sample(kube, started)
        samples.append(now)
        return holds(now), _shown(now, goal)

    return check


def scaling_in(kube: Kube, below: int, samples: list[Sample], started: float) -> Condition:
    """The HPA has started to remove pods: it wants fewer than `below`."""
    return _sampled(kube, samples, started, lambda s: s.desired < below, f"want fewer than {below}")


def back_to(kube: Kube, replicas: int, samples: list[Sample], started: float) -> Condition:
    """The HPA has scaled all the way back: it wants `replicas` and that many pods are Ready."""

    def holds(now: Sample) -> bool:
        return now.desired == now.current == now.ready == replicas

    return _sampled(kube, samples, started, holds, f"want {replicas}")


def _shown(now: Sample, goal: str) -> str:
    return (
        f"desired {now.desired}, current {now.current}, ready {now.ready}, "
        f"CPU {now.cpu_percent}% of request ({goal}); {now.conditions}"
    )

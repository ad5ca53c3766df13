"""Named wait conditions on the cluster, for kindlab.core.wait.wait_for.

Each condition returns (done, state) and is free of side effects: it only reads. Transient API
errors (the API server restarting, a dropped connection) count as "not yet", not as failure.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import urllib3
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from kindlab.cluster import pods as podstatus
from kindlab.cluster.kube import Kube
from kindlab.core.wait import Condition, WaitStuck, persisting

# How long a hopeless-looking state must last before a rollout wait gives up early.
STUCK_AFTER_SECONDS = 20.0
ROLLOUT_TIMEOUT = 300


def tolerant(check: Callable[[], tuple[bool, str]]) -> Condition:
    """The condition, with a 5xx/429 answer or a lost connection read as "not yet"."""

    @functools.wraps(check)
    def guarded() -> tuple[bool, str]:
        try:
            return check()
        except ApiException as exc:
            if exc.status in (429,) or (exc.status or 0) >= 500:
                return False, f"API server answered {exc.status} {exc.reason}"
            raise
        except urllib3.exceptions.HTTPError as exc:
            return False, f"API server unreachable ({type(exc).__name__})"

    return guarded


def deployment_rolled_out(
    kube: Kube, namespace: str, name: str, stuck_after: float = STUCK_AFTER_SECONDS
) -> Condition:
    """`kubectl rollout status` semantics: the controller saw the latest spec and finished.

    Like kubectl, it gives up on ProgressDeadlineExceeded; it also gives up when a pod of the
    Deployment is stuck (unschedulable, crash-looping, image missing) for `stuck_after`
    seconds, instead of waiting out the whole timeout.
    """
    hopeless = persisting(stuck_after)

    @tolerant
    def check() -> tuple[bool, str]:
        dep = kube.apps.read_namespaced_deployment(name, namespace)
        want = dep.spec.replicas or 0
        st = dep.status
        updated, available = st.updated_replicas or 0, st.available_replicas or 0
        total = st.replicas or 0
        observed = (st.observed_generation or 0) >= (dep.metadata.generation or 0)
        done = observed and updated == want and available == want and total == want
        state = (
            f"generation observed={observed} updated={updated}/{want} "
            f"available={available}/{want} total={total}"
        )
        if not done:
            problem = hopeless((observed and _deadline_exceeded(dep)) or _stuck_pod(kube, dep))
            if problem:
                raise WaitStuck(f"{namespace}/{name}: {problem} ({state})")
        return done, state

    return check


def _deadline_exceeded(dep: client.V1Deployment) -> str | None:
    for condition in dep.status.conditions or []:
        if condition.type == "Progressing" and condition.reason == "ProgressDeadlineExceeded":
            return f"ProgressDeadlineExceeded: {condition.message}"
    return None


def _stuck_pod(kube: Kube, dep: client.V1Deployment) -> str | None:
    """A pod of the new revision that will not become Ready (old ones are being replaced)."""
    for pod in podstatus.current_pods(kube, dep):
        reason = podstatus.stuck_reason(pod)
        if reason:
            return reason
    return None


def deployment_condition(
    kube: Kube, namespace: str, name: str, kind: str, reason: str
) -> Condition:
    """A Deployment condition with the given reason, e.g. Progressing/ProgressDeadlineExceeded."""

    def check() -> tuple[bool, str]:
        dep = kube.apps.read_namespaced_deployment(name, namespace)
        conditions = {c.type: c for c in dep.status.conditions or []}
        found = conditions.get(kind)
        state = f"{kind}={found.status}/{found.reason}" if found else f"no {kind} condition"
        return bool(found and found.reason == reason), state

    return check


def ready_endpoints(kube: Kube, namespace: str, service: str, count: int) -> Condition:
    """The Service routes to exactly `count` ready endpoints (what the ingress will use)."""

    def check() -> tuple[bool, str]:
        slices = client.DiscoveryV1Api(kube.api).list_namespaced_endpoint_slice(
            namespace, label_selector=f"kubernetes.io/service-name={service}"
        )
        ready = sum(
            1
            for item in slices.items
            for ep in item.endpoints or []
            if ep.conditions and ep.conditions.ready
        )
        return ready == count, f"{ready} ready endpoints (want {count})"

    return check


def pods_ready(kube: Kube, namespace: str, selector: str, count: int) -> Condition:
    def check() -> tuple[bool, str]:
        pods = kube.core.list_namespaced_pod(namespace, label_selector=selector).items
        live = [p for p in pods if p.metadata.deletion_timestamp is None]
        ready = [p for p in live if podstatus.is_ready(p)]
        return len(ready) == count == len(live), f"{len(ready)}/{len(live)} ready (want {count})"

    return check

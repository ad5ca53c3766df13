"""Named wait conditions with generous timeouts and a message that says what never happened.

Each condition returns (done, state): `state` is printed as progress while waiting and quoted
in the timeout error, so a failure explains itself without a debugger.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from kubernetes import client
from tenacity import RetryError, Retrying, retry_if_result, stop_after_delay, wait_fixed

from kindlab.cluster.kube import Kube
from kindlab.progress import say

Condition = Callable[[], tuple[bool, str]]
PROGRESS_EVERY_SECONDS = 10.0


class WaitTimeout(AssertionError):
    """A condition did not hold in time; the message carries the last observed state."""


def wait_for(condition: Condition, what: str, timeout: float = 300, interval: float = 1) -> str:
    """Poll `condition` until it holds; returns its final state string."""
    last = {"state": "not checked yet", "said": time.monotonic()}

    def attempt() -> bool:
        done, last["state"] = condition()
        if not done and time.monotonic() - last["said"] >= PROGRESS_EVERY_SECONDS:
            say(f"  waiting for {what}: {last['state']}")
            last["said"] = time.monotonic()
        return done

    retrying = Retrying(
        retry=retry_if_result(lambda done: not done),
        stop=stop_after_delay(timeout),
        wait=wait_fixed(interval),
    )
    try:
        retrying(attempt)
    except RetryError:
        raise WaitTimeout(
            f"timed out after {timeout:.0f}s waiting for {what}; last state: {last['state']}"
        ) from None
    return last["state"]


def deployment_rolled_out(kube: Kube, namespace: str, name: str) -> Condition:
    """`kubectl rollout status` semantics: the controller saw the latest spec and finished."""

    def check() -> tuple[bool, str]:
        dep = kube.apps.read_namespaced_deployment(name, namespace)
        want = dep.spec.replicas or 0
        st = dep.status
        updated, available = st.updated_replicas or 0, st.available_replicas or 0
        total = st.replicas or 0
        observed = (st.observed_generation or 0) >= (dep.metadata.generation or 0)
        done = observed and updated == want and available == want and total == want
        return done, (
            f"generation observed={observed} updated={updated}/{want} "
            f"available={available}/{want} total={total}"
        )

    return check


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
        ready = [p for p in live if _is_ready(p)]
        return len(ready) == count == len(live), f"{len(ready)}/{len(live)} ready (want {count})"

    return check


def _is_ready(pod: object) -> bool:
    conditions = getattr(pod.status, "conditions", None) or []
    return any(c.type == "Ready" and c.status == "True" for c in conditions)

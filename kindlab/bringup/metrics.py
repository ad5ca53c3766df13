"""The metrics API (metrics.k8s.io, served by metrics-server): what `kubectl top` and the HPA read.

Metrics for a pod appear only after metrics-server has scraped its kubelet at least once, a
few seconds to a resolution period after the pod starts: bring-up waits for every app pod.
"""

from __future__ import annotations

from kubernetes import client
from kubernetes.client.exceptions import ApiException
from kubernetes.utils import parse_quantity

from kindlab.bringup.health import live_app_pods
from kindlab.cluster.kube import Kube
from kindlab.cluster.names import APP_NAMESPACE
from kindlab.cluster.waits import tolerant
from kindlab.core.wait import Condition

GROUP, VERSION = "metrics.k8s.io", "v1beta1"


def _pod_usage(kube: Kube, namespace: str, resource: str) -> dict[str, float]:
    listed = client.CustomObjectsApi(kube.api).list_namespaced_custom_object(
        GROUP, VERSION, namespace, "pods"
    )
    return {
        item["metadata"]["name"]: sum(
            float(parse_quantity(c["usage"][resource])) for c in item.get("containers", [])
        )
        for item in listed.get("items", [])
    }


def pod_cpu_millicores(kube: Kube, namespace: str) -> dict[str, float]:
    """CPU use of each pod in `namespace` as the metrics API reports it, in millicores."""
    return {pod: cores * 1000 for pod, cores in _pod_usage(kube, namespace, "cpu").items()}


def pod_memory_bytes(kube: Kube, namespace: str) -> dict[str, float]:
    """Working-set memory of each pod in `namespace` (what the OOM killer judges), in bytes."""
    return _pod_usage(kube, namespace, "memory")


def every_app_pod_measured(kube: Kube) -> Condition:
    """The metrics API answers with CPU use for every live app pod (what the HPA needs)."""

    @tolerant
    def check() -> tuple[bool, str]:
        want = {p.metadata.name for p in live_app_pods(kube)}
        try:
            measured = pod_cpu_millicores(kube, APP_NAMESPACE)
        except ApiException as exc:
            if exc.status == 404:
                return False, "the metrics API is not registered yet"
            raise
        missing = sorted(want - set(measured))
        done = bool(want) and not missing
        return done, f"{len(want) - len(missing)}/{len(want)} app pods measured"

    return check


def app_cpu_below(kube: Kube, millicores: float) -> Condition:
    """Every live app pod is measured below `millicores`: a past load has left the metrics.

    metrics-server reports a rate over its last scrapes, so CPU burnt by traffic that has
    stopped still shows for a resolution period or two, and an HPA reading it scales out.
    """

    @tolerant
    def check() -> tuple[bool, str]:
        want = {p.metadata.name for p in live_app_pods(kube)}
        measured = pod_cpu_millicores(kube, APP_NAMESPACE)
        busy = {pod: round(cpu) for pod, cpu in measured.items() if pod in want}
        busy = {pod: cpu for pod, cpu in busy.items() if cpu >= millicores}
        unmeasured = want - set(measured)
        done = bool(want) and not busy and not unmeasured
        return done, f"over {millicores:g}m: {busy or 'none'}; unmeasured: {len(unmeasured)}"

    return check


def metrics_api_unavailable(kube: Kube) -> Condition:
    """The metrics API no longer answers (metrics-server is gone): an HPA can read no CPU."""

    def check() -> tuple[bool, str]:
        try:
            pod_cpu_millicores(kube, APP_NAMESPACE)
        except ApiException as exc:
            return exc.status in (404, 503), f"the metrics API answered {exc.status}"
        return False, "the metrics API still answers"

    return check

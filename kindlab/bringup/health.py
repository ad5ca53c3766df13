"""The app brought back to health: no injected fault left, every pod answering at the edge.

Faults live inside the pods (PUT /fault), so re-applying manifests does not clear them: a lab
that an interrupted test left behind could look "up" while some pods answer 500. Bring-up
therefore clears them in every pod and then proves through the ingress that each pod serves.
"""

from __future__ import annotations

import json

from kubernetes.client import V1Pod

from kindlab.clients.ingress import IngressClient
from kindlab.cluster import pods as podstatus
from kindlab.cluster.kube import Kube, or_none
from kindlab.cluster.names import APP_CONTAINER, APP_NAMESPACE, APP_SELECTOR
from kindlab.core.output import say
from kindlab.core.process import CommandError
from kindlab.core.wait import Condition

FAULT_SCRIPT = (
    "import sys,urllib.request;"
    "r=urllib.request.Request('http://127.0.0.1:5000/fault',method=sys.argv[1],"
    "data=sys.argv[2].encode() or None,headers={'Content-Type':'application/json'});"
    "print(urllib.request.urlopen(r,timeout=5).read().decode())"
)


def live_app_pods(kube: Kube) -> list[V1Pod]:
    """App pods that are not being deleted, oldest first."""
    pods = kube.core.list_namespaced_pod(APP_NAMESPACE, label_selector=APP_SELECTOR).items
    live = [p for p in pods if p.metadata.deletion_timestamp is None]
    return sorted(live, key=lambda p: p.metadata.creation_timestamp)


def fault_call(kube: Kube, pod: str, method: str, changes: dict | None = None) -> dict:
    """/fault inside one pod (via exec, so no network policy or ingress is involved)."""
    body = json.dumps(changes) if changes is not None else ""
    out = kube.kubectl(
        "exec", "-n", APP_NAMESPACE, pod, "-c", APP_CONTAINER, "--",
        "python3", "-c", FAULT_SCRIPT, method, body,
    )  # fmt: skip
    return json.loads(out)


def clear_faults(kube: Kube) -> None:
    """DELETE /fault in every app pod; a pod that cannot take it is replaced instead."""
    for pod in live_app_pods(kube):
        name = pod.metadata.name
        try:
            fault_call(kube, name, "DELETE")
        except (CommandError, ValueError) as exc:
            say(f"  pod {name} did not clear its faults ({str(exc)[:120]}): replacing it")
            or_none(kube.core.delete_namespaced_pod, name, APP_NAMESPACE)


def every_pod_serves(kube: Kube, client: IngressClient, path: str = "/version") -> Condition:
    """Each Ready app pod has answered 200 through the ingress (not merely one of them)."""
    answered: set[str] = set()

    def check() -> tuple[bool, str]:
        ready = {p.metadata.name for p in live_app_pods(kube) if podstatus.is_ready(p)}
        failing: dict[str, str] = {}
        for pod, status in client.answers(4 * len(ready) + 4, path):
            if status == "200":
                answered.add(pod)
                failing.pop(pod, None)
            else:
                failing[pod] = status
        done = bool(ready) and ready <= answered and not failing
        state = f"{len(ready & answered)}/{len(ready)} Ready pods answered 200 via {client.host}"
        return done, state + (f"; failing: {failing}" if failing else "")

    return check

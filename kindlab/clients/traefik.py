"""What Traefik actually routes, read from its own API: the Ingress says what is wanted, the
router says what is in force (Traefik applies changes a moment after the API server has them).
"""

from __future__ import annotations

import json
import re

from kindlab.cluster.kube import Kube
from kindlab.core.wait import Condition

TRAEFIK_NAMESPACE = "traefik"
TRAEFIK_SELECTOR = "app.kubernetes.io/name=traefik"
# Its read-only API, on the internal "traefikapi" entrypoint (k8s/addons/traefik).
API_PORT = 9000


def routers(kube: Kube) -> list[dict]:
    """Traefik's HTTP routers, through the API server's proxy to its pod (port not exposed)."""
    pod = kube.core.list_namespaced_pod(TRAEFIK_NAMESPACE, label_selector=TRAEFIK_SELECTOR).items[0]
    # Unparsed: the client would turn the JSON body into a Python repr.
    response = kube.core.connect_get_namespaced_pod_proxy_with_path(
        f"{pod.metadata.name}:{API_PORT}",
        TRAEFIK_NAMESPACE,
        "api/http/routers",
        _preload_content=False,
    )
    return json.loads(response.data)


def middlewares_for_host(listed: list[dict], host: str) -> set[str]:
    """Middlewares on the routers whose rule names `host` (Traefik quotes it either way)."""
    found: set[str] = set()
    for router in listed:
        if re.search(rf"Host\([\"`]{re.escape(host)}[\"`]\)", router.get("rule", "")):
            found.update(router.get("middlewares") or [])
    return found


def middlewares_in_force(kube: Kube, host: str, wanted: set[str]) -> Condition:
    def check() -> tuple[bool, str]:
        current = middlewares_for_host(routers(kube), host)
        return current == wanted, f"router for {host} uses {sorted(current)}"

    return check

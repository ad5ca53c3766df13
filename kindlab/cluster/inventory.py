"""What runs: kind clusters on this Docker host, their nodes, and whether the app serves.

`kindlab status` answers from Docker and the API server alone, without building kind or
kubectl, so a person can ask at any time, on any machine.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import urllib3
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

from kindlab.cluster.deletion import KIND_CLUSTER_LABEL, node_containers
from kindlab.cluster.names import APP_NAME, APP_NAMESPACE


def running_clusters() -> list[str]:
    """Names of the kind clusters whose nodes exist on this Docker host."""
    listing = subprocess.run(
        ["docker", "ps", "-a", "--filter", f"label={KIND_CLUSTER_LABEL}",
         "--format", f'{{{{.Label "{KIND_CLUSTER_LABEL}"}}}}'],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return sorted(set(listing.stdout.split()))


def node_states(name: str) -> dict[str, str]:
    """Node container name -> its Docker state (running, paused, exited)."""
    ids = node_containers(name)
    if not ids:
        return {}
    listing = subprocess.run(
        ["docker", "inspect", "--format", "{{.Name}} {{.State.Status}}", *ids],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return dict(line.lstrip("/").split(" ", 1) for line in listing.stdout.splitlines())


def app_replicas(kubeconfig: Path) -> str:
    """`serving: N/M ready`, or why the app is not there."""
    try:
        api = config.new_client_from_config(config_file=str(kubeconfig))
        dep = client.AppsV1Api(api).read_namespaced_deployment(
            APP_NAME, APP_NAMESPACE, _request_timeout=5
        )
    except ApiException as exc:
        if exc.status == 404:
            return f"not deployed (no Deployment {APP_NAMESPACE}/{APP_NAME})"
        return f"unknown: the API server answered {exc.status} {exc.reason}"
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        return f"unknown: the API server does not answer ({type(exc).__name__})"
    want, ready = dep.spec.replicas or 0, dep.status.ready_replicas or 0
    state = "serving" if ready and ready == want else "not ready"
    return f"{state}: {ready}/{want} pods ready"

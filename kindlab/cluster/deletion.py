"""Deleting a kind cluster: the one way, used by `kindlab down`, the test teardowns and bring-up.

kind labels every node container with its cluster's name, and removing those containers (and
the kubeconfig kindlab wrote) is all `kind delete cluster` does; doing it with Docker alone
means a new machine with nothing built yet can delete at once. A node whose cgroups were left
frozen (a killed `docker pause`, a host suspend) makes `docker rm` fail until it is thawed.
"""

from __future__ import annotations

import subprocess

from kindlab.cluster.identity import kubeconfig_path
from kindlab.core.output import say, step
from kindlab.host import cgroups

KIND_CLUSTER_LABEL = "io.x-k8s.kind.cluster"


def node_containers(name: str) -> list[str]:
    """The IDs of the cluster's node containers, running or not."""
    listing = subprocess.run(
        ["docker", "ps", "-aq", "--no-trunc", "--filter", f"label={KIND_CLUSTER_LABEL}={name}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return listing.stdout.split()


def delete_cluster(name: str) -> bool:
    """Delete cluster `name` and its kubeconfig; False when there was no such cluster."""
    kubeconfig = kubeconfig_path(name)  # checks the name before anything is removed
    nodes = node_containers(name)
    kubeconfig.unlink(missing_ok=True)
    if not nodes:
        return False
    remove = ["docker", "rm", "-f", "-v", *nodes]
    with step(f"Deleting cluster {name!r} ({len(nodes)} node container(s))"):
        first = subprocess.run(remove, check=False, capture_output=True, text=True)
        if first.returncode != 0:
            thawed = sum(cgroups.thaw(node) for node in nodes)
            say(f"docker rm failed ({first.stderr.strip()[:160]}); thawed {thawed} frozen cgroups")
            subprocess.run(remove, capture_output=True, check=True)
    return True

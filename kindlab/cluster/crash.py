"""A hard crash of one pod's server, as an OOM kill or a segfault does it: SIGKILL, no warning.

Not `kubectl delete pod` (that is graceful: the pod leaves the endpoints first, then gets
SIGTERM) and not `kill` from inside the container (the kernel ignores SIGKILL sent to a PID
namespace's init from within). The signal comes from the node, to the container's init process
as containerd knows it; the whole container dies at once, and kubelet restarts it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from kubernetes.client import V1Pod

from kindlab.cluster.names import APP_CONTAINER
from kindlab.progress import run, say


def container_id(pod: V1Pod, container: str = APP_CONTAINER) -> str:
    """The runtime's id of the running container (status says `containerd://<id>`)."""
    for status in pod.status.container_statuses or []:
        if status.name == container and status.container_id and status.state.running:
            return status.container_id.split("://", 1)[1]
    raise ValueError(f"pod {pod.metadata.name} has no running container {container!r}")


@dataclass(frozen=True)
class Kill:
    """When the signal was asked for and when `kill` had returned: it landed in between."""

    asked_at: float
    done_at: float


def kill_server(pod: V1Pod, container: str = APP_CONTAINER) -> Kill:
    """SIGKILL the container's main process from its node (Unix times of the kill window)."""
    node, cid = pod.spec.node_name, container_id(pod, container)
    template = "{{.info.pid}}"
    pid = run(["docker", "exec", node, "crictl", "inspect", "-o", "go-template",
               "--template", template, cid]).strip()  # fmt: skip
    if not pid.isdigit():
        raise ValueError(f"crictl gave no PID for container {cid[:12]} of {pod.metadata.name}")
    asked_at = time.time()
    run(["docker", "exec", node, "kill", "-KILL", pid])
    done_at = time.time()
    say(f"SIGKILL to {pod.metadata.name}'s {container} (PID {pid} on {node})")
    return Kill(asked_at, done_at)

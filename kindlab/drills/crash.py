"""A hard crash of one pod's server, as an OOM kill or a segfault does it: SIGKILL, no warning.

Not `kubectl delete pod` (that is graceful: the pod leaves the endpoints first, then gets
SIGTERM) and not `kill` from inside the container (the kernel ignores SIGKILL sent to a PID
namespace's init from within). The signal comes from the node, to the container's init process
as containerd knows it; the whole container dies at once, and kubelet restarts it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from kubernetes.client import V1Pod

from kindlab.cluster.names import APP_CONTAINER
from kindlab.core.output import say
from kindlab.core.process import CommandError, run


def _inspect(node: str, container: str, template: str) -> str:
    """One field of `crictl inspect` on the node, by Go template."""
    command = ["crictl", "inspect", "-o", "go-template", "--template", template, container]
    return run(["docker", "exec", node, *command]).strip()


def container_id(pod: V1Pod, container: str = APP_CONTAINER) -> str:
    """The runtime's id of the running container (status says `containerd://<id>`)."""
    for status in pod.status.container_statuses or []:
        if status.name == container and status.container_id and status.state.running:
            return status.container_id.split("://", 1)[1]
    raise ValueError(f"pod {pod.metadata.name} has no running container {container!r}")


@dataclass(frozen=True)
class Kill:
    """When the signal was asked for and when `kill` had returned: it landed in between."""

    node: str
    container_id: str
    asked_at: float
    done_at: float

    def exited_at(self) -> float:
        """When the container died, as the runtime recorded it (nanosecond timestamps, the
        node's clock is the host's): tighter than the window around `docker exec kill`.

        kubelet may already have removed the dead container (its garbage collection keeps few);
        then the end of that window is the best bound there is.
        """
        try:
            finished = _inspect(self.node, self.container_id, "{{.status.finishedAt}}")
            return datetime.fromisoformat(finished).timestamp()
        except (CommandError, ValueError):
            return self.done_at


def kill_server(pod: V1Pod, container: str = APP_CONTAINER) -> Kill:
    """SIGKILL the container's main process from its node (Unix times of the kill window)."""
    node, cid = pod.spec.node_name, container_id(pod, container)
    pid = _inspect(node, cid, "{{.info.pid}}")
    if not pid.isdigit():
        raise ValueError(f"crictl gave no PID for container {cid[:12]} of {pod.metadata.name}")
    asked_at = time.time()
    run(["docker", "exec", node, "kill", "-KILL", pid])
    done_at = time.time()
    say(f"SIGKILL to {pod.metadata.name}'s {container} (PID {pid} on {node})")
    return Kill(node, cid, asked_at, done_at)

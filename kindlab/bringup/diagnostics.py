"""What a failed run leaves behind: enough cluster state to diagnose it without the cluster."""

from __future__ import annotations

from pathlib import Path

from kindlab.bringup.addon_registry import ADDONS
from kindlab.cluster.lifecycle import Cluster
from kindlab.cluster.names import APP_NAMESPACE, APP_SELECTOR
from kindlab.core.output import say
from kindlab.core.process import CommandError, run

COMPONENT_LOGS = (
    (APP_NAMESPACE, APP_SELECTOR, "app"),
    *((a.namespace, a.selector, a.name) for a in ADDONS),
)


def dump(cluster: Cluster, dest: Path) -> Path:
    """Write pods, descriptions, events, component logs and `kind export logs` under dest."""
    dest.mkdir(parents=True, exist_ok=True)
    say(f"dumping cluster diagnostics to {dest}")
    captures = {
        "pods.txt": ("get", "pods", "-A", "-o", "wide"),
        "deployments.txt": ("get", "deployments", "-A", "-o", "wide"),
        "endpointslices.txt": ("get", "endpointslices", "-A"),
        "events.txt": ("get", "events", "-A", "--sort-by=.lastTimestamp"),
        "describe-app.txt": ("describe", "pods", "-n", APP_NAMESPACE),
        "describe-deployment.txt": ("describe", "deployment", "-n", APP_NAMESPACE),
    }
    for namespace, selector, name in COMPONENT_LOGS:
        captures[f"logs-{name}.txt"] = (
            "logs", "-n", namespace, "-l", selector,
            "--all-containers", "--prefix", "--tail=500", "--timestamps",
        )  # fmt: skip
    for filename, args in captures.items():
        output = cluster.kube.kubectl(*args, check=False)
        (dest / filename).write_text(output)
    try:
        run(
            [
                cluster.platform.kind,
                "export",
                "logs",
                str(dest / "kind-logs"),
                "--name",
                cluster.name,
            ]
        )
    except CommandError as exc:
        (dest / "kind-export-logs-failed.txt").write_text(str(exc))
    return dest

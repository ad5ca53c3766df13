"""`kindlab airgap` (`tox -e airgap`): build everything the air-gapped cluster needs, idempotently.

Prints progress for each component and writes a JSON report of how long each took, so cold
and warm runs can be compared (reports/airgap-build.json).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from kindlab.bringup.addon_registry import airgap_images
from kindlab.build.airgap import binaries
from kindlab.build.airgap.base_images import python_base_image
from kindlab.build.airgap.cluster_images import control_plane_images
from kindlab.build.airgap.debian import debian_image
from kindlab.build.airgap.nodeimage import node_image
from kindlab.cluster.deletion import delete_cluster
from kindlab.core.cache import cache_root
from kindlab.core.output import say, step
from kindlab.core.paths import REPO_ROOT
from kindlab.core.process import run
from kindlab.core.versions import pins
from kindlab.host.docker_engine import DockerUnavailable, ensure_docker

COMPONENTS: tuple[tuple[str, Callable[[], object]], ...] = (
    ("docker-engine", ensure_docker),
    ("kind", binaries.kind_binary),
    ("kubectl", binaries.built_kubectl),
    ("kubernetes-binaries", binaries.kubernetes_binaries),
    ("etcd", binaries.etcd_binary),
    ("coredns", binaries.coredns_binary),
    ("traefik", binaries.traefik_binary),
    ("pause", binaries.pause_binary),
    ("crictl", binaries.crictl_binary),
    ("prometheus", binaries.prometheus_binaries),
    ("debian-base-image", debian_image),
    ("python-base-image", python_base_image),
    ("control-plane-images", control_plane_images),
    ("node-image", node_image),
    ("addon-images", airgap_images),
)


def measure_cluster_create(kind: Path, node_image: str) -> float:
    """Seconds from `kind create cluster` to a Ready node, on a throwaway cluster.

    No config file, hence no host port mappings: it can run beside a lab cluster.
    """
    name = "kindlab-bench"
    delete_cluster(name)
    started = time.monotonic()
    try:
        run([kind, "create", "cluster", "--name", name, "--image", node_image, "--wait", "5m"])
        return round(time.monotonic() - started, 1)
    finally:
        delete_cluster(name)


def build_all(report_path: Path, measure_cluster: bool = False) -> dict:
    timings: dict[str, float] = {}
    results: dict[str, str] = {}
    started = time.monotonic()
    for name, build in COMPONENTS:
        with step(f"[{len(timings) + 1}/{len(COMPONENTS)}] {name}"):
            t0 = time.monotonic()
            results[name] = str(build())
            timings[name] = round(time.monotonic() - t0, 2)
    report = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "host": {"machine": platform.machine(), "cpus": os.cpu_count()},
        "cache": str(cache_root()),
        "pins": pins(),
        "seconds_per_component": timings,
        "seconds_total": round(time.monotonic() - started, 2),
        "artefacts": results,
    }
    if measure_cluster:
        with step("Measuring cluster creation (throwaway cluster kindlab-bench)"):
            report["cluster_create_seconds"] = measure_cluster_create(
                binaries.kind_binary(), results["node-image"]
            )
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(json.dumps(report, indent=2) + "\n")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kindlab airgap", description=__doc__)
    parser.add_argument(
        "--report",
        type=Path,
        default=REPO_ROOT / "reports" / "airgap-build.json",
        help="where to write the timing report (JSON)",
    )
    parser.add_argument(
        "--measure-cluster",
        action="store_true",
        help="also time `kind create cluster` to a Ready node with the built node image",
    )
    args = parser.parse_args(argv)
    try:
        report = build_all(args.report, args.measure_cluster)
    except DockerUnavailable as exc:
        say(f"cannot build the air-gapped cluster: {exc}")
        return 1
    say(f"all components ready in {report['seconds_total']}s; report: {args.report}")
    say(f"node image: {report['artefacts']['node-image']}")
    return 0

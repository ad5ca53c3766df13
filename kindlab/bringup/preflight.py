"""`kindlab doctor` for this lab: the host checks of kindlab.host.doctor with this lab's inputs.

The same report runs on its own (`kindlab doctor`, `.ci/run`) and at the start of `kindlab up`
and of the cluster tiers, so a host that lacks something stops in a second or two with the line
that says what and how to fix it, not twenty minutes into a build.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from kindlab.build.download import airgap_setting
from kindlab.cluster import endpoints
from kindlab.cluster.platform import registry_reachable
from kindlab.core.cache import cache_root
from kindlab.core.errors import KindlabError
from kindlab.core.versions import pin
from kindlab.host import doctor
from kindlab.host.doctor import Finding

# Measured on an air-gapped host after a cold build of the platform (2026-12-07): kindlab cache
# 1.9 GB, Go build cache 9.3 GB, Go modules 6.2 GB, Docker images 2.1 GB = 19.5 GB; the rest
# leaves room for the e2e and gitlab tiers' builds, clusters and reports.
COLD_BUILD_BYTES = 24 * doctor.GIB
# With a warm cache a run adds reports, a cluster's containers and rebuilt app images.
WARM_RUN_BYTES = 3 * doctor.GIB
REGISTRY_TIMEOUT_SECONDS = 2.0


class HostNotReady(KindlabError):
    """A check failed; the message is the failing lines of the doctor's report."""


def findings(
    cluster_name: str, *, go_required: bool = True, buildkit_required: bool = True
) -> list[Finding]:
    """Every check, in the order a person fixes them: engine, builder, toolchain, room, host."""
    found = [doctor.docker_engine()]
    if buildkit_required:
        found.append(doctor.buildkit())
    else:
        found.append(Finding("buildkit", doctor.OK, "not needed: a prebuilt app image is used"))
    found.append(doctor.go_toolchain(pin("GO_VERSION"), required=go_required))
    found += disk_findings(found[0])
    found.append(doctor.cgroup_version(pin("KUBERNETES_VERSION")))
    found.append(ports_finding(cluster_name))
    found += doctor.kernel_features(doctor.kernel_config())
    found.append(
        doctor.registry(lambda: registry_reachable(REGISTRY_TIMEOUT_SECONDS), airgap_setting())
    )
    return found


def disk_findings(engine: Finding) -> list[Finding]:
    """Room for the build cache, and for Docker's images where the engine is on this host and
    keeps them on another filesystem."""
    cache = cache_root()
    cold = not any(cache.iterdir()) if cache.is_dir() else True
    need, purpose = (COLD_BUILD_BYTES, "a cold build") if cold else (WARM_RUN_BYTES, "a run")
    found = [doctor.free_disk(cache, need, purpose)]
    root = _docker_root() if engine.state == doctor.OK else None
    if root is not None and root.exists() and root.stat().st_dev != cache.stat().st_dev:
        found.append(doctor.free_disk(root, need // 2, f"Docker's images for {purpose}"))
    return found


def ports_finding(cluster_name: str) -> Finding:
    address = endpoints.docker_host_address()
    if address != endpoints.LOOPBACK:
        return doctor.remote_ports(address)
    offset = endpoints.port_offset()
    mapped = [(a, p + offset) for a, p in endpoints.mapped_host_ports(endpoints.CLUSTER_CONFIG)]
    return doctor.host_ports(mapped, f"{cluster_name}-control-plane")


def report(found: list[Finding]) -> str:
    return "\n".join(finding.line() for finding in found)


def require_ready(cluster_name: str, **needs: bool) -> list[Finding]:
    """Print the report; raise HostNotReady with the failing lines if any check failed."""
    found = findings(cluster_name, **needs)
    print(report(found), flush=True)
    failed = [f for f in found if f.failed]
    if failed:
        raise HostNotReady("the host is not ready:\n" + report(failed))
    return found


def _docker_root() -> Path | None:
    probe = subprocess.run(
        ["docker", "info", "--format", "{{.DockerRootDir}}"],
        capture_output=True, text=True, timeout=doctor.PROBE_SECONDS, check=False,
    )  # fmt: skip
    return Path(probe.stdout.strip()) if probe.returncode == 0 and probe.stdout.strip() else None

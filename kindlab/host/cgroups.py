"""Thawing a container the kernel's cgroup v1 freezer holds, so Docker can remove it.

Seen on our cgroup v1 hosts: a kind node removed while containerd inside it was starting a pod
container left that container's `runc init` in a FROZEN freezer cgroup, asleep for good; the
node could then not exit, and `docker rm -f` failed with "did not receive an exit event".
"""

from __future__ import annotations

from pathlib import Path

FREEZER = Path("/sys/fs/cgroup/freezer")


def frozen_cgroups(container_id: str, root: Path = FREEZER) -> list[Path]:
    """Frozen freezer cgroups at or below the container's (cgroupfs or systemd driver)."""
    tops = [root / "docker" / container_id, root / "system.slice" / f"docker-{container_id}.scope"]
    found = []
    for top in tops:
        for state in top.rglob("freezer.state") if top.is_dir() else []:
            if state.read_text().strip() == "FROZEN":
                found.append(state.parent)
    return found


def thaw(container_id: str, root: Path = FREEZER) -> int:
    """Thaw every frozen cgroup of the container; returns how many there were."""
    frozen = frozen_cgroups(container_id, root)
    for cgroup in frozen:
        (cgroup / "freezer.state").write_text("THAWED")
    return len(frozen)

"""The labs tier gives the e2e job's measured cluster the CPU first (kindlab/host/cpuweight.py):
tox sets KINDLAB_YIELD_CPU=1 for it, and this checks that the weights really changed."""

from __future__ import annotations

import os
import subprocess

from kindlab.host import cpuweight

DOCKER_DEFAULT_SHARES = 0  # what `docker inspect` shows for a container left at 1024


def node_cpu_shares(node: str) -> int:
    shown = subprocess.run(
        ["docker", "inspect", "--format", "{{.HostConfig.CpuShares}}", node],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(shown.stdout)


def test_the_cluster_and_this_run_give_way_when_told(session):
    nodes = session.cluster.nodes()
    shares = {node: node_cpu_shares(node) for node in nodes}
    niceness = os.getpriority(os.PRIO_PROCESS, 0)
    if cpuweight.yielding():
        assert set(shares.values()) == {cpuweight.NODE_CPU_SHARES}, shares
        assert niceness >= cpuweight.NICENESS
    else:
        assert set(shares.values()) == {DOCKER_DEFAULT_SHARES}, shares

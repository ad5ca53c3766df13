"""What a cluster is made of (kind, kubectl, node image) and whether this host is air-gapped.

Both paths pin the same versions (versions/versions.env); only where the bits come from
differs. Air-gapped mode is chosen when asked for (--airgap, KINDLAB_AIRGAP=1) or when the
Docker registry cannot be reached at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kindlab.build.download import airgap_setting, answers
from kindlab.core.output import say

REGISTRY_PROBE = "https://registry-1.docker.io/v2/"


@dataclass(frozen=True)
class ClusterPlatform:
    airgap: bool
    kind: Path
    kubectl: Path
    node_image: str
    # Images the node cannot pull (air-gapped: all add-ons'; online: our own), loaded with
    # `kind load` after creation.
    preload_images: tuple[str, ...]


def registry_reachable(timeout: float = 5.0) -> bool:
    """Any HTTP answer from Docker Hub (even 401) means images can be pulled."""
    return answers(REGISTRY_PROBE, timeout=timeout)


def wants_airgap(requested: bool | None) -> bool:
    if requested is not None:
        return requested
    setting = airgap_setting()
    if setting is not None:
        return setting
    reachable = registry_reachable()
    if not reachable:
        say("no container registry reachable: using the air-gapped cluster build")
    return not reachable

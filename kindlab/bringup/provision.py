"""Which kind, kubectl and node image a cluster uses: upstream online, ours when air-gapped.

Both paths pin the same versions (versions/versions.env); only where the bits come from
differs. It lives above the cluster layer because the add-on images a node needs come from
the add-on registry.
"""

from __future__ import annotations

import os
import shutil

from kindlab.bringup.addon_registry import airgap_images, own_images
from kindlab.build.airgap import binaries
from kindlab.build.airgap.nodeimage import node_image, node_image_ref
from kindlab.build.download import fetch_verified, kind_release_url, kubectl_release
from kindlab.cluster.lifecycle import kind_cluster
from kindlab.cluster.platform import ClusterPlatform, wants_airgap
from kindlab.core.cache import component_dir
from kindlab.core.output import say
from kindlab.core.versions import pin


def resolve_platform(airgap: bool | None = None) -> ClusterPlatform:
    """Build or locate everything the cluster needs; prints progress as it goes."""
    if wants_airgap(airgap):
        return ClusterPlatform(
            airgap=True,
            kind=binaries.kind_binary(),
            kubectl=binaries.kubectl_binary(airgap=True),
            node_image=node_image(),
            preload_images=tuple(airgap_images()),
        )
    if shutil.which("go") is None:
        return _online_without_go()
    return ClusterPlatform(
        airgap=False,
        kind=binaries.kind_binary(),
        kubectl=binaries.kubectl_binary(),
        node_image=pin("KIND_NODE_IMAGE"),
        preload_images=tuple(own_images()),
    )


def resolve_tools(airgap: bool | None = None) -> ClusterPlatform:
    """kind and kubectl for acting on a cluster that already runs (labctl).

    Unlike resolve_platform, no node or add-on image is built or even looked up: those only
    matter when a cluster is created, and checking a lab must not start a long build.
    """
    if wants_airgap(airgap):
        return ClusterPlatform(
            airgap=True,
            kind=binaries.kind_binary(),
            kubectl=binaries.kubectl_binary(airgap=True),
            node_image=node_image_ref(),
            preload_images=(),
        )
    return resolve_platform(airgap=False)


def _online_without_go() -> ClusterPlatform:
    """Release binaries at our pinned versions, each fetched once.

    Each is checked against the SHA-256 pinned in versions/checksums.txt; pytest-kind finds kind
    in place and downloads nothing itself.
    """
    kind_version, kube_version = pin("KIND_VERSION"), pin("KUBERNETES_VERSION")
    os.environ["KIND_DOWNLOAD_URL"] = kind_release_url(kind_version)
    kind = component_dir("release-binaries", f"{kind_version}-{kube_version}") / "kind"
    say(f"downloading kind {kind_version} and kubectl {kube_version} (no Go toolchain here)")
    fetch_verified(kind_release_url(kind_version), kind)
    kubectl = kubectl_release(kube_version)
    platform = ClusterPlatform(
        airgap=False,
        kind=kind,
        kubectl=kubectl,
        node_image=pin("KIND_NODE_IMAGE"),
        preload_images=tuple(own_images()),
    )
    kind_cluster(platform, "kindlab-downloads").ensure_kind()
    return platform

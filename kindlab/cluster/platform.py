"""Which kind, kubectl and node image a cluster uses: upstream online, ours when air-gapped.

Both paths pin the same versions (versions/versions.env); only where the bits come from
differs. Air-gapped mode is chosen when asked for (--airgap, KINDLAB_AIRGAP=1) or when the
Docker registry cannot be reached at all.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from pytest_kind import KindCluster

from kindlab.airgap import binaries
from kindlab.airgap.nodeimage import node_image, node_image_ref
from kindlab.cache import component_dir
from kindlab.cluster.addon_registry import airgap_images, own_images
from kindlab.download import airgap_setting, answers, kubectl_release
from kindlab.progress import say
from kindlab.versions import pin

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

    kubectl is checked against its published SHA-256; kind comes from pytest-kind's downloader.
    """
    kind_version, kube_version = pin("KIND_VERSION"), pin("KUBERNETES_VERSION")
    os.environ["KIND_DOWNLOAD_URL"] = (
        f"https://github.com/kubernetes-sigs/kind/releases/download/{kind_version}/kind-linux-amd64"
    )
    kind = component_dir("release-binaries", f"{kind_version}-{kube_version}") / "kind"
    say(f"downloading kind {kind_version} and kubectl {kube_version} (no Go toolchain here)")
    kubectl = kubectl_release(kube_version)
    KindCluster("kindlab-downloads", kind_path=kind, kubectl_path=kubectl).ensure_kind()
    return ClusterPlatform(
        airgap=False,
        kind=kind,
        kubectl=kubectl,
        node_image=pin("KIND_NODE_IMAGE"),
        preload_images=tuple(own_images()),
    )


def main() -> int:
    """`python -m kindlab.cluster.platform` (`tox -e platform`): have it all ready, once.

    CI runs the e2e and labs tiers side by side; both would otherwise start the same cold
    builds at the same moment.
    """
    found = resolve_platform()
    mode = "air-gapped" if found.airgap else "online"
    say(f"cluster platform ready ({mode}): node image {found.node_image}, kind {found.kind}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

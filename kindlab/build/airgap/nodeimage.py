"""The kind node image, assembled without `kind build node-image` (which pulls from registries).

Two stages: a Dockerfile turns our Debian base into a systemd host with containerd and the
Kubernetes binaries; then the control-plane images are imported into containerd's `k8s.io`
namespace inside a throwaway container, which is committed as the final image.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from kindlab.build.airgap import binaries
from kindlab.build.airgap.cluster_images import control_plane_images
from kindlab.build.airgap.debian import debian_image
from kindlab.build.dockerimages import (
    KEY_LABEL,
    build_dockerfile_image,
    containerd_name,
    digest,
    image_id,
    is_current,
)
from kindlab.core.output import say
from kindlab.core.process import CommandError, run
from kindlab.core.versions import pin
from kindlab.core.wait import wait_for

NODE_DIR = Path(__file__).parent / "node"
NODE_BINARIES = ("kubelet", "kubeadm")
ENTRYPOINT = '["/usr/local/bin/kindlab-entrypoint", "/sbin/init"]'
CONTAINERD_START_SECONDS = 60


def node_image_ref() -> str:
    return f"kindlab/node:{pin('KUBERNETES_VERSION')}"


def node_image() -> str:
    """Build (once per input change) and return the air-gapped node image reference."""
    ref = node_image_ref()
    k8s = binaries.kubernetes_binaries()
    # kind runs kubectl inside the node (CNI, storage class): built, like everything here.
    node_binaries = [k8s / name for name in NODE_BINARIES]
    node_binaries += [binaries.built_kubectl(), binaries.crictl_binary()]
    preload = control_plane_images()
    pause = binaries.kubeadm_image_refs()["pause"]
    base = debian_image()
    key = digest(
        ref,
        NODE_DIR,
        image_id(base),
        *node_binaries,
        *preload,
        *(image_id(image) for image in preload),
    )
    if is_current(ref, key):
        return ref
    stage = f"{ref}-stage"
    with tempfile.TemporaryDirectory(prefix="kindlab-node-") as tmp:
        context = Path(tmp)
        shutil.copytree(NODE_DIR, context, dirs_exist_ok=True)
        (context / "bin").mkdir()
        for binary in node_binaries:
            shutil.copy2(binary, context / "bin" / binary.name)
        build_args = {
            "BASE_IMAGE": base,
            "KUBERNETES_VERSION": pin("KUBERNETES_VERSION"),
            "PAUSE_IMAGE": pause,
        }
        build_dockerfile_image(stage, context, build_args, key)
    _commit_with_preloaded_images(stage, ref, preload, key)
    return ref


def _commit_with_preloaded_images(stage: str, ref: str, images: list[str], key: str) -> None:
    """Import images into containerd as kind's own node images carry them: content only."""
    container = (
        run(["docker", "run", "-d", "--privileged", "--entrypoint", "sleep", stage, "infinity"])
        .strip()
        .splitlines()[-1]
    )
    try:
        run(["docker", "exec", "-d", container, "containerd"])
        _wait_for_containerd(container)
        say(f"importing {len(images)} images into the node's containerd (k8s.io namespace)")
        archive = subprocess.Popen(["docker", "save", *images], stdout=subprocess.PIPE)
        assert archive.stdout is not None
        importer = subprocess.run(
            [
                "docker", "exec", "-i", container,
                "ctr", "--namespace=k8s.io", "images", "import",
                "--no-unpack", "--all-platforms", "--digests", "-",
            ],
            stdin=archive.stdout,
            capture_output=True,
            text=True,
            check=False,
        )  # fmt: skip
        if archive.wait() != 0 or importer.returncode != 0:
            raise CommandError(f"importing images into the node failed: {importer.stderr}")
        listed = run(["docker", "exec", container, "ctr", "-n", "k8s.io", "images", "ls", "-q"])
        missing = [image for image in images if containerd_name(image) not in listed.split()]
        if missing:
            raise CommandError(f"images missing from the node after import: {missing}")
        run(["docker", "exec", container, "pkill", "--exact", "containerd"])
        run(["docker", "stop", "-t", "5", container])
        run(
            [
                "docker", "commit",
                "--change", f"ENTRYPOINT {ENTRYPOINT}",
                "--change", "CMD []",
                "--change", f"LABEL {KEY_LABEL}={key}",
                container, ref,
            ]
        )  # fmt: skip
    finally:
        subprocess.run(["docker", "rm", "-f", container], check=False, capture_output=True)
    subprocess.run(["docker", "rmi", stage], check=False, capture_output=True)


def _wait_for_containerd(container: str) -> None:
    def answers() -> tuple[bool, str]:
        probe = subprocess.run(
            ["docker", "exec", container, "ctr", "version"], check=False, capture_output=True
        )
        return probe.returncode == 0, probe.stderr.decode(errors="replace").strip()[-200:]

    wait_for(answers, "containerd inside the node build container", CONTAINERD_START_SECONDS)

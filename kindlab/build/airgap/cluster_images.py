"""Container images the cluster runs, tagged with exactly the references upstream uses.

Identical references mean kubeadm, kind and our manifests need no rewriting: a locally built
`registry.k8s.io/pause:3.10.1` is found in the node's image store and never pulled.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from kindlab.build.airgap import binaries
from kindlab.build.airgap.debian import debian_image
from kindlab.build.dockerimages import (
    build_dockerfile_image,
    digest,
    image_id,
    import_files_image,
    is_current,
)
from kindlab.build.gobuild import module_info
from kindlab.core.versions import pin

IMAGES_DIR = Path(__file__).parent / "images"
PATH_ENV = "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def binary_image(
    ref: str, binary: Path, target: str, *extra: str, tools: Mapping[str, Path] | None = None
) -> str:
    """A distroless-style image: one static binary as the entrypoint (plus Dockerfile changes).

    `tools` are further binaries laid out beside it (target path -> file), as upstream ships
    a CLI next to its server.
    """
    changes = [PATH_ENV, f'ENTRYPOINT ["{target}"]', *extra]
    others = dict(tools or {})
    key = digest(ref, target, binary, *changes, *others, *others.values())
    if not is_current(ref, key):
        import_files_image(ref, {target: binary, **others}, changes, key)
    return ref


def debian_based_image(ref: str, recipe: str, files: dict[str, Path], args: dict[str, str]) -> str:
    """An image from one of our Dockerfiles in images/<recipe>, on the debootstrapped base."""
    base = debian_image()
    recipe_dir = IMAGES_DIR / recipe
    build_args = {"BASE_IMAGE": base, **args}
    key = digest(
        ref,
        recipe_dir,
        image_id(base),
        *files.values(),
        *sorted(f"{k}={v}" for k, v in build_args.items()),
    )
    if is_current(ref, key):
        return ref
    with tempfile.TemporaryDirectory(prefix=f"kindlab-{recipe}-") as tmp:
        context = Path(tmp)
        shutil.copytree(recipe_dir, context, dirs_exist_ok=True)
        for name, source in files.items():
            shutil.copy2(source, context / name)
        build_dockerfile_image(ref, context, build_args, key)
    return ref


def control_plane_images() -> list[str]:
    """Every image `kubeadm init` starts, built from our binaries."""
    refs = binaries.kubeadm_image_refs()
    k8s = binaries.kubernetes_binaries()
    built = [
        binary_image(refs[name], k8s / name, f"/usr/local/bin/{name}")
        for name in ("kube-apiserver", "kube-controller-manager", "kube-scheduler")
    ]
    built.append(
        debian_based_image(refs["kube-proxy"], "kube-proxy", {"kube-proxy": k8s / "kube-proxy"}, {})
    )
    built.append(binary_image(refs["etcd"], binaries.etcd_binary(), "/usr/local/bin/etcd"))
    built.append(binary_image(refs["coredns"], binaries.coredns_binary(), "/coredns"))
    built.append(binary_image(refs["pause"], binaries.pause_binary(), "/pause"))
    return built


def traefik_image() -> str:
    return binary_image(pin("TRAEFIK_IMAGE"), binaries.traefik_binary(), "/usr/local/bin/traefik")


# Files of the Prometheus release that upstream's image carries: image path -> path in the module.
PROMETHEUS_RELEASE_FILES = {
    "prometheus.yml": "documentation/examples/prometheus.yml",
    "LICENSE": "LICENSE",
    "NOTICE": "NOTICE",
}


def prometheus_release_files() -> Path:
    """The release files the image carries, kept beside the built binaries in the kindlab cache.

    They come from the module tree, which only Go can fetch; kept in the cache, a machine
    without Go that has the cache (the pipeline's e2e job) can still tell the image is current.
    """
    target = binaries.prometheus_binaries() / "release-files"
    if not target.is_dir():
        release = Path(
            module_info(binaries.PROMETHEUS_MODULE, binaries.prometheus_version())["Dir"]
        )
        partial = target.with_name(target.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir()
        for name, source in PROMETHEUS_RELEASE_FILES.items():
            shutil.copyfile(release / source, partial / name)
        partial.rename(target)
    return target


def prometheus_image() -> str:
    """Upstream's layout (images/prometheus), with the web UI compiled in."""
    built, release = binaries.prometheus_binaries(), prometheus_release_files()
    files = {"prometheus": built / "prometheus", "promtool": built / "promtool"}
    files |= {name: release / name for name in PROMETHEUS_RELEASE_FILES}
    return debian_based_image(pin("PROMETHEUS_IMAGE"), "prometheus", files, {})


def metrics_server_image() -> str:
    # Laid out like the upstream image (distroless): /metrics-server run as nobody.
    return binary_image(
        pin("METRICS_SERVER_IMAGE"),
        binaries.metrics_server_binary(),
        "/metrics-server",
        "USER 65534",
    )


def alertmanager_image() -> str:
    # Laid out like the upstream image: /bin/alertmanager, with /bin/amtool, run as nobody.
    built = binaries.alertmanager_binary()
    return binary_image(
        pin("ALERTMANAGER_IMAGE"),
        built / "alertmanager",
        "/bin/alertmanager",
        "USER 65534",
        tools={"/bin/amtool": built / "amtool"},
    )

"""The binaries of the cluster, each built from its Go module at the pinned version.

kubectl alone may come from the published release instead (see `kubectl_binary`): the lint
tier only needs it for `kubectl kustomize`, and building it must not mean building the rest.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

from kindlab.build import download
from kindlab.build.airgap.prometheus_ui import prometheus_ui_overlay
from kindlab.build.gobuild import ModuleBuild, TreeBuild, build_local_tool, build_module
from kindlab.core.output import say
from kindlab.core.process import run
from kindlab.core.versions import image_tag, pin

# Built together; kubectl is a build of its own (built_kubectl).
KUBERNETES_COMMANDS = (
    "kubeadm",
    "kubelet",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kube-proxy",
)
# Any HTTP answer from the release host means the download path is open.
RELEASE_PROBE = "https://dl.k8s.io/"
RELEASE_PROBE_SECONDS = 3.0
PROMETHEUS_MODULE = "github.com/prometheus/prometheus"
ETCD_MAIN = """// Command etcd: the etcd server, built from its published module.
package main

import (
\t"os"

\t"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
"""


def kubernetes_build(name: str, commands: tuple[str, ...]) -> ModuleBuild:
    """Commands of k8s.io/kubernetes, stamped with their release version as upstream does."""
    version = pin("KUBERNETES_VERSION")
    major, minor, patch = version.lstrip("v").split(".")
    stamp = "k8s.io/component-base/version"
    return ModuleBuild(
        name=name,
        module="k8s.io/kubernetes",
        version=version,
        packages=tuple(f"k8s.io/kubernetes/cmd/{cmd}" for cmd in commands),
        ldflags=(
            f"-X {stamp}.gitVersion={version}",
            f"-X {stamp}.gitMajor={major}",
            f"-X {stamp}.gitMinor={minor}",
            f"-X {stamp}.gitCommit={{commit}}",
            f"-X {stamp}.gitTreeState=clean",
            f"-X {stamp}.buildDate={{date}}",
        ),
        staging_version=f"v0.{minor}.{patch}",
    )


def kubernetes_binaries() -> Path:
    """kubeadm, kubelet and the control plane (KUBERNETES_COMMANDS); kubectl is not among them."""
    return build_module(kubernetes_build("kubernetes", KUBERNETES_COMMANDS))


def built_kubectl() -> Path:
    """kubectl built alone from its Go module: no other Kubernetes command is compiled."""
    return build_module(kubernetes_build("kubectl", ("kubectl",))) / "kubectl"


def release_host_answers() -> bool:
    return download.answers(RELEASE_PROBE, timeout=RELEASE_PROBE_SECONDS)


def kubectl_plan(
    airgap: bool | None = None, probe: Callable[[], bool] = release_host_answers
) -> tuple[bool, str]:
    """Whether to download the kubectl release (True) or build it (False), and why.

    An explicit `airgap` wins, then KINDLAB_AIRGAP; when neither decides, a release already
    verified into the cache is used, else the release is downloaded if dl.k8s.io answers.
    """
    if airgap is not None:
        return not airgap, "air-gapped cluster build" if airgap else "online mode requested"
    setting = download.airgap_setting()
    if setting is not None:
        return not setting, f"{download.AIRGAP_VARIABLE}={os.environ[download.AIRGAP_VARIABLE]}"
    version = pin("KUBERNETES_VERSION")
    if download.pinned_sha256(download.kubectl_release_url(version)) is None:
        return False, f"no SHA-256 pinned for its release in {download.CHECKSUMS.name}"
    if download.verified(
        download.kubectl_release_path(version), download.kubectl_release_url(version)
    ):
        return True, "already downloaded and verified"
    if probe():
        return True, "dl.k8s.io answered"
    return False, "dl.k8s.io did not answer"


@cache
def kubectl_binary(airgap: bool | None = None) -> Path:
    """The pinned kubectl: the verified release when online, else built from its Go module.

    Cached per process: the lint tier asks for it once per rendered kustomization.
    """
    version = pin("KUBERNETES_VERSION")
    fetch, why = kubectl_plan(airgap)
    if not fetch:
        say(f"kubectl {version}: from its Go module, built alone and cached ({why})")
        return built_kubectl()
    say(f"kubectl {version}: the published release, SHA-256 checked and cached ({why})")
    try:
        return download.kubectl_release(version)
    except download.ChecksumMismatch:
        raise
    except download.DownloadError as exc:
        raise download.DownloadError(
            f"{exc}\nSet {download.AIRGAP_VARIABLE}=1 to build kubectl from its Go module instead."
        ) from exc


def kind_binary() -> Path:
    build = ModuleBuild(
        name="kind",
        module="sigs.k8s.io/kind",
        version=pin("KIND_VERSION"),
        packages=("sigs.k8s.io/kind",),
    )
    return build_module(build) / "kind"


@cache
def kubeadm_image_refs() -> dict[str, str]:
    """The images kubeadm will ask for, by short name: we must tag ours exactly so."""
    kubeadm = kubernetes_binaries() / "kubeadm"
    listing = run(
        [kubeadm, "config", "images", "list", "--kubernetes-version", pin("KUBERNETES_VERSION")]
    )
    refs = [line.strip() for line in listing.splitlines() if re.match(r"^[\w.-]+/\S+:\S+$", line)]
    return {ref.rsplit("/", 1)[1].split(":")[0]: ref for ref in refs}


def etcd_binary() -> Path:
    # kubeadm tags etcd as <semver>-<build>, e.g. 3.6.4-0.
    version = "v" + image_tag(kubeadm_image_refs()["etcd"]).split("-")[0]
    build = ModuleBuild(
        name="etcd",
        module="go.etcd.io/etcd/server/v3",
        version=version,
        packages=(),
        main_source=ETCD_MAIN,
    )
    return build_module(build) / "etcd"


def coredns_binary() -> Path:
    build = ModuleBuild(
        name="coredns",
        module="github.com/coredns/coredns",
        version=image_tag(kubeadm_image_refs()["coredns"]),
        packages=("github.com/coredns/coredns",),
    )
    return build_module(build) / "coredns"


def traefik_binary() -> Path:
    version = image_tag(pin("TRAEFIK_IMAGE"))
    stamp = "github.com/traefik/traefik/v3/pkg/version"
    build = ModuleBuild(
        name="traefik",
        module="github.com/traefik/traefik/v3",
        version=version,
        packages=("github.com/traefik/traefik/v3/cmd/traefik",),
        ldflags=(f"-X {stamp}.Version={version}", f"-X {stamp}.BuildDate={{date}}"),
    )
    return build_module(build) / "traefik"


def pause_binary() -> Path:
    return build_local_tool("pause")


def prometheus_module_version(release: str) -> str:
    """The Go module version of a Prometheus release: v3.Y.Z is v0.3YY.Z, v2.Y.Z was v0.Y.Z."""
    major, minor, patch = release.lstrip("v").split(".")
    if major == "2":
        return f"v0.{minor}.{patch}"
    return f"v0.{major}{int(minor):02d}.{patch}"


def prometheus_version() -> str:
    """The module version of the pinned Prometheus release."""
    return prometheus_module_version(image_tag(pin("PROMETHEUS_IMAGE")))


def prometheus_binaries() -> Path:
    """prometheus (web UI compiled in) and promtool, built as upstream's release build does.

    From source because Debian's package leaves out Kubernetes service discovery; in the
    module's own tree (its go.mod has replace and exclude lines) with upstream's tags, all
    optional service discoveries but Kubernetes' left out (static, file and HTTP SD stay).
    """
    release, version = image_tag(pin("PROMETHEUS_IMAGE")), prometheus_version()
    stamp = "github.com/prometheus/common/version"
    build = TreeBuild(
        name="prometheus",
        module=PROMETHEUS_MODULE,
        version=version,
        packages=("./cmd/prometheus", "./cmd/promtool"),
        ldflags=(
            f"-X {stamp}.Version={release.lstrip('v')}",
            f"-X {stamp}.Revision={{commit}}",
            f"-X {stamp}.BuildDate={{date}}",
        ),
        tags=("netgo", "builtinassets", "remove_all_sd", "enable_kubernetes_sd"),
        overlay=prometheus_ui_overlay(PROMETHEUS_MODULE, version),
    )
    return build_module(build)


def alertmanager_binary() -> Path:
    """alertmanager and amtool (the lint tier checks the config with it), stamped as upstream.

    v0.31.x is the last release whose module carries the compiled web UI, so the binary built
    from the module alone serves the same UI as the upstream image.
    """
    version = image_tag(pin("ALERTMANAGER_IMAGE"))
    stamp = "github.com/prometheus/common/version"
    build = ModuleBuild(
        name="alertmanager",
        module="github.com/prometheus/alertmanager",
        version=version,
        packages=tuple(
            f"github.com/prometheus/alertmanager/cmd/{cmd}" for cmd in ("alertmanager", "amtool")
        ),
        ldflags=(
            f"-X {stamp}.Version={version.lstrip('v')}",
            f"-X {stamp}.Revision={{commit}}",
            f"-X {stamp}.BuildDate={{date}}",
        ),
    )
    return build_module(build)


def metrics_server_binary() -> Path:
    """Stamped as its Makefile does: metrics-server reports client-go's version variables."""
    version = image_tag(pin("METRICS_SERVER_IMAGE"))
    stamp = "k8s.io/client-go/pkg/version"
    build = ModuleBuild(
        name="metrics-server",
        module="sigs.k8s.io/metrics-server",
        version=version,
        packages=("sigs.k8s.io/metrics-server/cmd/metrics-server",),
        ldflags=(
            f"-X {stamp}.gitVersion={version}",
            f"-X {stamp}.gitCommit={{commit}}",
            f"-X {stamp}.buildDate={{date}}",
        ),
    )
    return build_module(build) / "metrics-server"


def crictl_binary() -> Path:
    """kind's `load` and `export logs` run crictl inside the node; it tracks Kubernetes minors."""
    minor = pin("KUBERNETES_VERSION").lstrip("v").split(".")[1]
    stamp = "sigs.k8s.io/cri-tools/pkg/version"
    version = f"v1.{minor}.0"
    build = ModuleBuild(
        name="crictl",
        module="sigs.k8s.io/cri-tools",
        version=version,
        packages=("sigs.k8s.io/cri-tools/cmd/crictl",),
        ldflags=(f"-X {stamp}.Version={version}",),
    )
    return build_module(build) / "crictl"


def compose_binary() -> Path:
    """The Docker Compose CLI plugin, stamped as its Makefile does (`docker compose version`)."""
    version = pin("COMPOSE_VERSION")
    build = ModuleBuild(
        name="compose",
        module="github.com/docker/compose/v5",
        version=version,
        packages=("github.com/docker/compose/v5/cmd",),
        ldflags=(f"-X github.com/docker/compose/v5/internal.Version={version}",),
    )
    # `go build` names a binary after its package directory: upstream's main package is cmd/.
    return build_module(build) / "cmd"


def kube_score_binary() -> Path:
    """kube-score, the manifest linter of the lint tier, stamped as its release build does."""
    version = pin("KUBE_SCORE_VERSION")
    build = ModuleBuild(
        name="kube-score",
        module="github.com/zegl/kube-score",
        version=version,
        packages=("github.com/zegl/kube-score/cmd/kube-score",),
        ldflags=(f"-X main.version={version}", "-X main.commit={commit}", "-X main.date={date}"),
    )
    return build_module(build) / "kube-score"

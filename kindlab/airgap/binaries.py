"""The binaries of the cluster, each built from its Go module at the pinned version."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from kindlab.gobuild import ModuleBuild, build_local_tool, build_module
from kindlab.progress import run
from kindlab.versions import image_tag, pin

KUBERNETES_COMMANDS = (
    "kubeadm",
    "kubelet",
    "kubectl",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kube-proxy",
)
ETCD_MAIN = """// Command etcd: the etcd server, built from its published module.
package main

import (
\t"os"

\t"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
"""


def kubernetes_binaries() -> Path:
    """kubeadm, kubelet, kubectl and the control plane, stamped with their release version."""
    version = pin("KUBERNETES_VERSION")
    major, minor, _patch = version.lstrip("v").split(".")
    stamp = "k8s.io/component-base/version"
    return build_module(
        ModuleBuild(
            name="kubernetes",
            module="k8s.io/kubernetes",
            version=version,
            packages=tuple(f"k8s.io/kubernetes/cmd/{cmd}" for cmd in KUBERNETES_COMMANDS),
            ldflags=(
                f"-X {stamp}.gitVersion={version}",
                f"-X {stamp}.gitMajor={major}",
                f"-X {stamp}.gitMinor={minor}",
                f"-X {stamp}.gitCommit={{commit}}",
                f"-X {stamp}.gitTreeState=clean",
                f"-X {stamp}.buildDate={{date}}",
            ),
            staging_version=f"v0.{minor}.{_patch}",
        )
    )


def kind_binary() -> Path:
    build = ModuleBuild(
        name="kind",
        module="sigs.k8s.io/kind",
        version=pin("KIND_VERSION"),
        packages=("sigs.k8s.io/kind",),
    )
    return build_module(build) / "kind"


def kubectl_binary() -> Path:
    return kubernetes_binaries() / "kubectl"


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


def prometheus_binary() -> Path:
    """Built from source: Debian's package leaves out Kubernetes service discovery."""
    version = image_tag(pin("PROMETHEUS_IMAGE"))
    # Prometheus publishes release v2.X.Y as Go module version v0.X.Y.
    _major, minor, patch = version.lstrip("v").split(".")
    stamp = "github.com/prometheus/common/version"
    build = ModuleBuild(
        name="prometheus",
        module="github.com/prometheus/prometheus",
        version=f"v0.{minor}.{patch}",
        packages=("github.com/prometheus/prometheus/cmd/prometheus",),
        ldflags=(
            f"-X {stamp}.Version={version.lstrip('v')}",
            f"-X {stamp}.Revision={{commit}}",
            f"-X {stamp}.BuildDate={{date}}",
        ),
    )
    return build_module(build) / "prometheus"


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

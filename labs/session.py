"""What a lab acts on: the running lab cluster, its URLs, and the learner's workspace.

Everything is found lazily, so `labctl list` and `labctl hint` work with no cluster and no
Docker, and lab 1 (Docker only) never asks for a cluster. The self-tests build a Session from
the e2e fixtures' cluster instead, so both go through the same checks.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from kindlab.bringup import addons
from kindlab.bringup.addons import Endpoints
from kindlab.bringup.provision import resolve_tools
from kindlab.bringup.steps import BringUp
from kindlab.clients.ingress import IngressClient
from kindlab.clients.prom import Prometheus
from kindlab.cluster import identity, lifecycle
from kindlab.cluster.kube import Kube
from kindlab.cluster.lifecycle import Cluster
from kindlab.cluster.platform import ClusterPlatform
from kindlab.core.paths import REPO_ROOT

LABS_DIR = REPO_ROOT / "labs"
DEFAULT_WORKDIR = LABS_DIR / "work"
WORKDIR_ENV = "KINDLAB_LABS_WORKDIR"


class NoCluster(RuntimeError):
    """The lab cluster is not running or not reachable; the message says what to run."""


def default_workdir() -> Path:
    return Path(os.environ.get(WORKDIR_ENV) or DEFAULT_WORKDIR)


def up_command(name: str) -> str:
    """How to bring up the cluster a lab needs, as the learner would type it."""
    if name == identity.DEFAULT_CLUSTER_NAME:
        return "tox -e up"
    return f"tox -e up -- --name {name}"


@dataclass
class Session:
    cluster_name: str = field(default_factory=identity.default_cluster_name)
    workdir: Path = field(default_factory=default_workdir)
    _cluster: Cluster | None = None
    _urls: Endpoints | None = None

    def __post_init__(self) -> None:
        identity.checked_cluster_name(self.cluster_name)

    @classmethod
    def from_cluster(cls, cluster: Cluster, urls: Endpoints, workdir: Path) -> Session:
        """A session on a cluster someone already holds (the self-tests' fixtures)."""
        return cls(cluster_name=cluster.name, workdir=workdir, _cluster=cluster, _urls=urls)

    @cached_property
    def platform(self) -> ClusterPlatform:
        return self._cluster.platform if self._cluster else resolve_tools()

    @property
    def cluster(self) -> Cluster:
        """The running cluster; NoCluster (with the command that starts it) when there is none."""
        if self._cluster is None:
            try:
                found = lifecycle.attach_cluster(self.platform, self.cluster_name)
            except lifecycle.ClusterNotFound as exc:
                raise NoCluster(
                    f"{exc}. Start the lab cluster first: {up_command(self.cluster_name)}"
                ) from None
            try:
                found.kube.core.list_namespace(limit=1, _request_timeout=10)
            except Exception as exc:
                raise NoCluster(
                    f"cluster {self.cluster_name!r} exists but its API server does not answer "
                    f"({type(exc).__name__}). Restart it: tox -e down, then "
                    f"{up_command(self.cluster_name)}"
                ) from None
            self._cluster = found
        return self._cluster

    @property
    def kube(self) -> Kube:
        return self.cluster.kube

    @property
    def urls(self) -> Endpoints:
        if self._urls is None:
            self._urls = addons.addon_endpoints(self.cluster)
        return self._urls

    @property
    def bringup(self) -> BringUp:
        """The bring-up's later steps (app, serving) on this lab's running cluster."""
        return BringUp.attached(self.cluster, self.urls)

    @cached_property
    def ingress(self) -> IngressClient:
        return IngressClient(self.urls.ingress, self.urls.ingress_host, timeout=5)

    @cached_property
    def prom(self) -> Prometheus:
        return Prometheus(self.urls.prometheus)

    def workspace(self, slug: str) -> Path:
        """Where the learner edits this lab's files (labctl start copies the start state here)."""
        return self.workdir / slug

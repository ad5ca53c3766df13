"""The bring-up, in order: cluster → add-ons → app image → app → serving.

One sequence for `tox -e up`, the e2e fixtures and labctl. Every step is safe to repeat (a
whole cluster is reused, manifests are applied server-side, images already in the node are not
loaded again) and records how long it took; the cluster and add-on steps run once per BringUp
and hand their result to the steps after them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from kindlab.bringup import addons, appdeploy
from kindlab.bringup.addons import Endpoints
from kindlab.clients.ingress import IngressClient
from kindlab.cluster import identity, lifecycle
from kindlab.cluster.lifecycle import Cluster
from kindlab.cluster.names import APP_TAG
from kindlab.cluster.platform import ClusterPlatform

T = TypeVar("T")


@dataclass
class BringUp:
    platform: ClusterPlatform
    name: str = identity.DEFAULT_CLUSTER_NAME
    with_optional: bool = False
    seconds: dict[str, float] = field(default_factory=dict)
    _cluster: Cluster | None = None
    _endpoints: Endpoints | None = None

    @classmethod
    def attached(cls, cluster: Cluster, urls: Endpoints | None = None) -> BringUp:
        """The later steps on a cluster that someone already brought up (labctl)."""
        return cls(cluster.platform, cluster.name, _cluster=cluster, _endpoints=urls)

    def cluster(self) -> Cluster:
        if self._cluster is None:
            self._cluster = self._timed(
                "cluster", lambda: lifecycle.start_cluster(self.platform, self.name)
            )
        return self._cluster

    def addons(self) -> Endpoints:
        if self._endpoints is None:
            self._endpoints = self._timed("addons", self._deploy_addons)
        return self._endpoints

    def _deploy_addons(self) -> Endpoints:
        cluster = self.cluster()
        # Before Traefik starts: it routes only once it may read the app's namespace.
        appdeploy.grant_edge_access(cluster.kube)
        return addons.deploy_addons(cluster, self.with_optional)

    def endpoints(self) -> Endpoints:
        """The add-ons' URLs, read from the cluster when this run did not apply them."""
        if self._endpoints is None:
            self._endpoints = addons.addon_endpoints(self.cluster())
        return self._endpoints

    def app_image(self, tag: str = APP_TAG) -> str:
        return self._timed("app_image", lambda: appdeploy.build_app_image(tag))

    def app(self, image: str) -> Cluster:
        cluster = self.cluster()
        self._timed("app", lambda: appdeploy.deploy_app(cluster, image))
        return cluster

    def serving(self) -> None:
        """Every pod answers through the ingress, and every add-on works for the app."""
        urls = self.endpoints()
        ingress = IngressClient(urls.ingress, urls.ingress_host)
        kube = self.cluster().kube
        self._timed("serving", lambda: appdeploy.wait_until_serving(kube, ingress))
        self._timed("addons_serve_app", lambda: addons.wait_serving_app(self.cluster()))

    def everything(self) -> Endpoints:
        """All steps in order: what `tox -e up` does."""
        self.cluster()
        urls = self.addons()
        self.app(self.app_image())
        self.serving()
        return urls

    def _timed(self, name: str, action: Callable[[], T]) -> T:
        started = time.monotonic()
        result = action()
        self.seconds[name] = round(time.monotonic() - started, 1)
        return result

"""Add-ons applied and Ready, and the host URLs they answer on (see addon_registry)."""

from __future__ import annotations

from dataclasses import dataclass, field

from kindlab.bringup.addon_registry import ADDONS, Addon
from kindlab.bringup.appdeploy import app_ingress_host
from kindlab.cluster import endpoints, waits
from kindlab.cluster.apply import apply_kustomization, render
from kindlab.cluster.lifecycle import Cluster
from kindlab.core import wait
from kindlab.core.output import say, step


@dataclass(frozen=True)
class Endpoints:
    """Where people and tests reach the cluster from the host, by add-on name."""

    ingress_host: str
    urls: dict[str, str] = field(default_factory=dict)

    @property
    def ingress(self) -> str:
        return self.urls["traefik"]

    @property
    def prometheus(self) -> str:
        return self.urls["prometheus"]

    @property
    def alertmanager(self) -> str | None:
        """Its UI and API v2 (the drill reads alerts there; a browser check can open it)."""
        return self.urls.get("alertmanager")

    @property
    def grafana(self) -> str | None:
        return self.urls.get("grafana")


def wanted(with_optional: bool) -> list[Addon]:
    return [a for a in ADDONS if with_optional or not a.optional]


def _runnable(cluster: Cluster, addon: Addon) -> bool:
    if cluster.platform.airgap and addon.build_image is None:
        say(f"{addon.title} left out: its image can be neither built nor pulled air-gapped")
        return False
    return True


def deploy_addons(cluster: Cluster, with_optional: bool = False) -> Endpoints:
    """Every add-on applied first, then each waited for: their pods start side by side instead
    of one after another (on 2 cores, one by one took 40 s of the e2e job's bring-up)."""
    chosen = [a for a in wanted(with_optional) if _runnable(cluster, a)]
    applied: dict[str, list[dict]] = {}
    for addon in chosen:
        with step(f"Applying {addon.title} (k8s/addons/{addon.name})"):
            applied[addon.name] = apply_kustomization(cluster.kube, addon.folder)
    for addon in chosen:
        with step(f"Waiting for {addon.title} to roll out"):
            wait.wait_for(
                waits.deployment_rolled_out(cluster.kube, addon.namespace, addon.deployment),
                f"{addon.deployment} rollout",
                waits.ROLLOUT_TIMEOUT,
            )
    urls = {a.name: _url(cluster, applied[a.name], a) for a in chosen}
    return Endpoints(app_ingress_host(cluster.kube), {k: v for k, v in urls.items() if v})


def wait_serving_app(cluster: Cluster) -> None:
    """Add-ons whose job concerns the app pods (the metrics API) have caught up with them."""
    for addon in ADDONS:
        if addon.serves_app is None or not _deployed(cluster, addon):
            continue
        with step(f"Waiting for {addon.title} to serve the app pods"):
            wait.wait_for(addon.serves_app(cluster.kube), f"{addon.title}", waits.ROLLOUT_TIMEOUT)


def _deployed(cluster: Cluster, addon: Addon) -> bool:
    found = cluster.kube.apps.list_namespaced_deployment(
        addon.namespace, field_selector=f"metadata.name={addon.deployment}"
    )
    return bool(found.items)


def addon_endpoints(cluster: Cluster) -> Endpoints:
    """The URLs of the add-ons that are already applied (nothing changes)."""
    urls: dict[str, str] = {}
    for addon in ADDONS:
        if addon.service is None:
            continue
        found = cluster.kube.core.list_namespaced_service(
            addon.namespace, field_selector=f"metadata.name={addon.service}"
        )
        if found.items:
            urls[addon.name] = _url(cluster, render(cluster.kube, addon.folder), addon)
    return Endpoints(app_ingress_host(cluster.kube), urls)


def _url(cluster: Cluster, objects: list[dict], addon: Addon) -> str | None:
    if addon.service is None:
        return None
    node_port = endpoints.node_port(objects, addon.namespace, addon.service, "web")
    return f"http://{cluster.address}:{endpoints.host_port(cluster.config, node_port)}"

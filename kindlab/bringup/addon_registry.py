"""Every cluster add-on, in bring-up order: one folder under k8s/addons and one entry here.

An entry says all the bring-up needs to know: its manifests (the folder of its name), the
Deployment whose rollout means it is up, the image it runs and how an air-gapped host builds
that image, and the Service that kind publishes on the host, whose URL people are shown.
Nothing else in the code names an add-on, so adding one is a folder plus an entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kindlab.bringup.metrics import every_app_pod_measured
from kindlab.build.airgap import cluster_images
from kindlab.build.receiverimage import alert_receiver_image
from kindlab.cluster.kube import Kube
from kindlab.core.paths import REPO_ROOT
from kindlab.core.wait import Condition

ADDONS_DIR = REPO_ROOT / "k8s" / "addons"


@dataclass(frozen=True)
class Addon:
    name: str
    title: str
    namespace: str
    deployment: str
    # Its image reference in versions/versions.env; None for our own images (no upstream).
    image_pin: str | None
    # Builds the image locally under the pinned reference; None: it cannot be had air-gapped.
    build_image: Callable[[], str] | None
    # A NodePort Service (port "web") mapped to a host port in k8s/kind/cluster.yaml.
    service: str | None = None
    # Optional add-ons come up only for people (`tox -e up`), never for the tests.
    optional: bool = False
    # Holds once the add-on works for the app's pods; bring-up waits for it after the app.
    serves_app: Callable[[Kube], Condition] | None = None
    # What `tox -e up` prints for it when it has no URL.
    usage: str | None = None
    # No registry has its image (it is ours): built and loaded into the node in every mode.
    always_built: bool = False

    @property
    def folder(self) -> Path:
        return ADDONS_DIR / self.name

    @property
    def selector(self) -> str:
        """Its pods, labelled like every workload here (the lint tier holds them to it)."""
        return f"app.kubernetes.io/name={self.deployment}"


ADDONS: tuple[Addon, ...] = (
    Addon(
        "traefik",
        "Traefik ingress",
        "traefik",
        "traefik",
        "TRAEFIK_IMAGE",
        cluster_images.traefik_image,
        service="traefik",
    ),
    Addon(
        "prometheus",
        "Prometheus",
        "monitoring",
        "prometheus",
        "PROMETHEUS_IMAGE",
        cluster_images.prometheus_image,
        service="prometheus",
    ),
    # Records what Alertmanager sends (GET /alerts); reached inside the cluster, no host port.
    Addon(
        "alert-receiver",
        "Alert receiver",
        "monitoring",
        "alert-receiver",
        None,
        alert_receiver_image,
        always_built=True,
        usage=(
            "kubectl -n monitoring logs deploy/alert-receiver (every notification Alertmanager "
            "sent, one JSON line each)"
        ),
    ),
    Addon(
        "alertmanager",
        "Alertmanager",
        "monitoring",
        "alertmanager",
        "ALERTMANAGER_IMAGE",
        cluster_images.alertmanager_image,
        service="alertmanager",
    ),
    # The resource metrics API (kubectl top, HPAs); nothing on the host to browse, so no URL.
    Addon(
        "metrics-server",
        "metrics-server",
        "kube-system",
        "metrics-server",
        "METRICS_SERVER_IMAGE",
        cluster_images.metrics_server_image,
        serves_app=every_app_pod_measured,
        usage="kubectl top pods -n kindlab (the autoscaler reads the same numbers)",
    ),
    Addon(
        "grafana",
        "Grafana",
        "monitoring",
        "grafana",
        "GRAFANA_IMAGE",
        None,
        service="grafana",
        optional=True,
    ),
)


def addon(name: str) -> Addon:
    return next(a for a in ADDONS if a.name == name)


def airgap_images() -> list[str]:
    """Build every add-on image that can be built here; the node cannot pull them."""
    return [a.build_image() for a in ADDONS if a.build_image is not None]


def own_images() -> list[str]:
    """Build the add-on images no registry has (ours); online nodes cannot pull them either."""
    return [a.build_image() for a in ADDONS if a.always_built and a.build_image is not None]

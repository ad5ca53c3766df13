"""The app on the cluster: its image, the kind overlay applied as committed, serving checked.

Whatever a test or a learner changed before, deploying puts back exactly the committed overlay,
and "serving" means every pod answers through the ingress with no injected fault left.
"""

from __future__ import annotations

from kindlab import appimage
from kindlab.cluster import health, waits
from kindlab.cluster.apply import apply_objects, render, replace_objects
from kindlab.cluster.kube import Kube
from kindlab.cluster.lifecycle import Cluster
from kindlab.cluster.names import APP_NAME, APP_NAMESPACE, APP_REPOSITORY, APP_TAG
from kindlab.ingress import IngressClient
from kindlab.progress import step
from kindlab.versions import REPO_ROOT

APP_OVERLAY = REPO_ROOT / "k8s" / "overlays" / "kind"
SERVING_TIMEOUT = 120


def build_app_image(tag: str = APP_TAG, app_version: str | None = None) -> str:
    """The app image from the repo's Dockerfile, as production builds it."""
    ref = f"{APP_REPOSITORY}:{tag}"
    appimage.build_app_image(ref, app_version or tag)
    return ref


def deploy_app(cluster: Cluster, image: str) -> None:
    """The kind overlay applied with the image loaded into the node, rollout complete."""
    cluster.load_image(image)
    with step("Deploying the app (k8s/overlays/kind)"):
        apply_app_overlay(cluster.kube)
        wait_rolled_out(cluster.kube)


def wait_rolled_out(kube: Kube, timeout: float = waits.ROLLOUT_TIMEOUT) -> str:
    return waits.wait_for(
        waits.deployment_rolled_out(kube, APP_NAMESPACE, APP_NAME), "app rollout", timeout
    )


def wait_until_serving(kube: Kube, ingress: IngressClient) -> None:
    """No fault left in any pod, and every pod answers through the ingress.

    Traefik also picks up new Ingresses and endpoints a moment after they exist: this waits
    for that too, so "up" means a user's request reaches any pod and gets a 200.
    """
    with step("Checking that every app pod serves through the ingress"):
        health.clear_faults(kube)
        wait_rolled_out(kube)
        waits.wait_for(
            health.every_pod_serves(kube, ingress), "every pod to serve", SERVING_TIMEOUT
        )


def apply_app_overlay(kube: Kube) -> None:
    """The kind overlay exactly as committed, whatever a test or a learner changed before.

    Server-side apply alone would keep fields that other managers added (an env var, a
    progress deadline), so an existing Deployment is replaced whole; the rest is applied.
    """
    objects = render(kube, APP_OVERLAY)
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    apply_objects(kube, [o for o in objects if o is not deployment])
    replace_objects(kube, [deployment])


def app_ingress_host(kube: Kube) -> str:
    for obj in render(kube, APP_OVERLAY):
        if obj["kind"] == "Ingress":
            return obj["spec"]["rules"][0]["host"]
    raise LookupError(f"{APP_OVERLAY} renders no Ingress")

"""The app on the cluster: its image, the kind overlay applied as committed, serving checked.

Whatever a test or a learner changed before, deploying puts back exactly the committed overlay,
and "serving" means every pod answers through the ingress with no injected fault left.
"""

from __future__ import annotations

from kindlab.bringup import health
from kindlab.build import appimage
from kindlab.clients.ingress import IngressClient
from kindlab.cluster import waits
from kindlab.cluster.apply import apply_objects, render, replace_objects
from kindlab.cluster.kube import Kube, or_none
from kindlab.cluster.lifecycle import Cluster
from kindlab.cluster.names import (
    APP_CONTAINER,
    APP_NAME,
    APP_NAMESPACE,
    APP_REPOSITORY,
    APP_SELECTOR,
    APP_TAG,
)
from kindlab.cluster.pods import runs_older_build
from kindlab.core import wait
from kindlab.core.output import say, step
from kindlab.core.paths import REPO_ROOT

APP_OVERLAY = REPO_ROOT / "k8s" / "overlays" / "kind"
SERVING_TIMEOUT = 120
# The app's namespace and what it grants the ingress controller (k8s/base/edge-rbac.yaml).
EDGE_GRANT_KINDS = {"Namespace", "Role", "RoleBinding"}


def build_app_image(tag: str = APP_TAG, app_version: str | None = None) -> str:
    """The app image from the repo's Dockerfile, as production builds it."""
    ref = f"{APP_REPOSITORY}:{tag}"
    appimage.build_app_image(ref, app_version or tag)
    return ref


def grant_edge_access(kube: Kube) -> None:
    """The app's namespace and the Role it grants Traefik, ahead of the add-ons.

    Traefik reads only namespaces it is granted (k8s/addons/traefik/rbac.yaml) and routes
    nothing until it can read every one it serves; started before the app's namespace exists,
    it retries with a backoff that grows to 30-60 s, and the first requests through the ingress
    waited that long (measured: 30 s of 404s on a new cluster).
    """
    objects = render(kube, APP_OVERLAY)
    apply_objects(kube, [o for o in objects if o["kind"] in EDGE_GRANT_KINDS])


def deploy_app(cluster: Cluster, image: str) -> None:
    """The kind overlay applied with the image loaded into the node, rollout complete."""
    cluster.load_image(image)
    with step("Deploying the app (k8s/overlays/kind)"):
        apply_app_overlay(cluster.kube)
        wait_rolled_out(cluster.kube)
        replace_stale_pods(cluster, image)


def replace_stale_pods(cluster: Cluster, image: str) -> None:
    """Replace app pods still running an older build of `image` by pods of the build now in
    the node (deleted, their ReplicaSet starts them again), and wait until those are Ready.

    A rebuilt image keeps its tag (kindlab/app:local), so loading it changes nothing in the
    Deployment and nothing rolls: on a reused cluster the pods would go on serving the build
    they started with, and a test would check old code.
    """
    digests = cluster.image_digests(image)
    pods = health.live_app_pods(cluster.kube)
    stale = [p.metadata.name for p in pods if runs_older_build(p, APP_CONTAINER, digests)]
    if not stale:
        return
    say(f"  {len(stale)} app pods run an older build of {image}: replacing them")
    for name in stale:
        or_none(cluster.kube.core.delete_namespaced_pod, name, APP_NAMESPACE)
    wait.wait_for(
        waits.pods_ready(cluster.kube, APP_NAMESPACE, APP_SELECTOR, len(pods)),
        "the replacement pods to be Ready",
        waits.ROLLOUT_TIMEOUT,
    )


def wait_rolled_out(kube: Kube, timeout: float = waits.ROLLOUT_TIMEOUT) -> str:
    return wait.wait_for(
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
        wait.wait_for(health.every_pod_serves(kube, ingress), "every pod to serve", SERVING_TIMEOUT)


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

"""Lab 2: deploy to the kind cluster. The start state has no app at all: its namespace is
gone and its image is not in the node. The learner loads the image, applies the kind overlay,
watches the rollout and reaches the app through the ingress."""

from __future__ import annotations

from kindlab.bringup.appdeploy import APP_OVERLAY, build_app_image
from kindlab.build.dockerimages import image_labels
from kindlab.cluster.apply import render
from kindlab.cluster.kube import or_none
from kindlab.cluster.names import APP_NAMESPACE, APP_TAG
from labs import actions, checks
from labs.framework import CheckContext, Lab, Step, Verdict, failed, passed
from labs.session import Session

IMAGE = actions.app_image(APP_TAG)


def start(session: Session) -> None:
    actions.set_lab_rules(session, None)
    actions.delete_app_namespace(session)
    session.cluster.remove_image(IMAGE)
    actions.prepare_workspace(session, LAB)


def solve(session: Session) -> None:
    if image_labels(IMAGE) is None:
        build_app_image(APP_TAG)
    bringup = session.bringup
    bringup.app(IMAGE)
    bringup.serving()


def image_in_node(ctx: CheckContext) -> Verdict:
    nodes = ctx.session.cluster.nodes()
    if not ctx.session.cluster.has_image(IMAGE):
        where = "Docker has it" if image_labels(IMAGE) else "Docker does not have it either"
        return failed(f"{IMAGE} is not in the node {', '.join(nodes)} ({where})")
    return passed(f"{IMAGE} is in node {', '.join(nodes)}")


def namespace_exists(ctx: CheckContext) -> Verdict:
    namespace = or_none(ctx.session.kube.core.read_namespace, APP_NAMESPACE)
    if namespace is None:
        return failed(f"there is no namespace {APP_NAMESPACE}: nothing is applied yet")
    if namespace.metadata.deletion_timestamp:
        return failed(f"namespace {APP_NAMESPACE} is being deleted; wait and apply again")
    return passed(f"namespace {APP_NAMESPACE} exists")


def overlay_applied(ctx: CheckContext) -> Verdict:
    kube = ctx.session.kube
    missing, found = [], []
    for obj in render(kube, APP_OVERLAY):
        kind, meta = obj["kind"], obj["metadata"]
        resource = kube.dynamic.resources.get(api_version=obj["apiVersion"], kind=kind)
        namespace = meta.get("namespace") if resource.namespaced else None
        try:
            resource.get(name=meta["name"], namespace=namespace)
        except Exception:
            missing.append(f"{kind}/{meta['name']}")
            continue
        found.append(kind)
    if missing:
        return failed(f"not in the cluster: {', '.join(missing)}")
    return passed(f"all {len(found)} objects exist: {', '.join(found)}")


def health(ctx: CheckContext) -> Verdict:
    return checks.ingress_routed(ctx, "/health")


LAB = Lab(
    number=2,
    slug="02-deploy",
    title="Deploy to the kind cluster",
    teaches="`kind load`, `kubectl apply -k`, rollouts, the ingress",
    difficulty="intro",
    check_duration="~10 s",
    needs=("the lab cluster (tox -e up)",),
    start=start,
    solve=solve,
    steps=(
        Step(f"image {IMAGE} is in the cluster's node", image_in_node, hint="image"),
        Step(f"namespace {APP_NAMESPACE} exists", namespace_exists, hint="objects"),
        Step("every object of k8s/overlays/kind exists", overlay_applied, hint="objects"),
        Step("rollout complete: every pod Ready", checks.rollout_complete, hint="rollout"),
        Step("GET /health through the ingress answers 200", health, hint="ingress"),
    ),
)

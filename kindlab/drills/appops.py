"""What operators do to the app Deployment: release, scale, undo, break one pod on purpose.

The e2e suite and the lab checkers drive the cluster through these, so both exercise the
operations a learner performs with kubectl, through the same API calls.
"""

from __future__ import annotations

from kindlab.bringup.appdeploy import apply_app_overlay, wait_rolled_out
from kindlab.bringup.health import fault_call
from kindlab.cluster.kube import Kube, or_none
from kindlab.cluster.names import APP_CONTAINER as CONTAINER
from kindlab.cluster.names import APP_NAME, APP_NAMESPACE, APP_SELECTOR
from kindlab.core import wait

VERSION_LABEL = "app.kubernetes.io/version"


def _patch(kube: Kube, body: dict) -> None:
    kube.apps.patch_namespaced_deployment(APP_NAME, APP_NAMESPACE, body)


def set_release(kube: Kube, image: str, version: str) -> None:
    """Ship a release: new image and the version label that feeds APP_VERSION."""
    _patch(
        kube,
        {
            "spec": {
                "template": {
                    "metadata": {"labels": {VERSION_LABEL: version}},
                    "spec": {"containers": [{"name": CONTAINER, "image": image}]},
                }
            }
        },
    )


def set_env(kube: Kube, **env: str) -> None:
    containers = [{"name": CONTAINER, "env": [{"name": k, "value": v} for k, v in env.items()]}]
    _patch(kube, {"spec": {"template": {"spec": {"containers": containers}}}})


def set_progress_deadline(kube: Kube, seconds: int) -> None:
    _patch(kube, {"spec": {"progressDeadlineSeconds": seconds}})


def scale(kube: Kube, replicas: int) -> None:
    kube.apps.patch_namespaced_deployment_scale(
        APP_NAME, APP_NAMESPACE, {"spec": {"replicas": replicas}}
    )


def rollout_undo(kube: Kube, to_revision: int | None = None) -> None:
    """`kubectl rollout undo`: back one revision, or to `to_revision`."""
    chosen = [] if to_revision is None else [f"--to-revision={to_revision}"]
    kube.kubectl("rollout", "undo", f"deployment/{APP_NAME}", "-n", APP_NAMESPACE, *chosen)


def only_release_left(kube: Kube, version: str) -> wait.Condition:
    """No pod of another release remains, not even one still draining in its preStop pause."""

    def check() -> tuple[bool, str]:
        pods = kube.core.list_namespaced_pod(APP_NAMESPACE, label_selector=APP_SELECTOR).items
        others = [p.metadata.name for p in pods if p.metadata.labels.get(VERSION_LABEL) != version]
        return not others, f"{len(others)} pods of other releases: {others}"

    return check


def settled(kube: Kube, replicas: int) -> wait.Condition:
    """Exactly `replicas` pods exist and none is terminating: every drained pod has exited.

    A rollout is "complete" while old pods still serve their preStop pause and then shut down;
    traffic checks must last until those shutdowns are over, or they miss the risky moment.
    """

    def check() -> tuple[bool, str]:
        pods = kube.core.list_namespaced_pod(APP_NAMESPACE, label_selector=APP_SELECTOR).items
        terminating = sum(1 for p in pods if p.metadata.deletion_timestamp is not None)
        done = len(pods) == replicas and terminating == 0
        return done, f"{len(pods)} pods, {terminating} terminating (want {replicas}, 0)"

    return check


def inject_fault(kube: Kube, pod: str, **changes: object) -> dict:
    """PUT /fault inside one pod."""
    return fault_call(kube, pod, "PUT", changes)


def restore(kube: Kube) -> None:
    """Back to the kind overlay exactly as committed, then wait for the rollout."""
    apply_app_overlay(kube)
    wait_rolled_out(kube)


def replicas(kube: Kube) -> int:
    """The replica count the Deployment asks for."""
    return kube.apps.read_namespaced_deployment(APP_NAME, APP_NAMESPACE).spec.replicas


def ready_pods(kube: Kube) -> int:
    """Ready pods of the app across all its ReplicaSets, as the Deployment counts them."""
    dep = kube.apps.read_namespaced_deployment(APP_NAME, APP_NAMESPACE)
    return dep.status.ready_replicas or 0


def remove_app(kube: Kube, timeout: float = 300) -> None:
    """No app at all, as on a cluster that never had a release: its namespace, and everything in
    it, deleted. A cluster that served something else before (the labs) can then play a
    production that has never seen the app."""
    if or_none(kube.core.delete_namespace, APP_NAMESPACE) is None:
        return
    # Nobody is served any more: its pods go at once, not after their preStop pause and drain.
    kube.core.delete_collection_namespaced_pod(APP_NAMESPACE, grace_period_seconds=0)

    def gone() -> tuple[bool, str]:
        left = or_none(kube.core.read_namespace, APP_NAMESPACE)
        return left is None, f"namespace {APP_NAMESPACE} is {left.status.phase if left else 'gone'}"

    wait.wait_for(gone, f"the app's namespace {APP_NAMESPACE} to be deleted", timeout)

"""What `labctl start`, `solve` and `reset` do to the cluster, shared by every lab.

Start states are applied with `kubectl apply -k`, exactly what the learner then uses on the
workspace copy: client-side apply records what it applied, so a field the learner deletes from
a file is deleted from the cluster too. Resets go the other way: objects are replaced whole from
the committed overlay, which also drops whatever a previous lab (or learner) left on them.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from kindlab.bringup.appdeploy import APP_OVERLAY, build_app_image
from kindlab.build.dockerimages import image_labels
from kindlab.clients.prom import RulesRejected
from kindlab.cluster.apply import delete_if_present, render, replace_objects
from kindlab.cluster.kube import Kube, or_none
from kindlab.cluster.names import APP_NAME, APP_NAMESPACE, APP_REPOSITORY, APP_SELECTOR, APP_TAG
from kindlab.core import wait
from kindlab.core.output import say, step
from kindlab.drills import appops
from kindlab.load.background import BackgroundTraffic
from labs.framework import Lab
from labs.session import Session

# Start and solution kustomizations sit three levels below the repository root and name the
# kind overlay by this relative path; copies elsewhere get the path rewritten to match.
OVERLAY_REFERENCE = "../../../k8s/overlays/kind"
LAB_RULES_CONFIGMAP = "prometheus-lab-rules"
MONITORING_NAMESPACE = "monitoring"
GONE_TIMEOUT = 180


# --- the learner's workspace -------------------------------------------------------------


def copy_lab_files(lab: Lab, source: str, target: Path) -> Path:
    """Copy `labs/NN-name/<source>/` to `target`, replacing it, with the overlay path adjusted."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(lab.folder / source, target)
    relative = os.path.relpath(APP_OVERLAY, target)
    for path in target.rglob("*.yaml"):
        text = path.read_text()
        if OVERLAY_REFERENCE in text:
            path.write_text(text.replace(OVERLAY_REFERENCE, relative))
    return target


def write_start_files(lab: Lab, target: Path) -> Path:
    """The lab's start files in `target`, replacing it: made by the lab, or its start/ copied
    (a lab without start files gets an empty folder)."""
    if lab.start_files is not None:
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        lab.start_files(target)
    elif (lab.folder / "start").is_dir():
        copy_lab_files(lab, "start", target)
    else:
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
    return target


def write_reference_files(lab: Lab, target: Path) -> Path:
    """The reference versions of the learner's files in `target`, replacing it: made by the lab,
    or its solution/ copied without the README (which explains, and is no file to edit)."""
    shutil.rmtree(target, ignore_errors=True)
    if lab.reference_files is not None:
        target.mkdir(parents=True)
        lab.reference_files(target)
        return target
    if (lab.folder / "solution").is_dir():
        copy_lab_files(lab, "solution", target)
        (target / "README.md").unlink(missing_ok=True)
    else:
        target.mkdir(parents=True)
    return target


def use_reference(session: Session, lab: Lab) -> Path:
    """The learner's workspace replaced by the reference files (labctl backs it up first), so
    that what the cluster runs after `labctl solve` is what the workspace says."""
    target = write_reference_files(lab, session.workspace(lab.slug))
    say(f"your workspace now holds the reference: {target}")
    return target


def prepare_workspace(session: Session, lab: Lab) -> Path:
    """The learner's copy of the start files."""
    target = write_start_files(lab, session.workspace(lab.slug))
    say(f"your workspace: {target}")
    return target


def workspace_changed(session: Session, lab: Lab) -> bool:
    """True when the workspace exists and differs from a fresh copy of the start state."""
    workspace = session.workspace(lab.slug)
    if not workspace.exists() or not lab.has_start_files:
        return False
    fresh = workspace.parent / f".{lab.slug}.pristine"
    try:
        write_start_files(lab, fresh)
        return _tree(workspace) != _tree(fresh)
    finally:
        shutil.rmtree(fresh, ignore_errors=True)


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def kubectl_apply(session: Session, folder: Path) -> None:
    """`kubectl apply -k` (a kustomization) or `-f` (plain manifests), as the README says."""
    flag = "-k" if (folder / "kustomization.yaml").is_file() else "-f"
    with step(f"kubectl apply {flag} {_shown(folder)}"):
        session.kube.kubectl("apply", flag, str(folder))


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# --- images in the node ------------------------------------------------------------------


def app_image(tag: str = APP_TAG) -> str:
    return f"{APP_REPOSITORY}:{tag}"


def ensure_image_in_node(session: Session, tag: str) -> str:
    """The app image `tag` inside the node, built first if Docker does not have it either."""
    ref = app_image(tag)
    if not session.cluster.has_image(ref):
        if image_labels(ref) is None:
            build_app_image(tag)
        session.cluster.load_image(ref)
    return ref


# --- the app on the cluster --------------------------------------------------------------


def app_deployed(kube: Kube) -> bool:
    return or_none(kube.apps.read_namespaced_deployment, APP_NAME, APP_NAMESPACE) is not None


def ensure_app(session: Session) -> None:
    """The app as `tox -e up` leaves it, even after lab 2 removed it or a learner left it half
    deployed: later labs start from a working app, whatever happened before."""
    ref = ensure_image_in_node(session, APP_TAG)
    if not app_deployed(session.kube):
        session.bringup.app(ref)


def reset_extras(session: Session) -> None:
    """Everything but the Deployment back as committed: Service, Ingress, the autoscaler (lab 7
    replaces it) and friends replaced whole, no learner's alert rules (lab 8)."""
    ensure_app(session)
    kube = session.kube
    objects = render(kube, APP_OVERLAY)
    replace_objects(kube, [o for o in objects if o["kind"] not in {"Namespace", "Deployment"}])
    set_lab_rules(session, None)


def steady_traffic(session: Session) -> BackgroundTraffic:
    """The background traffic of lab 11, kept beside the learner's workspace."""
    return BackgroundTraffic(session.workdir / ".traffic")


def ship_release(session: Session, release: str, env: dict[str, str]) -> None:
    """Release `release` (image tag and version label) with `env`, as one patch, so one
    revision, rolled out. A release broken only for business requests passes its probes, so
    the rollout completes and the damage shows only in the answers."""
    body = {
        "spec": {
            "template": {
                "metadata": {"labels": {appops.VERSION_LABEL: release}},
                "spec": {
                    "containers": [
                        {
                            "name": appops.CONTAINER,
                            "image": app_image(release),
                            "env": [{"name": k, "value": v} for k, v in env.items()],
                        }
                    ]
                },
            }
        }
    }
    session.kube.apps.patch_namespaced_deployment(APP_NAME, APP_NAMESPACE, body)
    appops.wait_rolled_out(session.kube)


def baseline(session: Session) -> None:
    """Back to the committed kind overlay, rolled out and routed, with no background traffic:
    where every lab begins."""
    with step("Resetting the app to k8s/overlays/kind"):
        steady_traffic(session).end()
        reset_extras(session)
        appops.restore(session.kube)
        session.bringup.serving()


def recreate_deployment(session: Session, kustomization: Path) -> None:
    """Delete the app's Deployment and pods at once, then apply `kustomization`: every pod is
    created from the start state, as if the team had shipped it broken in the first place."""
    kube = session.kube
    with step("Removing the app Deployment and its pods"):
        _remove_app_workload(kube)
        wait.wait_for(_app_pods_gone(kube), "the app pods to be gone", GONE_TIMEOUT)
    kubectl_apply(session, kustomization)


def _remove_app_workload(kube: Kube) -> None:
    """The Deployment, then its ReplicaSets (so nothing makes a new pod), then the pods
    without the preStop pause and drain: nothing of them is worth waiting for here."""
    delete_if_present(kube, "apps/v1", "Deployment", APP_NAME, APP_NAMESPACE)
    kube.apps.delete_collection_namespaced_replica_set(APP_NAMESPACE, label_selector=APP_SELECTOR)
    kube.core.delete_collection_namespaced_pod(
        APP_NAMESPACE, label_selector=APP_SELECTOR, grace_period_seconds=0
    )


def _app_pods_gone(kube: Kube) -> wait.Condition:
    def check() -> tuple[bool, str]:
        pods = kube.core.list_namespaced_pod(APP_NAMESPACE, label_selector=APP_SELECTOR).items
        sets = kube.apps.list_namespaced_replica_set(APP_NAMESPACE, label_selector=APP_SELECTOR)
        state = f"{len(pods)} app pods, {len(sets.items)} ReplicaSets left"
        return not pods and not sets.items, state

    return check


def delete_app_namespace(session: Session) -> None:
    """The app gone entirely, namespace and all (lab 2 deploys it from nothing)."""
    kube = session.kube
    with step(f"Deleting namespace {APP_NAMESPACE}"):
        namespace = or_none(kube.core.read_namespace, APP_NAMESPACE)
        if namespace is None:
            return
        _remove_app_workload(kube)
        if namespace.metadata.deletion_timestamp is None:
            delete_if_present(kube, "v1", "Namespace", APP_NAMESPACE)

        def gone() -> tuple[bool, str]:
            names = [n.metadata.name for n in kube.core.list_namespace().items]
            pods = kube.core.list_namespaced_pod(APP_NAMESPACE).items
            return APP_NAMESPACE not in names, f"{len(pods)} pods left in {APP_NAMESPACE}"

        wait.wait_for(gone, f"namespace {APP_NAMESPACE} to be deleted", GONE_TIMEOUT)


# --- the learner's alert rules (lab 8) -----------------------------------------------------


def set_lab_rules(session: Session, text: str | None, filename: str = "lab.yml") -> None:
    """Put `text` into the rules ConfigMap Prometheus mounts optionally, as `filename`; None
    deletes the ConfigMap and waits until Prometheus no longer evaluates what it held.

    The kubelet refreshes ConfigMap volumes only on its periodic pod sync (up to a minute or
    more); any change to the pod object triggers a sync at once, so the pod gets a touch
    annotation. Loading is then up to the caller (POST /-/reload, see wait_lab_rules).
    """
    kube = session.kube
    existing = kube.core.list_namespaced_config_map(
        MONITORING_NAMESPACE, field_selector=f"metadata.name={LAB_RULES_CONFIGMAP}"
    ).items
    if text is None:
        if not existing:
            return
        kube.core.delete_namespaced_config_map(LAB_RULES_CONFIGMAP, MONITORING_NAMESPACE)
        _touch_prometheus(kube)
        for name in existing[0].data or {}:
            wait_lab_rules(session, name, present=False)
        return
    body = {
        "metadata": {
            "name": LAB_RULES_CONFIGMAP,
            "labels": {"app.kubernetes.io/part-of": "kindlab"},
        },
        "data": {filename: text},
    }
    if existing:
        kube.core.replace_namespaced_config_map(LAB_RULES_CONFIGMAP, MONITORING_NAMESPACE, body)
    else:
        kube.core.create_namespaced_config_map(MONITORING_NAMESPACE, body)
    _touch_prometheus(kube)


def _touch_prometheus(kube: Kube) -> None:
    pods = kube.core.list_namespaced_pod(
        MONITORING_NAMESPACE, label_selector="app.kubernetes.io/name=prometheus"
    ).items
    stamp = {"metadata": {"annotations": {"labs.kindlab/rules-synced-at": str(time.time())}}}
    for pod in pods:
        kube.core.patch_namespaced_pod(pod.metadata.name, MONITORING_NAMESPACE, stamp)


def wait_lab_rules(session: Session, filename: str, present: bool, timeout: float = 120) -> None:
    """Reload until Prometheus evaluates the lab's rules file, or no longer does. While a
    rejected file is still mounted a reload fails; that only means "not yet" when removing."""

    def check() -> tuple[bool, str]:
        try:
            session.prom.reload()
        except RulesRejected as exc:
            if present:
                raise
            return False, f"reload refused: {exc}"
        files = session.prom.rule_groups_by_file()
        return (filename in files) == present, f"rule files loaded: {sorted(files)}"

    what = f"Prometheus to {'load' if present else 'drop'} {filename}"
    wait.wait_for(check, what, timeout, interval=2)

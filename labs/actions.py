"""What `labctl start`, `solve` and `reset` do to the cluster, shared by every lab.

Start states are applied with `kubectl apply -k`, exactly what the learner then uses on the
workspace copy: client-side apply records what it applied, so a field the learner deletes from
a file is deleted from the cluster too. Resets go the other way: objects are replaced whole from
the committed overlay, which also drops whatever a previous lab (or learner) left on them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import requests
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic.exceptions import NotFoundError

from kindlab.airgap.dockerimages import image_labels
from kindlab.cluster import appops, stack, waits
from kindlab.cluster.apply import render
from kindlab.cluster.kube import Kube
from kindlab.cluster.names import APP_NAME, APP_NAMESPACE, APP_REPOSITORY, APP_SELECTOR, APP_TAG
from kindlab.cluster.stack import APP_OVERLAY
from kindlab.progress import run, say, step
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


def prepare_workspace(session: Session, lab: Lab) -> Path:
    """The learner's copy of the start files (a lab without files gets an empty folder)."""
    target = session.workspace(lab.slug)
    if (lab.folder / "start").is_dir():
        copy_lab_files(lab, "start", target)
    else:
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
    say(f"your workspace: {target}")
    return target


def workspace_changed(session: Session, lab: Lab) -> bool:
    """True when the workspace exists and differs from a fresh copy of the start state."""
    workspace = session.workspace(lab.slug)
    if not workspace.exists() or not (lab.folder / "start").is_dir():
        return False
    fresh = workspace.parent / f".{lab.slug}.pristine"
    try:
        copy_lab_files(lab, "start", fresh)
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


def node_names(session: Session) -> list[str]:
    listing = run([session.platform.kind, "get", "nodes", "--name", session.cluster_name])
    return [line.strip() for line in listing.splitlines() if line.strip()]


def node_has_image(session: Session, ref: str) -> bool:
    """Whether containerd on every node holds `ref`, which is what `kind load` puts there.

    Asked of containerd itself (`ctr`, in every kind node image): the node status the API
    reports lags by up to its update period.
    """
    for node in node_names(session):
        listing = run(["docker", "exec", node, "ctr", "-n", "k8s.io", "images", "ls", "-q"])
        if f"docker.io/{ref}" not in listing.split():
            return False
    return True


def remove_image_from_nodes(session: Session, ref: str) -> None:
    for node in node_names(session):
        subprocess.run(
            ["docker", "exec", node, "ctr", "-n", "k8s.io", "images", "rm", f"docker.io/{ref}"],
            capture_output=True,
            check=False,
        )


def ensure_image_in_node(session: Session, tag: str) -> str:
    """The app image `tag` inside the node, built first if Docker does not have it either."""
    ref = app_image(tag)
    if not node_has_image(session, ref):
        if image_labels(ref) is None:
            stack.build_app_image(tag)
        session.lab.load_image(ref)
    return ref


# --- the app on the cluster --------------------------------------------------------------


def app_deployed(kube: Kube) -> bool:
    try:
        kube.apps.read_namespaced_deployment(APP_NAME, APP_NAMESPACE)
    except ApiException as exc:
        if exc.status == 404:
            return False
        raise
    return True


def ensure_app(session: Session) -> None:
    """The app as `tox -e up` leaves it, even after lab 2 removed it or a learner left it half
    deployed: later labs start from a working app, whatever happened before."""
    ref = ensure_image_in_node(session, APP_TAG)
    if not app_deployed(session.kube):
        stack.deploy_app(session.lab, ref)


def reset_extras(session: Session) -> None:
    """Everything but the Deployment back as committed: Service, Ingress and friends replaced
    whole, no HorizontalPodAutoscaler (lab 7), no learner's alert rules (lab 8)."""
    ensure_app(session)
    kube = session.kube
    objects = render(kube, APP_OVERLAY)
    replace_whole(kube, [o for o in objects if o["kind"] not in {"Namespace", "Deployment"}])
    delete_if_present(kube, "autoscaling/v2", "HorizontalPodAutoscaler", APP_NAME)
    set_lab_rules(session, None)


def baseline(session: Session) -> None:
    """Back to the committed kind overlay, rolled out and routed: where every lab begins."""
    with step("Resetting the app to k8s/overlays/kind"):
        reset_extras(session)
        appops.restore(session.kube)
        stack.wait_until_serving(session.kube, session.urls)


def replace_whole(kube: Kube, objects: list[dict]) -> None:
    """PUT each object as rendered (create it if missing): no field, label or last-applied
    annotation of an earlier apply survives, unlike with any kind of apply."""
    for obj in objects:
        resource = kube.dynamic.resources.get(api_version=obj["apiVersion"], kind=obj["kind"])
        meta = obj["metadata"]
        namespace = meta.get("namespace") if resource.namespaced else None
        try:
            live = resource.get(name=meta["name"], namespace=namespace)
        except NotFoundError:
            resource.create(body=obj, namespace=namespace)
            continue
        body = json.loads(json.dumps(obj))
        body["metadata"]["resourceVersion"] = live.metadata.resourceVersion
        if obj["kind"] == "Service":
            # Allocated once, immutable: carried over from the live object.
            for key in ("clusterIP", "clusterIPs"):
                if live.spec[key]:
                    body["spec"][key] = live.spec[key]
        resource.replace(body=body, namespace=namespace)


def delete_if_present(
    kube: Kube, api_version: str, kind: str, name: str, namespace: str = APP_NAMESPACE
) -> bool:
    resource = kube.dynamic.resources.get(api_version=api_version, kind=kind)
    try:
        resource.delete(name=name, namespace=namespace)
    except NotFoundError:
        return False
    return True


def recreate_deployment(session: Session, kustomization: Path) -> None:
    """Delete the app's Deployment and pods at once, then apply `kustomization`: every pod is
    created from the start state, as if the team had shipped it broken in the first place."""
    kube = session.kube
    with step("Removing the app Deployment and its pods"):
        delete_if_present(kube, "apps/v1", "Deployment", APP_NAME)
        waits.wait_for(_app_pods_gone(kube), "the app pods to be gone", GONE_TIMEOUT)
    kubectl_apply(session, kustomization)


def _app_pods_gone(kube: Kube) -> waits.Condition:
    """Kills leftover pods without a grace period on every poll: nothing of them is worth the
    preStop pause and drain here, and ReplicaSets being garbage-collected may still make one."""

    def check() -> tuple[bool, str]:
        kube.apps.delete_collection_namespaced_replica_set(
            APP_NAMESPACE, label_selector=APP_SELECTOR
        )
        pods = kube.core.list_namespaced_pod(APP_NAMESPACE, label_selector=APP_SELECTOR).items
        for pod in pods:
            _delete_pod_now(kube, pod.metadata.name)
        return not pods, f"{len(pods)} app pods left"

    return check


def _delete_pod_now(kube: Kube, name: str) -> None:
    try:
        kube.core.delete_namespaced_pod(name, APP_NAMESPACE, grace_period_seconds=0)
    except ApiException as exc:
        if exc.status != 404:
            raise


def delete_app_namespace(session: Session) -> None:
    """The app gone entirely, namespace and all (lab 2 deploys it from nothing)."""
    kube = session.kube
    with step(f"Deleting namespace {APP_NAMESPACE}"):
        try:
            kube.core.delete_namespace(APP_NAMESPACE)
        except ApiException as exc:
            if exc.status != 404:
                raise

        def gone() -> tuple[bool, str]:
            pods = kube.core.list_namespaced_pod(APP_NAMESPACE).items
            for pod in pods:
                _delete_pod_now(kube, pod.metadata.name)
            names = [n.metadata.name for n in kube.core.list_namespace().items]
            return APP_NAMESPACE not in names, f"{len(pods)} pods left in {APP_NAMESPACE}"

        waits.wait_for(gone, f"namespace {APP_NAMESPACE} to be deleted", GONE_TIMEOUT)


# --- the learner's alert rules (lab 8) -----------------------------------------------------


class RulesRejected(RuntimeError):
    """Prometheus refused to load the rules file; the message is Prometheus's own."""


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


def reload_prometheus(session: Session) -> None:
    """POST /-/reload (the Deployment enables the lifecycle API); a refusal raises with why."""
    response = requests.post(f"{session.urls.prometheus}/-/reload", timeout=30)
    if response.status_code != 200:
        raise RulesRejected(response.text.strip() or f"HTTP {response.status_code}")


def loaded_rule_groups(session: Session) -> dict[str, list[dict]]:
    """Rule groups Prometheus evaluates now, by file (as mounted), each a list of groups."""
    groups = session.prom._get("/api/v1/rules")["groups"]
    by_file: dict[str, list[dict]] = {}
    for group in groups:
        by_file.setdefault(Path(group["file"]).name, []).append(group)
    return by_file


def wait_lab_rules(session: Session, filename: str, present: bool, timeout: float = 120) -> None:
    """Reload until Prometheus evaluates the lab's rules file, or no longer does. While a
    rejected file is still mounted a reload fails; that only means "not yet" when removing."""

    def check() -> tuple[bool, str]:
        try:
            reload_prometheus(session)
        except RulesRejected as exc:
            if present:
                raise
            return False, f"reload refused: {exc}"
        files = loaded_rule_groups(session)
        return (filename in files) == present, f"rule files loaded: {sorted(files)}"

    what = f"Prometheus to {'load' if present else 'drop'} {filename}"
    waits.wait_for(check, what, timeout, interval=2)

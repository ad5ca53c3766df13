"""Kustomize rendering and the ways objects reach the cluster, through the dynamic client.

Server-side apply is idempotent (re-running `up` or a fixture changes nothing), keeps field
ownership explicit, and unlike `create_from_yaml` honours every object's own namespace.
Replacing whole is for putting an object back exactly as committed: no field another manager
added survives it.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from kubernetes.dynamic.exceptions import ConflictError, NotFoundError, UnprocessibleEntityError
from kubernetes.dynamic.resource import Resource
from tenacity import retry, retry_if_exception_type, stop_after_delay, wait_random

from kindlab.cluster.kube import Kube

FIELD_MANAGER = "kindlab"


def render(kube: Kube, kustomization: Path) -> list[dict]:
    """The objects `kubectl kustomize` renders, in kustomize's order (namespaces first)."""
    rendered = kube.kubectl("kustomize", str(kustomization))
    return [doc for doc in yaml.safe_load_all(rendered) if doc]


def apply_objects(kube: Kube, objects: list[dict]) -> list[str]:
    """Server-side apply each object; returns `Kind/namespace/name` of what was applied."""
    applied = []
    dynamic = kube.dynamic
    for obj in objects:
        resource = dynamic.resources.get(api_version=obj["apiVersion"], kind=obj["kind"])
        meta = obj["metadata"]
        namespace = meta.get("namespace") if resource.namespaced else None
        resource.server_side_apply(
            body=obj,
            name=meta["name"],
            namespace=namespace,
            field_manager=FIELD_MANAGER,
            force_conflicts=True,
        )
        applied.append("/".join(p for p in (obj["kind"], namespace, meta["name"]) if p))
    return applied


def apply_kustomization(kube: Kube, kustomization: Path) -> list[dict]:
    objects = render(kube, kustomization)
    apply_objects(kube, objects)
    return objects


def replace_objects(kube: Kube, objects: list[dict]) -> None:
    """PUT each object as rendered (create it if missing): no field, label or last-applied
    annotation of an earlier apply survives, unlike with any kind of apply."""
    for obj in objects:
        _replace(kube, obj)


def _replace(kube: Kube, obj: dict) -> None:
    """A PUT without resourceVersion: the committed object wins over whatever was written
    meanwhile, which is what a reset means. A read-then-PUT loses to a busy writer (the
    autoscaler's status every sync, a Deployment's through a rollout) with 409 Conflict, and
    kept losing ten retries in a row in CI (stop 13's labs tier). A Service's allocated
    clusterIP is kept by the API itself. Kinds whose status needs ordered writes
    (PodDisruptionBudget) refuse such a PUT; those are read first."""
    resource = kube.dynamic.resources.get(api_version=obj["apiVersion"], kind=obj["kind"])
    meta = obj["metadata"]
    namespace = meta.get("namespace") if resource.namespaced else None
    try:
        resource.replace(body=obj, namespace=namespace)
    except NotFoundError:
        resource.create(body=obj, namespace=namespace)
    except UnprocessibleEntityError as refused:
        if "resourceVersion" not in str(refused.body):
            raise
        _replace_read_version(resource, obj, namespace)


@retry(
    retry=retry_if_exception_type(ConflictError),
    stop=stop_after_delay(120),
    wait=wait_random(0.05, 0.5),
    reraise=True,
)
def _replace_read_version(resource: Resource, obj: dict, namespace: str | None) -> None:
    """The PUT carries the resourceVersion just read; on 409 read again, as client-go's
    RetryOnConflict does."""
    live = resource.get(name=obj["metadata"]["name"], namespace=namespace)
    body = json.loads(json.dumps(obj))
    body["metadata"]["resourceVersion"] = live.metadata.resourceVersion
    resource.replace(body=body, namespace=namespace)


def delete_if_present(
    kube: Kube, api_version: str, kind: str, name: str, namespace: str | None = None
) -> bool:
    """Delete one object; False when there was none."""
    resource = kube.dynamic.resources.get(api_version=api_version, kind=kind)
    try:
        resource.delete(name=name, namespace=namespace)
    except NotFoundError:
        return False
    return True

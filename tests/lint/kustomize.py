"""Render the kustomizations the way `kubectl apply -k` would, from the repo or a broken copy."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from kindlab.bringup.addon_registry import ADDONS
from kindlab.core.paths import REPO_ROOT

from .tools import kubectl, run

# Every kustomization someone applies to a cluster: the overlays and each add-on's folder.
ADDON_PATHS = tuple(f"k8s/addons/{a.name}" for a in ADDONS)
APPLIED = ("k8s/overlays/kind", "k8s/overlays/production", *ADDON_PATHS)
# What those kustomizations read: a broken copy needs all of it.
INPUTS = ("k8s", "versions", "monitoring")


def render(path: str, root: Path = REPO_ROOT) -> list[dict[str, Any]]:
    """The objects `path` renders to; a kustomize error fails with kubectl's message."""
    result = run([kubectl(), "kustomize", str(root / path)])
    if result.returncode != 0:
        raise RenderError(f"kubectl kustomize {path} failed:\n{result.stderr}")
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


class RenderError(RuntimeError):
    """kustomize refused to render; the message carries its error."""


def copy_inputs(destination: Path) -> Path:
    """A throwaway copy of everything the kustomizations read, for breaking on purpose."""
    for name in INPUTS:
        shutil.copytree(REPO_ROOT / name, destination / name)
    return destination


def edit_yaml(path: Path, change: Any) -> None:
    """Apply `change` to every document of a YAML file in place (for broken copies)."""
    documents = [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    for doc in documents:
        change(doc)
    path.write_text(yaml.safe_dump_all(documents, sort_keys=False))


def by_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [obj for obj in objects if obj["kind"] == kind]

"""Is what the cluster runs what the learner's files say?

A check that only looks at the cluster passes for anyone who puts the committed manifests back
(`kubectl apply -k k8s/overlays/kind`, `tox -e up`): the lab's faults are gone, and nothing was
learnt. So the labs whose fix is an edit of manifests first compare the fields the lab is about
between the live objects and what the learner's workspace renders, and the later steps judge
the live objects (which are then the learner's own fix).

Only the fields the workspace sets are compared: the API server fills in defaults
(`successThreshold`, `scheme`...) that a file rarely spells out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from kubernetes.utils import parse_quantity

from kindlab.cluster.apply import render
from labs.framework import CheckContext, StepFailed, Verdict, failed, passed

MISSING = object()


@dataclass(frozen=True)
class Watched:
    """Fields of one object the lab is about, each a path of keys ("containers[app]" picks
    the list item with that name)."""

    kind: str
    name: str
    fields: tuple[str, ...]


def workspace_objects(ctx: CheckContext, folder: Path) -> list[dict[str, Any]]:
    """What `kubectl apply -k` (kustomization) or `-f` (plain files) would send."""
    if not folder.is_dir():
        raise StepFailed(f"{folder} is missing: `labctl start` makes it")
    if (folder / "kustomization.yaml").is_file():
        return render(ctx.session.kube, folder)
    objects: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.y*ml")):
        try:
            objects.extend(d for d in yaml.safe_load_all(path.read_text()) if isinstance(d, dict))
        except yaml.YAMLError as exc:
            raise StepFailed(f"{path.name} is not valid YAML: {exc}") from None
    return objects


def pick(obj: Any, path: str) -> Any:
    """The value at `path` ("spec.template.spec.containers[app].readinessProbe"), or MISSING."""
    for segment in path.split("."):
        key, name = segment, None
        if segment.endswith("]") and "[" in segment:
            key, name = segment[:-1].split("[", 1)
        if not isinstance(obj, dict) or key not in obj or obj[key] is None:
            return MISSING
        obj = obj[key]
        if name is not None:
            found = [i for i in obj if isinstance(i, dict) and i.get("name") == name]
            if not found:
                return MISSING
            obj = found[0]
    return obj


def covers(mine: Any, live: Any) -> bool:
    """Every value the file sets is what the cluster has (quantities compared as numbers)."""
    if isinstance(mine, dict):
        return isinstance(live, dict) and all(
            covers(value, live.get(key, MISSING)) for key, value in mine.items()
        )
    if isinstance(mine, list):
        return (
            isinstance(live, list)
            and len(mine) == len(live)
            and all(covers(a, b) for a, b in zip(mine, live, strict=True))
        )
    if mine == live:
        return True
    if isinstance(mine, str | int | float) and isinstance(live, str | int | float):
        try:
            return parse_quantity(str(mine)) == parse_quantity(str(live))
        except ValueError:
            return str(mine) == str(live)
    return False


def live_object(ctx: CheckContext, api_version: str, kind: str, name: str, namespace: str) -> Any:
    resource = ctx.session.kube.dynamic.resources.get(api_version=api_version, kind=kind)
    try:
        return resource.get(name=name, namespace=namespace).to_dict()
    except Exception:
        return None


def cluster_runs(ctx: CheckContext, folder: Path, watched: Iterable[Watched]) -> Verdict:
    """The live objects carry the watched fields exactly as the workspace renders them."""
    shown = _shown(folder)
    rendered = {
        (o.get("kind"), o.get("metadata", {}).get("name")): o
        for o in workspace_objects(ctx, folder)
    }
    differ: list[str] = []
    extra: list[str] = []
    for item in watched:
        mine = rendered.get((item.kind, item.name))
        if mine is None:
            return failed(f"{shown} has no {item.kind} {item.name} any more")
        meta = mine["metadata"]
        live = live_object(ctx, mine["apiVersion"], item.kind, item.name, meta.get("namespace"))
        if live is None:
            return failed(f"the cluster has no {item.kind} {item.name}")
        for path in item.fields:
            want, have = pick(mine, path), pick(live, path)
            field = f"{item.kind} {item.name} {path.rsplit('.', 1)[-1]}"
            if want is MISSING and have is not MISSING:
                extra.append(field)
            elif want is not MISSING and not covers(want, have):
                differ.append(field)
    if differ:
        return failed(
            f"the cluster does not run what {shown} says: {', '.join(differ)} differ. "
            "What you fixed is not in your files, or your files are not applied"
        )
    if extra:
        return failed(
            f"the cluster does not run what {shown} says: it has {', '.join(extra)}, which "
            "your files do not set (kubectl apply leaves fields it did not apply itself, such "
            "as those of tox -e up)"
        )
    return passed(f"the cluster runs {shown}")


def _shown(folder: Path) -> str:
    try:
        return str(folder.relative_to(Path.cwd()))
    except ValueError:
        return str(folder)

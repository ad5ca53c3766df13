"""The learner's files are never lost: a copy before anything replaces them, and a diff to see
where they stand.

`labctl solve`, `reset` and `start` replace the workspace (`labs/work/NN-name/`); before they
do, every file of it is copied to `labs/work/backups/NN-name/<UTC time>/`, and labctl says
where. `labctl diff N` compares the workspace with a fresh copy of the start files and with the
reference solution, so a learner can see what they changed and what is left.
"""

from __future__ import annotations

import difflib
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from labs import actions
from labs.framework import Lab
from labs.session import Session

BACKUPS = "backups"


def backup_root(session: Session, lab: Lab) -> Path:
    return session.workdir / BACKUPS / lab.slug


def files_of(root: Path) -> dict[str, bytes]:
    """Every file under `root` by its relative path (nothing when the folder is missing)."""
    if not root.is_dir():
        return {}
    found = sorted(p for p in root.rglob("*") if p.is_file())
    return {str(p.relative_to(root)): p.read_bytes() for p in found}


def back_up(session: Session, lab: Lab, now: datetime | None = None) -> Path | None:
    """Copy the workspace to a new timestamped folder before it is replaced; None when there
    is nothing of the learner's to keep (no workspace, or it is exactly the start state)."""
    workspace = session.workspace(lab.slug)
    if not files_of(workspace) or not actions.workspace_changed(session, lab):
        return None
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S.%fZ")
    target = backup_root(session, lab) / stamp
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(workspace, target)
    return target


@contextmanager
def _written(writer: Callable[[Lab, Path], Path], lab: Lab, beside: Path) -> Iterator[Path]:
    """Files written next to the workspace, so relative paths in them come out the same."""
    beside.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{lab.slug}-", dir=beside.parent) as scratch:
        writer(lab, Path(scratch))
        yield Path(scratch)


def diff(session: Session, lab: Lab) -> str:
    """The workspace against the start files and against the reference solution, as unified
    diffs with the paths a learner types."""
    workspace = session.workspace(lab.slug)
    mine = files_of(workspace)
    if not mine:
        return f"{workspace} has no files: `labctl start {lab.number}` makes them.\n"
    parts = []
    with _written(actions.write_start_files, lab, workspace) as start:
        parts.append(_compare("start", files_of(start), mine, workspace, lab))
    with _written(actions.write_reference_files, lab, workspace) as reference:
        parts.append(_compare("reference", files_of(reference), mine, workspace, lab))
    return "\n".join(parts)


def _compare(
    label: str, theirs: dict[str, bytes], mine: dict[str, bytes], workspace: Path, lab: Lab
) -> str:
    title = f"== your files against the {label} of lab {lab.number}"
    if label == "reference" and not theirs:
        return f"{title}: this lab has no reference files (see labs/{lab.slug}/solution)\n"
    lines: list[str] = []
    for name in sorted(set(theirs) | set(mine)):
        if theirs.get(name) == mine.get(name):
            continue
        if name not in mine:
            lines.append(f"only in the {label}: {name}\n")
            continue
        old = _text(theirs.get(name, b""))
        new = _text(mine[name])
        lines.extend(difflib.unified_diff(old, new, f"{label}/{name}", str(workspace / name), n=2))
    if not lines:
        return f"{title}: the same\n"
    return title + "\n" + "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _text(data: bytes) -> list[str]:
    return data.decode("utf-8", errors="replace").splitlines(keepends=True)

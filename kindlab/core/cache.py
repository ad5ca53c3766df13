"""The build cache: artefacts keyed by component and version, so warm runs rebuild nothing."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from kindlab.core.output import heartbeat

LOCK_POLL_SECONDS = 0.5


def cache_root() -> Path:
    """KINDLAB_CACHE wins; otherwise XDG's cache dir, which survives clean clones of the repo."""
    explicit = os.environ.get("KINDLAB_CACHE")
    base = (
        Path(explicit)
        if explicit
        else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "kindlab"
    )
    base.mkdir(parents=True, exist_ok=True)
    return base


def component_dir(component: str, version: str) -> Path:
    path = cache_root() / f"{component}-{version}"
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def building(entry: Path) -> Iterator[None]:
    """Hold the build lock of one cache entry: parallel tiers (`tox -m ci -p`) build it once.

    The lock is a file beside the entry; whoever waits for it says so while waiting, and must
    look for the finished entry again once it holds the lock.
    """
    entry.parent.mkdir(parents=True, exist_ok=True)
    with entry.with_name(entry.name + ".lock").open("w") as handle:
        if not _try_lock(handle):
            with heartbeat(f"waiting for another process to build {entry.name}"):
                while not _try_lock(handle):
                    time.sleep(LOCK_POLL_SECONDS)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _try_lock(handle: IO[str]) -> bool:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True

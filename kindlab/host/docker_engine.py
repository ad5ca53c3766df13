"""A running Docker engine: installed, configured for this host's capabilities, started.

Our CI machines come without a running engine and their capability bounding set lacks
CAP_SYS_RESOURCE, which makes privileged containers (kind nodes) fail with "unable to apply
caps". On such hosts dockerd gets a runtime shim (tools/runc-capfix) that drops that one
capability; everywhere else the engine is left exactly as the user configured it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from kindlab.build.gobuild import build_local_tool
from kindlab.core.cache import cache_root
from kindlab.core.errors import KindlabError
from kindlab.core.output import say, step
from kindlab.core.process import run
from kindlab.core.wait import WaitTimeout, wait_for

CAP_SYS_RESOURCE = 24
DAEMON_JSON = Path("/etc/docker/daemon.json")
SHIM_RUNTIME = "kindlab-capfix"
START_TIMEOUT_SECONDS = 90


class DockerUnavailable(KindlabError):
    """No Docker engine can be had here; the message says exactly what is missing."""


def engine_running() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(
        ["docker", "info", "--format", "{{.ServerVersion}}"],
        check=False,
        capture_output=True,
        timeout=30,
    )
    return probe.returncode == 0


def missing_sys_resource_cap(status: str | None = None) -> bool:
    """True when CAP_SYS_RESOURCE is absent from this process's capability bounding set."""
    text = status if status is not None else Path("/proc/self/status").read_text()
    for line in text.splitlines():
        if line.startswith("CapBnd:"):
            return not int(line.split()[1], 16) >> CAP_SYS_RESOURCE & 1
    return False


def ensure_docker() -> None:
    """Make `docker` usable, or raise DockerUnavailable saying what stands in the way."""
    if engine_running():
        return
    if os.environ.get("DOCKER_HOST"):
        raise DockerUnavailable(f"DOCKER_HOST={os.environ['DOCKER_HOST']} does not answer")
    with step("Starting a Docker engine"):
        _install_engine()
        if missing_sys_resource_cap():
            _configure_capfix_runtime()
        _start_dockerd()


def _install_engine() -> None:
    if shutil.which("dockerd"):
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise DockerUnavailable(
            "Docker is not running and dockerd is not installed; install Docker "
            "(Debian: apt-get install docker.io) or start Docker Desktop"
        )
    say("installing Debian's docker.io (apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update", "-qq"], env=env)
    run(["apt-get", "install", "-y", "-qq", "docker.io"], env=env)


def _configure_capfix_runtime() -> None:
    say("host lacks CAP_SYS_RESOURCE: registering the runc-capfix runtime as dockerd's default")
    config = json.loads(DAEMON_JSON.read_text()) if DAEMON_JSON.exists() else {}
    config.setdefault("runtimes", {})[SHIM_RUNTIME] = {"path": str(build_local_tool("runc-capfix"))}
    config["default-runtime"] = SHIM_RUNTIME
    DAEMON_JSON.parent.mkdir(parents=True, exist_ok=True)
    DAEMON_JSON.write_text(json.dumps(config, indent=2) + "\n")


def _start_dockerd() -> None:
    log = cache_root() / "dockerd.log"
    say(f"starting dockerd (log: {log})")
    with log.open("ab") as sink:
        subprocess.Popen(["dockerd"], stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for(lambda: (engine_running(), "docker info"), "dockerd", START_TIMEOUT_SECONDS)
    except WaitTimeout:
        tail = log.read_text(errors="replace").splitlines()[-20:]
        raise DockerUnavailable("dockerd did not come up:\n" + "\n".join(tail)) from None

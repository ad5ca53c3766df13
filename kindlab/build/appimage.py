"""Build the service image (Dockerfile at the repo root) with BuildKit, from any caller.

BuildKit is required because the Dockerfile takes the host's CA bundle as a build secret (for
networks that intercept TLS), and only BuildKit has secrets. Which client can drive it varies:
`docker buildx` where the plugin exists; otherwise a 20.10-22.x client, whose built-in BuildKit
DOCKER_BUILDKIT=1 switches on. Clients from 23.0 on hand BuildKit builds to buildx and fail
without it, so one of those alone is not enough.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_fixed

from kindlab.build.airgap.base_images import python_base_image
from kindlab.core.errors import KindlabError
from kindlab.core.output import say, step
from kindlab.core.paths import REPO_ROOT
from kindlab.core.process import CommandError, run
from kindlab.core.trust import ca_bundle

DOCKERFILE = REPO_ROOT / "Dockerfile"
CA_SECRET_ID = "ca_bundle"
DEBIAN_DOCKER = "/usr/bin/docker"  # Debian's docker.io client, often shadowed by a newer one
BUILTIN_BUILDKIT = ((20, 10), (23, 0))  # client versions whose DOCKER_BUILDKIT=1 needs no buildx
# BuildKit's answer when the client's session did not attach in time (the daemon waits a few
# seconds); seen on a loaded 2-core host, where the same build then succeeds.
SESSION_TIMEOUT = "no active session for"
BUILD_ATTEMPTS = 3


class BuildKitUnavailable(KindlabError):
    """No docker client here can run a BuildKit build; the message says what would."""


@dataclass(frozen=True)
class BuildKitClient:
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    # Why this client, in words a person reads before typing the command (lab 1 prints it).
    why: str = ""

    def describe(self) -> str:
        extra = " ".join(f"{k}={v}" for k, v in self.env.items())
        return f"{extra} {' '.join(self.argv)}".strip()

    def typed(self, args: list[str]) -> str:
        """This client running `args`, as a person types it in a shell: plain `docker` when
        that is what PATH finds, its full path when PATH finds another client first."""
        docker = self.argv[0]
        on_path = shutil.which("docker")
        shown = "docker" if on_path and os.path.realpath(on_path) == docker else docker
        prefix = [f"{k}={v}" for k, v in self.env.items()]
        return shlex.join([*prefix, shown, *self.argv[1:], *args])


def find_buildkit_client() -> BuildKitClient:
    """The first docker client (PATH order, then Debian's) that can run a BuildKit build."""
    clients = _docker_clients()
    if not clients:
        raise BuildKitUnavailable(f"no docker client found on PATH or at {DEBIAN_DOCKER}")
    for docker in clients:
        if _succeeds([docker, "buildx", "version"]):
            why = f"{docker} has the buildx plugin, which runs BuildKit builds"
            return BuildKitClient([docker, "buildx", "build", "--load"], why=why)
    versions = {docker: client_version(docker) for docker in clients}
    low, high = BUILTIN_BUILDKIT
    for docker, version in versions.items():
        if version is not None and low <= version < high:
            why = (
                f"no docker client here has the buildx plugin; {docker} is a "
                f"{_shown_version(version)} client, whose built-in BuildKit DOCKER_BUILDKIT=1 "
                "switches on (clients from 23.0 on hand BuildKit builds to buildx)"
            )
            return BuildKitClient([docker, "build"], {"DOCKER_BUILDKIT": "1"}, why)
    found = ", ".join(f"{d} ({_shown_version(v)})" for d, v in versions.items())
    raise BuildKitUnavailable(
        f"no docker client can run a BuildKit build: found {found}, none has the buildx plugin "
        "and none is a 20.10-22.x client with built-in BuildKit. Install buildx "
        "(Debian: apt-get install docker-buildx) or Debian's docker.io client."
    )


def client_version(docker: str) -> tuple[int, int] | None:
    """(major, minor) of a docker client, from `docker --version` (which needs no daemon)."""
    probe = subprocess.run([docker, "--version"], capture_output=True, text=True, check=False)
    match = re.search(r"version (\d+)\.(\d+)", probe.stdout)
    return (int(match[1]), int(match[2])) if match else None


def build_options(tag: str, app_version: str, base_image: str) -> list[str]:
    """The options of an app image build as a person types them, before the context `.`:
    the base, the version the image reports, its tag, and the host's CA bundle as the build
    secret the Dockerfile's pip trusts (behind a TLS-intercepting proxy; never in a layer)."""
    options = [
        "--build-arg", f"BASE_IMAGE={base_image}",
        "--build-arg", f"APP_VERSION={app_version}",
        "-t", tag,
    ]  # fmt: skip
    bundle = ca_bundle()
    if bundle is not None:
        options += ["--secret", f"id={CA_SECRET_ID},src={bundle}"]
    return options


def build_app_image(tag: str, app_version: str, base_image: str | None = None) -> str:
    """Build the app image as `tag` and return its image id, streaming docker's output.

    Without `base_image`, the pinned PYTHON_IMAGE is used when it is present or pullable, else
    the locally built Debian Python image (kindlab.build.airgap), so this works with no registry.
    """
    if base_image is None:
        base_image = python_base_image()
    client = find_buildkit_client()
    with tempfile.TemporaryDirectory(prefix="kindlab-appimage-") as tmp:
        iidfile = Path(tmp) / "iid"
        argv = [
            *client.argv,
            *build_options(tag, app_version, base_image),
            "--progress=plain",
            "--file", str(DOCKERFILE),
            "--iidfile", str(iidfile),
        ]  # fmt: skip
        title = f"Building {tag} (version {app_version}) on {base_image} via {client.describe()}"
        for attempt in Retrying(
            retry=retry_if_exception(session_timed_out),
            stop=stop_after_attempt(BUILD_ATTEMPTS),
            wait=wait_fixed(2),
            before_sleep=lambda _: say("BuildKit's session did not attach in time: building again"),
            reraise=True,
        ):
            with attempt, step(title):
                run([*argv, str(REPO_ROOT)], env={**os.environ, **client.env}, quiet=False)
        image_id = iidfile.read_text().strip()
    say(f"{tag} is {image_id}")
    return image_id


def session_timed_out(error: BaseException) -> bool:
    """A build that failed only because BuildKit's client session was late: worth a retry,
    unlike a Dockerfile or network error, which would fail the same way again."""
    return isinstance(error, CommandError) and SESSION_TIMEOUT in str(error)


def _shown_version(version: tuple[int, int] | None) -> str:
    return ".".join(map(str, version)) if version else "?"


def _docker_clients() -> list[str]:
    seen: dict[str, None] = {}
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        candidate = shutil.which("docker", path=directory) if directory else None
        if candidate:
            seen.setdefault(os.path.realpath(candidate), None)
    if os.access(DEBIAN_DOCKER, os.X_OK):
        seen.setdefault(os.path.realpath(DEBIAN_DOCKER), None)
    return list(seen)


def _succeeds(argv: list[str]) -> bool:
    return subprocess.run(argv, capture_output=True, check=False).returncode == 0

"""The smoke tier: the real image, built as users and the e2e suite build it, run in Docker."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from kindlab.build.airgap.base_images import python_base_image
from kindlab.build.airgap.cluster_images import prometheus_image as cluster_prometheus_image
from kindlab.build.appimage import build_app_image
from kindlab.core.output import say
from kindlab.core.wait import WaitTimeout, wait_for
from kindlab.testing.gates import require_docker
from kindlab.testing.httpready import answers_ready

SMOKE_TAG = "kindlab/app:smoke"
SMOKE_VERSION = "0.0.0-smoke"
READY_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class BuiltImage:
    tag: str
    image_id: str
    base: str
    version: str


@dataclass(frozen=True)
class Container:
    name: str
    url: str


def docker(*args: str, check: bool = True) -> str:
    result = subprocess.run(["docker", *args], capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout.strip()


@pytest.fixture(scope="session")
def app_image() -> BuiltImage:
    require_docker("the image smoke tier")
    base = python_base_image()
    image_id = build_app_image(SMOKE_TAG, SMOKE_VERSION, base)
    size_mb = int(docker("image", "inspect", "--format", "{{.Size}}", image_id)) / 1e6
    say(f"image {SMOKE_TAG}: {size_mb:.1f} MB on base {base}")
    return BuiltImage(SMOKE_TAG, image_id, base, SMOKE_VERSION)


@pytest.fixture(scope="session")
def prometheus_image() -> str:
    """The pinned Prometheus image as the air-gapped cluster runs it, built (cached) here.

    The compose stack never pulls, so it needs the image present before it starts, whichever
    smoke test runs first.
    """
    require_docker("the Prometheus image")
    return cluster_prometheus_image()


@pytest.fixture
def run_container(app_image: BuiltImage) -> Iterator:
    """Start containers like a hardened deployment would: read-only root, loopback port."""
    names: list[str] = []

    def run(*env: str) -> Container:
        name = f"kindlab-smoke-{uuid.uuid4().hex[:8]}"
        env_args = [arg for pair in env for arg in ("--env", pair)]
        docker("run", "--detach", "--read-only", "--name", name, "--publish", "127.0.0.1::5000",
               "--env", "POD_NAME=smoke-pod", *env_args, app_image.image_id)  # fmt: skip
        names.append(name)
        host_port = docker("port", name, "5000/tcp").splitlines()[0].rsplit(":", 1)[1]
        container = Container(name, f"http://127.0.0.1:{host_port}")
        _wait_ready(container)
        return container

    yield run
    for name in names:
        docker("rm", "--force", "--volumes", name, check=False)


def _wait_ready(container: Container) -> None:
    say(f"waiting for {container.name} to be ready at {container.url}")

    def gone() -> str | None:
        running = docker("inspect", "--format", "{{.State.Running}}", container.name)
        return None if running == "true" else f"{container.name} exited"

    ready = answers_ready(container.url, gone)
    try:
        wait_for(ready, f"{container.name} to be ready", READY_TIMEOUT_SECONDS, interval=0.3)
    except WaitTimeout as exc:
        logs = docker("logs", container.name, check=False)
        raise AssertionError(f"{exc}\n{logs}") from None

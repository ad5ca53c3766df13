"""The Prometheus image built for air-gapped clusters serves its web UI, not only its API.

A Prometheus built from its Go module without the UI compiled in answers every UI page with
500 "Error opening React index.html" while /-/ready and the API work: only a page and its
assets fetched over HTTP show a person could use it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import requests

from kindlab.clients.prom import Prometheus
from kindlab.core.versions import image_tag, pin
from kindlab.core.wait import WaitTimeout, wait_for
from kindlab.testing.httpready import answers_ready

from .conftest import docker

READY_TIMEOUT_SECONDS = 60


@pytest.fixture(scope="module")
def prometheus_url(prometheus_image: str) -> Iterator[str]:
    """A container of the built image, with its own default config, on a loopback port."""
    name = f"kindlab-smoke-prometheus-{uuid.uuid4().hex[:8]}"
    docker("run", "--detach", "--name", name, "--publish", "127.0.0.1::9090", prometheus_image)
    try:
        port = docker("port", name, "9090/tcp").splitlines()[0].rsplit(":", 1)[1]
        url = f"http://127.0.0.1:{port}"
        ready = answers_ready(url, lambda: _exited(name), path="/-/ready")
        try:
            wait_for(ready, f"{name} to be ready", READY_TIMEOUT_SECONDS, interval=0.3)
        except WaitTimeout as exc:
            raise AssertionError(f"{exc}\n{docker('logs', name, check=False)}") from None
        yield url
    finally:
        docker("rm", "--force", "--volumes", name, check=False)


def _exited(name: str) -> str | None:
    running = docker("inspect", "--format", "{{.State.Running}}", name)
    return None if running == "true" else f"{name} exited"


def test_the_ui_works_and_the_2x_graph_page_leads_to_it(prometheus_url):
    assert Prometheus(prometheus_url).ui_problems() == []
    graph = requests.get(f"{prometheus_url}/graph", allow_redirects=False, timeout=5)
    assert graph.status_code == 302 and graph.headers["Location"].startswith("/query")


def test_a_missing_asset_is_not_found(prometheus_url):
    # The UI check would be hollow if every path answered 200.
    reply = requests.get(f"{prometheus_url}/assets/no-such-bundle.js", timeout=5)
    assert reply.status_code == 404


def test_the_image_runs_the_pinned_release_with_its_promtool(prometheus_url, prometheus_image):
    release = image_tag(pin("PROMETHEUS_IMAGE")).lstrip("v")
    assert Prometheus(prometheus_url).build_version() == release
    promtool = docker("run", "--rm", "--entrypoint", "/bin/promtool", prometheus_image, "--version")
    assert f"version {release}" in promtool

"""The README's compose stack, for real: the app, Prometheus scraping it and evaluating the
rules, Grafana where its image is here, and a `down` that leaves nothing behind."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from kindlab.build.dockerimages import image_labels
from kindlab.core.output import say, step
from kindlab.core.process import CommandError
from kindlab.core.versions import pin
from kindlab.core.wait import wait_for
from kindlab.host.compose import Compose, find_compose, user_docker_config
from kindlab.testing.gates import require_docker
from tests.lint.promql import rule_queries
from tests.lint.rules import rules

from .compose_stack import (
    CONTROL,
    PROJECT_LABEL,
    ComposeStack,
    docker_lines,
    instant_query,
    leftovers,
    mounted_volumes,
    polled,
    rule_states,
    service_images,
    target_health,
    write_override,
)

APP_TARGET = "kindlab-app/app:5000"
CONTROL_TARGET = "kindlab-app/app:5001"
SCRAPE_TIMEOUT_SECONDS = 60
REQUESTS_SENT = 40


@pytest.fixture(scope="module")
def compose() -> Compose:
    require_docker("the compose stack")
    with step("Finding docker compose (the installed one, else kindlab's build)"):
        found = find_compose()
    say(f"docker compose {found.version} ({found.origin})")
    return found


@pytest.fixture(scope="module")
def grafana_here() -> bool:
    here = image_labels(pin("GRAFANA_IMAGE")) is not None
    if not here:
        say(f"Grafana is not started: its image {pin('GRAFANA_IMAGE')} is not on this host, and "
            "compose never pulls here (Grafana has no source to build air-gapped)")  # fmt: skip
    return here


@pytest.fixture(scope="module")
def stack(
    compose, app_image, prometheus_image, grafana_here, tmp_path_factory
) -> Iterator[ComposeStack]:
    override = write_override(tmp_path_factory.mktemp("compose"), app_image.tag)
    running = ComposeStack(
        compose,
        f"kindlab-smoke-{uuid.uuid4().hex[:8]}",
        extra_files=(override,),
        profiles=("grafana",) if grafana_here else (),
    )
    try:
        with step(f"Starting the compose stack as project {running.project}"):
            running.up()
        yield running
    finally:
        try:
            running.down()
        except CommandError as exc:
            say(f"cleaning up {running.project} failed: {exc}")


def seconds_since_up(stack: ComposeStack) -> str:
    return f"{time.monotonic() - stack.started:.1f}s after `up` began"


def test_the_committed_files_publish_the_documented_ports_and_pinned_images(compose):
    committed = ComposeStack(compose, "kindlab", profiles=("grafana",)).config()["services"]
    published = {
        name: [(p.get("host_ip"), p.get("published"), p["target"]) for p in spec["ports"]]
        for name, spec in committed.items()
    }
    assert published == {
        "app": [("127.0.0.1", "5000", 5000)],
        "prometheus": [("127.0.0.1", "9090", 9090)],
        "grafana": [("127.0.0.1", "3000", 3000)],
    }
    assert committed["prometheus"]["image"] == pin("PROMETHEUS_IMAGE")
    assert committed["grafana"]["image"] == pin("GRAFANA_IMAGE")
    assert set(ComposeStack(compose, "kindlab").config()["services"]) == {"app", "prometheus"}


def test_an_installed_compose_wins_and_the_build_never_enters_the_users_docker_config(compose):
    if compose.origin == "installed":
        assert compose.env.get("DOCKER_CONFIG") == os.environ.get("DOCKER_CONFIG")
        return
    assert compose.version.lstrip("v") == pin("COMPOSE_VERSION").lstrip("v")
    assert Path(compose.env["DOCKER_CONFIG"]) != user_docker_config()
    assert not (user_docker_config() / "cli-plugins" / "docker-compose").exists()


def test_the_app_answers(stack):
    app = stack.url("app", 5000)
    assert requests.get(f"{app}/health", timeout=5).json() == {"status": "healthy"}
    version = requests.get(f"{app}/version", timeout=5).json()
    assert (version["version"], version["pod"]) == ("compose", "app")


def test_prometheus_is_the_pinned_image_and_scrapes_the_app(stack):
    assert service_images(stack.project, "prometheus") == [pin("PROMETHEUS_IMAGE")]
    prometheus, control = stack.url("prometheus", 9090), stack.url(CONTROL, 9090)

    def scraped() -> tuple[bool, str]:
        health = {**target_health(prometheus), **target_health(control)}
        return health.get(APP_TARGET) == "up" and health.get(CONTROL_TARGET) == "down", str(health)

    wait_for(
        polled(scraped), "the app's target up (and the control's down)", SCRAPE_TIMEOUT_SECONDS
    )
    say(f"Prometheus scrapes the app: target up {seconds_since_up(stack)}")
    assert target_health(prometheus) == {APP_TARGET: "up"}
    assert target_health(control) == {CONTROL_TARGET: "down"}


def test_prometheus_loads_and_evaluates_every_rule(stack):
    prometheus, control = stack.url("prometheus", 9090), stack.url(CONTROL, 9090)
    expected = {rule.get("alert") or rule["record"] for rule in rules()}

    def evaluated() -> tuple[bool, str]:
        states = rule_states(prometheus)
        healthy = all(state == ("ok", True) for state in states.values())
        return set(states) == expected and healthy, str(states)

    wait_for(polled(evaluated), "every rule loaded and evaluated", SCRAPE_TIMEOUT_SECONDS)
    assert rule_states(control) == {}, "the control loads no rules"


def test_a_rules_query_returns_the_apps_traffic(stack):
    app, prometheus = stack.url("app", 5000), stack.url("prometheus", 9090)
    saturation = next(r for r in rules() if r.get("labels", {}).get("signal") == "saturation")
    query = rule_queries([saturation])[0].expr
    for i in range(REQUESTS_SENT):
        assert requests.post(f"{app}/data", json={"i": i}, timeout=5).status_code == 201

    def answered() -> tuple[bool, str]:
        result = instant_query(prometheus, query)
        return bool(result), str(result)

    wait_for(
        polled(answered), f"{saturation['alert']}'s query to return data", SCRAPE_TIMEOUT_SECONDS
    )
    say(f"{saturation['alert']}'s query returns data {seconds_since_up(stack)}")
    labels = [series["metric"] for series in instant_query(prometheus, query)]
    assert labels == [{"namespace": "compose", "pod": "app"}]
    assert instant_query(stack.url(CONTROL, 9090), query) == [], "the control never saw the app"


def test_grafana_runs_only_where_its_image_is_here(stack, grafana_here):
    if not grafana_here:
        assert "grafana" not in stack.services()
        return
    grafana = stack.url("grafana", 3000)
    healthy = polled(lambda: (requests.get(f"{grafana}/api/health", timeout=5).ok, "answered"))
    wait_for(healthy, "Grafana's health", SCRAPE_TIMEOUT_SECONDS)
    board = requests.get(f"{grafana}/api/dashboards/uid/kindlab", timeout=5)
    assert board.status_code == 200, board.text
    assert board.json()["dashboard"]["title"] == "kindlab app: golden signals"


def test_down_leaves_nothing_behind(stack):
    running = leftovers(stack.project, stack.volumes)
    assert any(item.startswith("container ") for item in running), "the check must see the stack"
    assert any(item.startswith("network ") for item in running), "the check must see the stack"
    with step(f"Stopping the compose stack {stack.project} with a plain `down`"):
        stack.down()
    assert leftovers(stack.project, stack.volumes) == []


def test_the_leftover_check_sees_an_anonymous_volume(app_image):
    """What `down` leaves of an image's VOLUME without a tmpfs over it: a container's
    unlabelled volume, which only the container's mounts name."""
    project = f"kindlab-smoke-leftover-{uuid.uuid4().hex[:8]}"
    name = f"{project}-app-1"
    docker_lines("create", "--name", name, "--label", f"{PROJECT_LABEL}={project}", app_image.tag)
    try:
        volumes = set(mounted_volumes(project))
        assert len(volumes) == 1, "the app image declares VOLUME /tmp"
        assert leftovers(project, volumes) == [f"container {name}", f"volume {volumes.pop()}"]
    finally:
        docker_lines("rm", "--volumes", name)

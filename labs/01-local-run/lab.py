"""Lab 1: build the service's image with docker build, run it, and read its metrics. No
cluster: the checker asks Docker about the image and the container, then talks to the app over
the published port."""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass
from typing import Any

import requests

from kindlab.build.airgap.base_images import python_base_image
from kindlab.build.appimage import build_options, find_buildkit_client
from kindlab.build.dockerimages import image_labels
from kindlab.cluster.endpoints import (
    LOOPBACK,
    docker_host_address,
    expose_all,
    remote_listen_address,
)
from kindlab.core import wait
from kindlab.core.output import echo, say
from kindlab.core.paths import REPO_ROOT
from kindlab.core.process import run
from kindlab.core.versions import pin
from kindlab.host.docker_engine import engine_running
from labs import actions, checks
from labs.framework import CheckContext, Lab, Step, StepFailed, Verdict, failed, passed
from labs.session import Session

TAG = "lab1"
IMAGE = actions.app_image(TAG)
CONTAINER = "kindlab-lab1"
PORT = "5000/tcp"
VERSION_LABEL = "org.opencontainers.image.version"
BASE_LABEL = "org.opencontainers.image.base.name"
# The title the repository's Dockerfile gives the image: a retagged other image lacks it.
TITLE_LABEL, TITLE = "org.opencontainers.image.title", "kindlab-app"
COUNTER = "kindlab_data_items_processed_total"
ANSWERS = "answers.yaml"


def _docker(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, check=False, timeout=120
    )


@dataclass(frozen=True)
class BuildCommand:
    """The `docker build` that works on this machine: argv and environment to run it, the line
    a learner types from the repository root, and why its base image and client were chosen."""

    argv: list[str]
    env: dict[str, str]
    typed: str
    base: str
    client_why: str

    @property
    def base_why(self) -> str:
        if self.base == pin("PYTHON_IMAGE"):
            return "the pinned upstream Python image (versions/versions.env)"
        return (
            "kindlab's Debian Python on its debootstrapped base: the upstream Python image "
            "cannot be pulled here"
        )


def build_command() -> BuildCommand:
    """Finding the base image pulls the upstream Python image, or builds kindlab's own Debian
    one where nothing can be pulled (as every kindlab build does), so the base then exists."""
    base = python_base_image()
    client = find_buildkit_client()
    options = [*build_options(IMAGE, TAG, base), "."]
    return BuildCommand(
        [*client.argv, *options], client.env, client.typed(options), base, client.why
    )


def start(session: Session) -> None:
    """No lab container and no lab image: the learner builds and runs both. The base image the
    build needs is made sure of, and the exact command for this machine printed."""
    if _docker("rm", "--force", CONTAINER).returncode == 0:
        say(f"removed container {CONTAINER}")
    if image_labels(IMAGE) is not None and _docker("image", "rm", IMAGE).returncode == 0:
        say(f"removed image {IMAGE}")
    actions.prepare_workspace(session, LAB)
    command = build_command()
    say(f"BASE_IMAGE={command.base}: {command.base_why}")
    say(f"docker client: {command.client_why}")
    say("step 2 of the README, the build, is this command (type it from the repository root):")
    echo("")
    echo(f"    {command.typed}")
    echo("")


def solve(session: Session) -> None:
    """What the README's steps do, with the very build command `labctl start 1` prints."""
    command = build_command()
    say(f"running: {command.typed}")
    run(command.argv, cwd=REPO_ROOT, env={**os.environ, **command.env}, quiet=False)
    _docker("rm", "--force", CONTAINER)
    # Any free host port: the check reads which one Docker chose. Off loopback only when the
    # Docker host is another machine (Docker-in-Docker), and then on its own address alone.
    address = docker_host_address()
    bind = LOOPBACK if address == LOOPBACK else remote_listen_address(address, expose_all())
    run(["docker", "run", "--detach", "--name", CONTAINER, "-p", f"{bind}::5000", IMAGE])
    url = _base_url()
    wait.wait_for(_healthy(url), f"{CONTAINER} to answer /health", 60)
    for item in range(3):
        requests.post(f"{url}/data", json={"lab": 1, "item": item}, timeout=10).raise_for_status()
    value = _counter(url)
    workspace = session.workspace(LAB.slug)
    workspace.mkdir(parents=True, exist_ok=True)
    template = (LAB.folder / "start" / ANSWERS).read_text()
    (workspace / ANSWERS).write_text(template.replace("TODO", f"{value:g}"))


def _container() -> dict[str, Any] | None:
    probe = _docker("container", "inspect", CONTAINER)
    return json.loads(probe.stdout)[0] if probe.returncode == 0 else None


def _base_url() -> str:
    info = _container()
    if info is None:
        raise StepFailed(f"there is no container named {CONTAINER}")
    bindings = (info["NetworkSettings"]["Ports"] or {}).get(PORT) or []
    if not bindings:
        raise StepFailed(
            f"{CONTAINER} publishes no host port for its port 5000: run it with "
            "-p 127.0.0.1:5000:5000"
        )
    ipv4 = [b for b in bindings if ":" not in b["HostIp"]] or bindings
    return f"http://{docker_host_address()}:{ipv4[0]['HostPort']}"


def _healthy(url: str) -> wait.Condition:
    def check() -> tuple[bool, str]:
        try:
            response = requests.get(f"{url}/health", timeout=5)
        except requests.RequestException as exc:
            return False, type(exc).__name__
        return response.status_code == 200, f"GET /health answered {response.status_code}"

    return check


def _counter(url: str) -> float:
    """The counter as /metrics shows it (summed, should it ever carry labels)."""
    text = requests.get(f"{url}/metrics", timeout=10).text
    values = re.findall(rf"^{COUNTER}(?:{{[^}}]*}})? (\S+)$", text, re.MULTILINE)
    if not values:
        raise StepFailed(f"/metrics has no {COUNTER} line")
    return sum(float(v) for v in values)


def docker_answers(ctx: CheckContext) -> Verdict:
    if not engine_running():
        return failed("the docker command finds no running engine (try: docker info)")
    version = _docker("version", "--format", "{{.Server.Version}}").stdout.strip()
    return passed(f"Docker engine {version}")


def image_built(ctx: CheckContext) -> Verdict:
    if image_labels(IMAGE) is None:
        return failed(f"there is no image {IMAGE} (docker image ls kindlab/app)")
    return passed(f"{IMAGE} exists")


def image_from_dockerfile(ctx: CheckContext) -> Verdict:
    labels = image_labels(IMAGE) or {}
    if labels.get(TITLE_LABEL) != TITLE:
        return failed(
            f"{IMAGE} has the title label {labels.get(TITLE_LABEL)!r}, not {TITLE!r}: it was not "
            "built from this repository's Dockerfile (docker build ... . from the repository "
            "root)"
        )
    return passed(f"{IMAGE} is {TITLE}, built on {labels.get(BASE_LABEL, '?')}")


def image_version(ctx: CheckContext) -> Verdict:
    version = (image_labels(IMAGE) or {}).get(VERSION_LABEL)
    if version != TAG:
        return failed(
            f"{IMAGE} says it is version {version!r}, not {TAG!r}: its version label says how "
            f"it was built (docker image inspect {IMAGE})"
        )
    return passed(f"{IMAGE} is version {TAG}")


def running(ctx: CheckContext) -> Verdict:
    info = _container()
    if info is None:
        return failed(f"there is no container named {CONTAINER} (docker ps -a)")
    image, state = info["Config"]["Image"], info["State"]
    if image not in {IMAGE, f"docker.io/{IMAGE}"}:
        return failed(f"{CONTAINER} runs {image}, not {IMAGE}")
    if not state["Running"]:
        return failed(
            f"{CONTAINER} is {state['Status']} (exit code {state['ExitCode']}): docker logs "
            f"{CONTAINER} says why"
        )
    return passed(f"{CONTAINER} runs {IMAGE} since {state['StartedAt'][:19]}")


def published(ctx: CheckContext) -> Verdict:
    url = _base_url()
    ctx.memo["url"] = url
    return passed(f"the app answers on {url}")


def health(ctx: CheckContext) -> Verdict:
    url = ctx.memo["url"]
    try:
        wait.wait_for(_healthy(url), "GET /health", 20)
    except wait.WaitTimeout as exc:
        return failed(str(exc))
    body = requests.get(f"{url}/health", timeout=5).json()
    return passed(f"GET {url}/health answered 200 {body}")


def version_answers(ctx: CheckContext) -> Verdict:
    """The running app reports the version the image was built with, in body and header."""
    url = ctx.memo["url"]
    response = requests.get(f"{url}/version", timeout=5)
    body = response.json() if response.ok else {}
    header = response.headers.get("X-App-Version")
    if body.get("version") != TAG or header != TAG:
        return failed(
            f"GET {url}/version answered {response.status_code} with version "
            f"{body.get('version')!r} (X-App-Version {header!r}), not {TAG!r}: is the "
            f"container running the {IMAGE} you built last? (compare the image `docker ps` "
            "names with `docker images`)"
        )
    return passed(f"GET {url}/version says {TAG}, served by {body.get('pod', '?')}")


def data_posted(ctx: CheckContext) -> Verdict:
    value = _counter(ctx.memo["url"])
    ctx.memo["counter"] = value
    if value < 1:
        return failed(
            f"{COUNTER} is {value:g}: the app has not processed any item yet "
            f"(GET {ctx.memo['url']}/metrics shows the counter)"
        )
    return passed(f"{COUNTER} is {value:g}")


def answer(ctx: CheckContext) -> Verdict:
    given = checks.read_yaml_answers(ctx.session.workspace(LAB.slug) / ANSWERS)
    value = given.get("items_processed")
    if checks.is_todo(value):
        return failed(f"{ANSWERS} still has TODO for items_processed")
    try:
        number = float(value)
    except (TypeError, ValueError):
        return failed(f"items_processed should be a number, not {value!r}")
    if number != ctx.memo["counter"]:
        return failed(
            f"items_processed is {number:g}, but /metrics now says {ctx.memo['counter']:g} "
            "(did you POST again after reading it?)"
        )
    return passed(f"items_processed {number:g} matches /metrics")


LAB = Lab(
    number=1,
    slug="01-local-run",
    title="Build the image and run it locally",
    teaches="`docker build` with BuildKit and build arguments, `docker run`, reading `/metrics`",
    difficulty="intro",
    check_duration="~5 s",
    needs=("Docker with BuildKit (the buildx plugin, or a client older than 23.0)",),
    start=start,
    solve=solve,
    needs_cluster=False,
    steps=(
        Step("Docker answers", docker_answers, hint="docker"),
        Step(f"image {IMAGE} is built", image_built, hint="image"),
        Step(
            "the image was built from this repository's Dockerfile", image_from_dockerfile, "image"
        ),
        Step(f"the image says it is version {TAG}", image_version, hint="image"),
        Step(f"container {CONTAINER} runs the image", running, hint="container"),
        Step("the container's port 5000 is published on the host", published, hint="port"),
        Step("GET /health answers 200", health, hint="port"),
        Step(f"GET /version says {TAG}", version_answers, hint="port"),
        Step("at least one item was POSTed to /data", data_posted, hint="data"),
        Step("answers.yaml holds the counter you read in /metrics", answer, hint="answer"),
    ),
)

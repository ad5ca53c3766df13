"""Lab 1: run the service and its image locally, and read its metrics. No cluster: the checker
asks Docker about the image and the container, then talks to the app over the published port."""

from __future__ import annotations

import json
import re
import subprocess
from typing import Any

import requests

from kindlab.airgap.dockerimages import image_labels
from kindlab.cluster import waits
from kindlab.cluster.app import build_app_image
from kindlab.cluster.endpoints import LOOPBACK, docker_host_address
from kindlab.docker_engine import engine_running
from kindlab.progress import run, say
from labs import actions, checks
from labs.framework import CheckContext, Lab, Step, StepFailed, Verdict, failed, passed
from labs.session import Session

TAG = "lab1"
IMAGE = actions.app_image(TAG)
CONTAINER = "kindlab-lab1"
PORT = "5000/tcp"
VERSION_LABEL = "org.opencontainers.image.version"
COUNTER = "kindlab_data_items_processed_total"
ANSWERS = "answers.yaml"


def _docker(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, check=False, timeout=120
    )


def start(session: Session) -> None:
    """No lab container and no lab image: the learner builds and runs both."""
    if _docker("rm", "--force", CONTAINER).returncode == 0:
        say(f"removed container {CONTAINER}")
    if image_labels(IMAGE) is not None and _docker("image", "rm", IMAGE).returncode == 0:
        say(f"removed image {IMAGE}")
    actions.prepare_workspace(session, LAB)


def solve(session: Session) -> None:
    build_app_image(TAG)
    _docker("rm", "--force", CONTAINER)
    # Any free host port: the check reads which one Docker chose. Off loopback only when the
    # Docker host is another machine (Docker-in-Docker), so its port can be reached.
    bind = LOOPBACK if docker_host_address() == LOOPBACK else "0.0.0.0"
    run(["docker", "run", "--detach", "--name", CONTAINER, "-p", f"{bind}::5000", IMAGE])
    url = _base_url()
    waits.wait_for(_healthy(url), f"{CONTAINER} to answer /health", 60)
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


def _healthy(url: str) -> waits.Condition:
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


def image_version(ctx: CheckContext) -> Verdict:
    version = (image_labels(IMAGE) or {}).get(VERSION_LABEL)
    if version != TAG:
        return failed(
            f"{IMAGE} says it is version {version!r}: build it with the build argument "
            f"APP_VERSION={TAG}"
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
        waits.wait_for(_healthy(url), "GET /health", 20)
    except waits.WaitTimeout as exc:
        return failed(str(exc))
    body = requests.get(f"{url}/health", timeout=5).json()
    return passed(f"GET {url}/health answered 200 {body}")


def data_posted(ctx: CheckContext) -> Verdict:
    value = _counter(ctx.memo["url"])
    ctx.memo["counter"] = value
    if value < 1:
        return failed(f"{COUNTER} is {value:g}: POST a JSON object to /data first")
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
    title="Run the service and its image locally",
    start=start,
    solve=solve,
    needs_cluster=False,
    steps=(
        Step("Docker answers", docker_answers, hint=1),
        Step(f"image {IMAGE} is built", image_built, hint=1),
        Step(f"the image says it is version {TAG}", image_version, hint=1),
        Step(f"container {CONTAINER} runs the image", running, hint=2),
        Step("the container's port 5000 is published on the host", published, hint=2),
        Step("GET /health answers 200", health, hint=2),
        Step("at least one item was POSTed to /data", data_posted, hint=3),
        Step("answers.yaml holds the counter you read in /metrics", answer, hint=3),
    ),
)

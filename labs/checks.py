"""Checks several labs share: the app Deployment, its current pods, rollouts, the ingress.

Each returns a Verdict in plain words, or raises StepFailed from deep inside a helper. Checks
that wait (a rollout in progress) print progress and fail fast on states that never recover
(CrashLoopBackOff, an image that is not in the node, OOMKilled).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
import yaml
from kubernetes.client import V1Container, V1Deployment, V1Pod
from kubernetes.utils import parse_quantity

from kindlab.cluster import waits
from kindlab.cluster.kube import Kube, or_none
from kindlab.cluster.names import APP_CONTAINER as CONTAINER
from kindlab.cluster.names import APP_NAME, APP_NAMESPACE
from kindlab.cluster.pods import current_pods as revision_pods
from kindlab.cluster.pods import is_ready, restart_count
from kindlab.core import wait
from labs.framework import CheckContext, StepFailed, Verdict, failed, passed

MI = 1024 * 1024


def deployment(kube: Kube) -> V1Deployment:
    found = or_none(kube.apps.read_namespaced_deployment, APP_NAME, APP_NAMESPACE)
    if found is None:
        raise StepFailed(f"there is no Deployment {APP_NAME} in namespace {APP_NAMESPACE}")
    return found


def app_container(dep: V1Deployment) -> V1Container:
    for container in dep.spec.template.spec.containers:
        if container.name == CONTAINER:
            return container
    raise StepFailed(f"the Deployment has no container named {CONTAINER!r}")


def current_pods(kube: Kube, dep: V1Deployment | None = None) -> list[V1Pod]:
    """Live pods of the app's latest revision, oldest first."""
    return revision_pods(kube, dep or deployment(kube))


def quantity(value: str | None) -> float | None:
    """A Kubernetes quantity ("128Mi", "1G", "500m") as a plain number; a bad one fails."""
    if value is None:
        return None
    try:
        return float(parse_quantity(value))
    except ValueError as exc:
        raise StepFailed(f"{value!r} is not a Kubernetes quantity: {exc}") from None


# How long a pod may look stuck (Unschedulable, crash-looping) before a check says so.
STUCK_SECONDS = 10.0

# --- steps -------------------------------------------------------------------------------


def deployment_exists(ctx: CheckContext) -> Verdict:
    dep = deployment(ctx.session.kube)
    return passed(f"Deployment {APP_NAME} exists ({dep.spec.replicas} replicas wanted)")


def rollout_complete(ctx: CheckContext, replicas: int | None = None) -> Verdict:
    """The latest revision fully rolled out, waiting (with progress) while it still moves."""
    kube = ctx.session.kube
    dep = deployment(kube)
    if replicas is not None and dep.spec.replicas != replicas:
        return failed(f"the Deployment wants {dep.spec.replicas} replicas, expected {replicas}")
    # A learner waits for the verdict, so a stuck pod is reported soon, but not at first sight: a
    # surge pod is Unschedulable for a few seconds while a terminating pod still holds its CPU
    # (the labs tier's lab 3 solution failed on exactly that, "Insufficient cpu").
    rolled = waits.deployment_rolled_out(kube, APP_NAMESPACE, APP_NAME, stuck_after=STUCK_SECONDS)
    try:
        state = wait.wait_for(rolled, "the app rollout", waits.ROLLOUT_TIMEOUT)
    except wait.WaitStuck as exc:
        return failed(f"the rollout cannot finish: {exc}")
    except wait.WaitTimeout as exc:
        return failed(f"the rollout did not complete: {exc}")
    return passed(f"rollout complete ({state})")


def pods_stable(ctx: CheckContext, seconds: float = 20) -> Verdict:
    """Every current pod Ready for `seconds` with no container restart meanwhile.

    A liveness probe that fails restarts a container only after failureThreshold x period, so
    pods that are Ready right now can still be doomed: this watches long enough to tell.
    """
    kube = ctx.session.kube
    pods = current_pods(kube)
    if not pods:
        return failed("the latest revision has no running pods")
    restarts = {p.metadata.name: restart_count(p) for p in pods}
    if any(restarts.values()):
        name, count = max(restarts.items(), key=lambda item: item[1])
        return failed(f"{name} has restarted {count} times: {describe_last_exit(pods, name)}")

    def steady() -> tuple[bool, str]:
        now = datetime.now(UTC)
        ages = []
        for pod in current_pods(kube):
            if pod.metadata.name not in restarts:
                raise StepFailed(f"a new pod {pod.metadata.name} appeared: something replaced one")
            if restart_count(pod):
                raise StepFailed(f"{pod.metadata.name} restarted: {describe_last_exit([pod])}")
            since = ready_since(pod)
            ages.append(0.0 if since is None else (now - since).total_seconds())
        youngest = min(ages) if ages else 0.0
        return bool(ages) and youngest >= seconds, f"youngest pod Ready for {youngest:.0f}s"

    state = wait.wait_for(steady, f"pods to stay Ready for {seconds:.0f}s", seconds + 90)
    return passed(f"{len(pods)} pods Ready with no restarts ({state})")


def ready_since(pod: V1Pod) -> datetime | None:
    for condition in pod.status.conditions or []:
        if condition.type == "Ready" and condition.status == "True":
            return condition.last_transition_time
    return None


def describe_last_exit(pods: list[V1Pod], name: str | None = None) -> str:
    for pod in pods:
        if name and pod.metadata.name != name:
            continue
        for status in pod.status.container_statuses or []:
            last = status.last_state.terminated if status.last_state else None
            if last:
                return f"last exit {last.reason} (code {last.exit_code})"
    return "no exit recorded"


def ingress_answers(ctx: CheckContext, path: str = "/version", count: int = 20) -> Verdict:
    """`count` GETs through Traefik with the Ingress's Host header: all must answer 200."""
    session = ctx.session
    statuses = Counter(status for _, status in session.ingress.answers(count, path))
    url = f"http://{session.urls.ingress_host}{_port(session.urls.ingress)}{path}"
    if set(statuses) != {"200"}:
        shown = ", ".join(f"{n}x {s}" for s, n in statuses.most_common())
        return failed(f"GET {url} answered {shown}")
    return passed(f"GET {url} answered 200 {count} times")


def ingress_routed(ctx: CheckContext, path: str = "/version") -> Verdict:
    """Traefik reloads its routes a moment after a change: give it time to catch up."""
    ingress = ctx.session.ingress

    def answers() -> tuple[bool, str]:
        try:
            status = ingress.get(path).status_code
        except requests.RequestException as exc:
            return False, type(exc).__name__
        return status == 200, f"GET {path} answered {status}"

    try:
        wait.wait_for(answers, "the ingress to route to the app", 45)
    except wait.WaitTimeout as exc:
        return failed(str(exc))
    return ingress_answers(ctx, path)


def ingress_spread(ctx: CheckContext, batch: int = 60, timeout: float = 45) -> Verdict:
    """A batch of requests through the ingress reaches every current pod.

    Traefik learns of new endpoints a few seconds after the Service lists them, so batches are
    retried for a while before concluding that traffic does not spread.
    """
    session = ctx.session
    seen: dict[str, Counter[str]] = {}

    def reaches_all() -> tuple[bool, str]:
        pods = {p.metadata.name for p in current_pods(session.kube) if is_ready(p)}
        served = Counter(pod for pod, _ in session.ingress.answers(batch))
        seen["last"] = served
        missing = sorted(pods - set(served))
        return bool(pods) and not missing, f"not reached: {missing}"

    try:
        wait.wait_for(reaches_all, "requests to reach every pod", timeout, interval=2)
    except wait.WaitTimeout as exc:
        shown = ", ".join(f"{pod} {n}" for pod, n in sorted(seen.get("last", {}).items()))
        return failed(f"{exc}; the last {batch} requests went to {shown}")
    shown = ", ".join(f"{pod} {n}" for pod, n in sorted(seen["last"].items()))
    return passed(f"{batch} requests reached all {len(seen['last'])} pods: {shown}")


def _port(url: str) -> str:
    tail = url.rsplit(":", 1)[-1]
    return f":{tail}" if tail.isdigit() else ""


# What the app serves (app/routes), and what each answer means to a probe.
APP_PORTS = ("http", 5000)
PROBE_SYMPTOMS = {
    ("readinessProbe", "/health"): (
        "GET /health answers 200 even while the app drains after SIGTERM, so a stopping pod "
        "keeps getting requests"
    ),
    ("livenessProbe", "/ready"): (
        "GET /ready answers 503 while the app drains, so the kubelet may kill a pod that is "
        "finishing its requests"
    ),
}
APP_PATHS = {"/", "/health", "/ready", "/version", "/work", "/fault", "/metrics"}


def probe_matches(container: V1Container, kind: str, path: str) -> Verdict:
    """The container's `kind` probe can succeed, and asks the question it is for; a failure
    says what the kubelet sees (the symptom), not what to write."""
    probe = getattr(container, kind)
    kind = {"readiness_probe": "readinessProbe", "liveness_probe": "livenessProbe"}.get(kind, kind)
    if probe is None:
        effect = "a hung process is never restarted" if kind == "livenessProbe" else ""
        return failed(f"the app container has no {kind}" + (f": {effect}" if effect else ""))
    get = probe.http_get
    if get is None:
        return failed(f"{kind} is not an httpGet probe, so it never asks the app itself")
    if get.port not in APP_PORTS:
        return failed(
            f"{kind} connects to port {get.port}, where nothing in the container listens: "
            "every probe fails with connection refused"
        )
    if get.path not in APP_PATHS:
        return failed(f"{kind} asks GET {get.path}, which the app answers 404: it always fails")
    if get.path != path:
        symptom = PROBE_SYMPTOMS.get((kind, get.path), "it does not ask what this probe is for")
        return failed(f"{kind} asks GET {get.path}: {symptom}")
    return passed(f"{kind}: GET {get.path} on port {get.port}")


# --- the learner's answer files -----------------------------------------------------------


def read_yaml_answers(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise StepFailed(f"{path} is missing: run `labctl start` for this lab to get it back")
    try:
        document = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise StepFailed(f"{path.name} is not valid YAML: {exc}") from None
    if not isinstance(document, dict):
        raise StepFailed(f"{path.name} should hold `key: value` lines")
    return document


def is_todo(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip().upper() in {"", "TODO"})

"""A pod whose server dies hard (SIGKILL, as an OOM kill does) costs no GET request.

Until kubelet notices and the endpoint goes, Traefik keeps choosing the dead pod and its
connections are refused; the edge's retry (k8s/addons/traefik/dynamic.yaml) sends those
requests to another pod. The same crash without the retry is the negative control.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest

from e2e.load import MIN_RATE, production_load
from kindlab.cluster import crash, edge, waits
from kindlab.cluster.health import live_app_pods
from kindlab.cluster.names import APP_NAME, APP_NAMESPACE, APP_SELECTOR
from kindlab.cluster.pods import restart_count
from kindlab.traffic import TrafficReport, traffic

pytestmark = pytest.mark.e2e

REPLICAS = 3
RETRY = "kindlab-retry@file"
MIDDLEWARES = "traefik.ingress.kubernetes.io/router.middlewares"
BASELINE_SECONDS = 3
AFTER_SECONDS = 3
POST_RATE = 20.0


@dataclass
class Crash:
    gets: TrafficReport
    posts: TrafficReport
    killed_at: float
    figures: dict

    def failed_after_kill(self, report: TrafficReport) -> list:
        return [r for r in report.failed if r.sent_at >= self.killed_at]


def _relative(failures: list, killed_at: float) -> list[str]:
    """Failed requests by when they left, relative to the kill: what the edge could not save."""
    return [f"{r.sent_at - killed_at:+.3f}s {r.status} {r.error}" for r in failures[:20]]


def _crash_under_load(kube, ingress) -> Crash:
    """GETs at the production rate and a trickle of POSTs while one pod's server is killed,
    until the container has restarted and answers through the ingress again."""
    victim = live_app_pods(kube)[0]
    name, restarts = victim.metadata.name, restart_count(victim)
    with (
        production_load(kube, ingress) as gets,
        traffic(ingress, rate=POST_RATE, path="/data", method="POST", body=b'{"k": 1}') as posts,
    ):
        time.sleep(BASELINE_SECONDS)
        killed_at = crash.kill_server(victim)

        def restarted() -> tuple[bool, str]:
            count = restart_count(kube.core.read_namespaced_pod(name, APP_NAMESPACE))
            return count > restarts, f"restartCount {count} (was {restarts})"

        waits.wait_for(restarted, f"kubelet to restart {name}", timeout=120)
        restart_seconds = time.time() - killed_at
        waits.wait_for(
            waits.pods_ready(kube, APP_NAMESPACE, APP_SELECTOR, REPLICAS), f"{name} Ready"
        )
        rejoined = set()

        def answering() -> tuple[bool, str]:
            rejoined.update(ingress.pods_answering(20))
            return name in rejoined, f"answered so far: {sorted(rejoined)}"

        waits.wait_for(answering, f"{name} to answer through the ingress again", timeout=60)
        rejoin_seconds = time.time() - killed_at
        time.sleep(AFTER_SECONDS)
    return Crash(
        gets,
        posts,
        killed_at,
        {
            "victim": name,
            "restart_seconds": round(restart_seconds, 1),
            "rejoin_seconds": round(rejoin_seconds, 1),
            "kill_at_second": round(killed_at - gets.started_at, 2),
            "posts": posts.summary(),
            "get_failures": _relative(gets.failed, killed_at),
            "post_failures": _relative(posts.failed, killed_at),
        },
    )


def test_crashed_server_costs_no_get_request(restore_app, ingress, run_report):
    kube = restore_app.kube
    waits.wait_for(edge.middlewares_in_force(kube, ingress.host, {RETRY}), "the retry in force")
    outcome = _crash_under_load(kube, ingress)
    run_report.record_traffic("crash_with_retry", outcome.gets, **outcome.figures)
    assert outcome.gets.failed == [], outcome.gets.summary()
    assert outcome.gets.rate() >= MIN_RATE, outcome.gets.summary()
    assert outcome.figures["victim"] in outcome.gets.pods


def test_without_the_retry_a_crash_fails_requests(restore_app, ingress, run_report):
    """Negative control: the same crash with the retry middleware taken off the Ingress."""
    kube = restore_app.kube
    kube.kubectl("annotate", "ingress", APP_NAME, "-n", APP_NAMESPACE, f"{MIDDLEWARES}-")
    waits.wait_for(edge.middlewares_in_force(kube, ingress.host, set()), "the retry taken off")
    outcome = _crash_under_load(kube, ingress)
    run_report.record_traffic("crash_without_retry", outcome.gets, **outcome.figures)
    assert outcome.failed_after_kill(outcome.gets), outcome.gets.summary()

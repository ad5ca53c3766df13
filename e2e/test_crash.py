"""A pod whose server dies hard (SIGKILL, as an OOM kill does) costs no request sent after it.

Until kubelet notices and the endpoint goes, Traefik keeps choosing the dead pod and its
connections are refused; the edge's retry (k8s/addons/traefik/dynamic.yaml) sends those
requests to another pod. The same crash without the retry is the negative control.

What no edge may save is a request the dead process had already received: it may have acted on
it, so Traefik never replays a written request (which is what keeps a POST from running twice).
Those requests were in flight when the signal landed, and the report counts them apart.

The goal is no failure after the kill, and most runs reach it; on a loaded machine a few (up to
3 of about 2,300 GETs seen, and once 1 of about 300 POSTs, sent 2 s after the kill) still fail
in the seconds after it, before Traefik has dropped the endpoint, so the bound below is a
handful of GETs and POSTs together, against the 57 to 70 failures of the same crash without
the retry.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from e2e.load import MIN_RATE, REPLICAS, production_load
from kindlab.bringup.health import live_app_pods
from kindlab.clients import traefik
from kindlab.cluster import waits
from kindlab.cluster.names import APP_NAME, APP_NAMESPACE, APP_SELECTOR
from kindlab.cluster.pods import restart_count
from kindlab.core import wait
from kindlab.drills import crash
from kindlab.load.traffic import TrafficReport, traffic

RETRY = "kindlab-retry@file"
# Requests sent after the kill that may still fail with the retry (see above), and the fewest
# the same crash must cost without it for the control to show the retry at work.
MAX_FAILED_WITH_RETRY = 5
MIN_FAILED_WITHOUT_RETRY = 20
MIDDLEWARES = "traefik.ingress.kubernetes.io/router.middlewares"
BASELINE_SECONDS = 3
AFTER_SECONDS = 3
POST_RATE = 20.0


@dataclass
class Crash:
    gets: TrafficReport
    posts: TrafficReport
    kill: crash.Kill
    died_at: float
    figures: dict

    def failed_after_kill(self, report: TrafficReport) -> list:
        """Failures of requests that left after the signal had landed: the edge's to save."""
        return [r for r in report.failed if r.sent_at > self.died_at]

    def in_flight_casualties(self, report: TrafficReport) -> list:
        return [r for r in report.failed if r.sent_at <= self.died_at]


def _relative(failures: list, kill: crash.Kill) -> list[str]:
    """Failed requests by when they left, relative to the kill."""
    return [f"{r.sent_at - kill.asked_at:+.3f}s {r.status} {r.error}" for r in failures[:20]]


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
        kill = crash.kill_server(victim)

        def restarted() -> tuple[bool, str]:
            count = restart_count(kube.core.read_namespaced_pod(name, APP_NAMESPACE))
            return count > restarts, f"restartCount {count} (was {restarts})"

        wait.wait_for(restarted, f"kubelet to restart {name}", timeout=120)
        restart_seconds = time.time() - kill.asked_at
        died_at = kill.exited_at()  # soon, before kubelet removes the dead container
        wait.wait_for(
            waits.pods_ready(kube, APP_NAMESPACE, APP_SELECTOR, REPLICAS), f"{name} Ready"
        )
        rejoined = set()

        def answering() -> tuple[bool, str]:
            rejoined.update(ingress.pods_answering(20))
            return name in rejoined, f"answered so far: {sorted(rejoined)}"

        wait.wait_for(answering, f"{name} to answer through the ingress again", timeout=60)
        rejoin_seconds = time.time() - kill.asked_at
        time.sleep(AFTER_SECONDS)
    outcome = Crash(gets, posts, kill, died_at, {})
    outcome.figures.update(
        {
            "victim": name,
            "restart_seconds": round(restart_seconds, 1),
            "rejoin_seconds": round(rejoin_seconds, 1),
            "kill_at_second": round(kill.asked_at - gets.started_at, 2),
            "kill_window_ms": round(1000 * (kill.done_at - kill.asked_at), 1),
            "died_ms_after_asked": round(1000 * (outcome.died_at - kill.asked_at), 1),
            "get_failed_after_kill": len(outcome.failed_after_kill(gets)),
            "get_in_flight_casualties": len(outcome.in_flight_casualties(gets)),
            "posts": posts.summary(),
            "post_failed_after_kill": len(outcome.failed_after_kill(posts)),
            "post_in_flight_casualties": len(outcome.in_flight_casualties(posts)),
            "get_failures": _relative(gets.failed, kill),
            "post_failures": _relative(posts.failed, kill),
        }
    )
    return outcome


def test_crashed_server_costs_almost_no_request(restore_app, ingress, run_report):
    kube = restore_app.kube
    wait.wait_for(traefik.middlewares_in_force(kube, ingress.host, {RETRY}), "the retry in force")
    outcome = _crash_under_load(kube, ingress)
    run_report.record_traffic("crash_with_retry", outcome.gets, **outcome.figures)
    failed = outcome.failed_after_kill(outcome.gets) + outcome.failed_after_kill(outcome.posts)
    assert len(failed) <= MAX_FAILED_WITH_RETRY, outcome.figures
    assert outcome.gets.rate() >= MIN_RATE, outcome.gets.summary()
    assert outcome.figures["victim"] in outcome.gets.pods


def test_without_the_retry_a_crash_fails_requests(restore_app, ingress, run_report):
    """Negative control: the same crash with the retry middleware taken off the Ingress."""
    kube = restore_app.kube
    kube.kubectl("annotate", "ingress", APP_NAME, "-n", APP_NAMESPACE, f"{MIDDLEWARES}-")
    wait.wait_for(traefik.middlewares_in_force(kube, ingress.host, set()), "the retry taken off")
    outcome = _crash_under_load(kube, ingress)
    run_report.record_traffic("crash_without_retry", outcome.gets, **outcome.figures)
    failed = outcome.failed_after_kill(outcome.gets)
    assert len(failed) >= MIN_FAILED_WITHOUT_RETRY, outcome.figures

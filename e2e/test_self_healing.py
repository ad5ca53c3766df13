"""Deleted and crashed pods are replaced without a failed request; a pod whose liveness
fails is restarted."""

from __future__ import annotations

import time

from e2e.load import MIN_RATE, REPLICAS, hold_replicas, production_load
from kindlab.bringup.health import live_app_pods
from kindlab.cluster import waits
from kindlab.cluster.names import APP_NAMESPACE, APP_SELECTOR
from kindlab.cluster.pods import restart_count
from kindlab.core import wait
from kindlab.drills import appops

BASELINE_SECONDS = 3


def test_deleted_pod_is_replaced_under_traffic(restore_app, ingress, run_report):
    kube = restore_app.kube
    victim = live_app_pods(kube)[0].metadata.name
    with production_load(kube, ingress) as report:
        time.sleep(BASELINE_SECONDS)
        started = time.monotonic()
        kube.core.delete_namespaced_pod(victim, APP_NAMESPACE)
        wait.wait_for(
            waits.pods_ready(kube, APP_NAMESPACE, APP_SELECTOR, REPLICAS), "replacement pod"
        )
        healed = time.monotonic() - started
        wait.wait_for(appops.settled(kube, REPLICAS), f"{victim} to exit", timeout=180)
    names = {p.metadata.name for p in live_app_pods(kube)}
    run_report.record_traffic("pod_deleted", report, heal_seconds=round(healed, 1))
    assert victim not in names and len(names) == REPLICAS
    assert not report.failed, report.summary()
    assert report.rate() >= MIN_RATE, report.summary()


def test_failing_liveness_restarts_the_container(restore_app, ingress, run_report):
    kube = restore_app.kube
    hold_replicas(kube)
    pod = live_app_pods(kube)[0]
    name, restarts_before = pod.metadata.name, restart_count(pod)
    started = time.monotonic()
    state = appops.inject_fault(kube, name, hang_liveness=True)
    assert state["hang_liveness"] is True

    def restarted() -> tuple[bool, str]:
        current = kube.core.read_namespaced_pod(name, APP_NAMESPACE)
        count = restart_count(current)
        return count > restarts_before, f"restartCount {count} (was {restarts_before})"

    wait.wait_for(restarted, f"kubelet to restart {name}", timeout=180)
    restart_seconds = time.monotonic() - started
    wait.wait_for(waits.pods_ready(kube, APP_NAMESPACE, APP_SELECTOR, REPLICAS), f"{name} Ready")
    rejoined = time.monotonic() - started
    run_report.record(
        "liveness_failure",
        restart_seconds=round(restart_seconds, 1),
        rejoin_seconds=round(rejoined, 1),
    )
    seen: set[str] = set()

    def answering() -> tuple[bool, str]:
        seen.update(ingress.pods_answering(20))
        return name in seen, f"answered so far: {sorted(seen)}"

    # Ready is not yet routed: Traefik learns of the endpoint a moment later.
    wait.wait_for(answering, f"{name} to answer through the ingress again", timeout=120)

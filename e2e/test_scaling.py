"""Scaling out spreads traffic over new pods; scaling in under traffic drops nothing."""

from __future__ import annotations

import contextlib
import time

from e2e.load import MIN_RATE, production_load
from kindlab.cluster import waits
from kindlab.cluster.names import APP_NAME, APP_NAMESPACE
from kindlab.core import wait
from kindlab.drills import appops, autoscaling

SAMPLES = 20


def test_scale_out_then_in(restore_app, ingress, prom, run_report):
    kube = restore_app.kube
    autoscaling.pause(kube)  # replicas set by hand must stay; restore_app brings it back
    started = time.monotonic()
    appops.scale(kube, 6)
    appops.wait_rolled_out(kube)
    wait.wait_for(waits.ready_endpoints(kube, APP_NAMESPACE, APP_NAME, 6), "6 endpoints")
    scale_up = time.monotonic() - started

    pods: set[str] = set()

    def spread() -> tuple[bool, str]:
        pods.update(ingress.pods_answering(SAMPLES))
        return len(pods) >= 6, f"{len(pods)} distinct pods answered"

    with contextlib.suppress(wait.WaitTimeout):
        wait.wait_for(spread, "traffic to reach all 6 pods", timeout=60)
    run_report.record("scale_out", seconds=round(scale_up, 1), distinct_pods=len(pods))
    assert len(pods) >= 5, f"traffic reached only {sorted(pods)}"

    with production_load(kube, ingress) as report:
        appops.scale(kube, 2)
        appops.wait_rolled_out(kube)
        wait.wait_for(waits.ready_endpoints(kube, APP_NAMESPACE, APP_NAME, 2), "2 endpoints")
        wait.wait_for(appops.settled(kube, 2), "removed pods to exit", timeout=180)
    run_report.record_traffic("scale_in", report)
    assert not report.failed, report.summary()
    assert report.rate() >= MIN_RATE, report.summary()

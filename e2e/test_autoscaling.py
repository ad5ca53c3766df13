"""The autoscaler scales the app on real CPU use: out under load and back in after it,
losing nothing (light traffic goes on while it scales in); and the check that says so fails
when the HPA cannot work (wrong target, no metrics API).

Load is bounded: GET /work?cpu_ms=N burns N ms of CPU per request, so RATE x CPU_MS is the
CPU the load costs (0.4 cores here), whatever the machine.
"""

from __future__ import annotations

import time

import pytest

from kindlab.bringup.addon_registry import addon
from kindlab.bringup.health import live_app_pods
from kindlab.bringup.metrics import (
    app_cpu_below,
    every_app_pod_measured,
    metrics_api_unavailable,
)
from kindlab.cluster import waits
from kindlab.cluster.names import APP_NAME, APP_NAMESPACE
from kindlab.core import wait
from kindlab.drills import appops, autoscaling
from kindlab.load.traffic import traffic

RATE, CPU_MS = 10, 40
WORK = f"/work?cpu_ms={CPU_MS}"
START_REPLICAS, SCALED_REPLICAS = 3, 5
SCALE_OUT_TIMEOUT, SCALE_IN_TIMEOUT = 300, 240
POLL_SECONDS = 5
# Half the HPA's 50 % target of the 100m request: CPU the autoscaler does not act on.
IDLE_MILLICORES = 25


def test_kubectl_top_lists_every_app_pod(deployed_app):
    kube = deployed_app.kube
    wait.wait_for(every_app_pod_measured(kube), "metrics for every app pod", 120)
    listing = kube.kubectl("top", "pods", "-n", APP_NAMESPACE, "--no-headers")
    shown = {line.split()[0]: line.split()[1:] for line in listing.splitlines() if line.strip()}
    for pod in live_app_pods(kube):
        cpu, memory = shown[pod.metadata.name]
        assert cpu.endswith("m") and memory.endswith("Mi"), listing


def test_hpa_scales_out_under_load_and_back_in(restore_app, ingress, run_report):
    kube = restore_app.kube
    appops.wait_rolled_out(kube)
    wait.wait_for(every_app_pod_measured(kube), "metrics for every app pod", 120)
    samples: list[autoscaling.Sample] = []
    started = time.monotonic()
    with traffic(ingress, rate=RATE, path=WORK, observe=lambda: appops.ready_pods(kube)) as load:
        wait.wait_for(
            autoscaling.scaled_out(kube, SCALED_REPLICAS, samples, started),
            f"the autoscaler to scale to {SCALED_REPLICAS}",
            SCALE_OUT_TIMEOUT,
            POLL_SECONDS,
        )
    load_stopped = time.monotonic() - started
    at_load_end = max(s.desired for s in samples)
    with traffic(ingress, rate=RATE) as after:
        wait.wait_for(
            autoscaling.scaling_in(kube, at_load_end, samples, started),
            "the autoscaler to start scaling in",
            SCALE_IN_TIMEOUT,
            POLL_SECONDS,
        )
        # All the way back, so the next tests start from the committed three pods.
        wait.wait_for(
            autoscaling.back_to(kube, START_REPLICAS, samples, started),
            f"the autoscaler to come back to {START_REPLICAS}",
            SCALE_IN_TIMEOUT,
            POLL_SECONDS,
        )
        wait.wait_for(appops.settled(kube, START_REPLICAS), "removed pods to exit", 180)
    first_up = next(s.seconds for s in samples if s.desired > START_REPLICAS)
    first_down = next(
        s.seconds for s in samples if s.seconds > load_stopped and s.desired < at_load_end
    )
    back = next(
        s.seconds for s in samples if s.seconds > first_down and s.desired == START_REPLICAS
    )
    run_report.record_traffic(
        "autoscaling",
        load,
        load=f"{RATE}/s x GET {WORK}",
        seconds_to_first_scale_up=round(first_up, 1),
        replicas_when_load_stopped=at_load_end,
        peak_replicas=max(s.desired for s in samples),
        load_seconds=round(load_stopped, 1),
        seconds_from_load_end_to_scale_in=round(first_down - load_stopped, 1),
        seconds_from_load_end_to_min_replicas=round(back - load_stopped, 1),
        after_load=after.summary(),
        hpa_conditions=samples[-1].conditions,
        replicas_over_time=[s.as_dict() for s in samples],
    )
    assert at_load_end >= SCALED_REPLICAS
    assert not load.failed, load.summary()
    assert not after.failed, after.summary()


def _calm(kube) -> None:
    """No load left in the metrics and the HPA back at the committed replicas.

    A negative control must start where the HPA has no reason to scale: CPU of an earlier
    test's load stays in metrics-server for a resolution period or two, and an HPA re-aimed
    at the app in that time scales out on it (a metrics-API control then sees five pods).
    """
    wait.wait_for(app_cpu_below(kube, IDLE_MILLICORES), "the last load to leave the metrics", 120)
    wait.wait_for(
        autoscaling.back_to(kube, START_REPLICAS, [], time.monotonic()),
        f"the autoscaler to be at {START_REPLICAS}",
        SCALE_IN_TIMEOUT,
        POLL_SECONDS,
    )


def _scale_check_under_load(kube, ingress) -> str:
    """Run the scale-out check under load; it must give up, and its reason is returned."""
    samples: list[autoscaling.Sample] = []
    with traffic(ingress, rate=RATE, path=WORK), pytest.raises(wait.WaitStuck) as caught:
        wait.wait_for(
            autoscaling.scaled_out(kube, SCALED_REPLICAS, samples, time.monotonic()),
            "an autoscaler that cannot work",
            SCALE_OUT_TIMEOUT,
            POLL_SECONDS,
        )
    assert all(s.desired <= START_REPLICAS for s in samples), "it scaled after all"
    return str(caught.value)


def test_scale_check_fails_when_the_hpa_targets_the_wrong_object(restore_app, ingress):
    """Negative control: an HPA aimed at a Deployment that does not exist never scales."""
    kube = restore_app.kube
    _calm(kube)
    patch = {"spec": {"scaleTargetRef": {"name": f"{APP_NAME}-nope"}}}
    autoscaling.api(kube).patch_namespaced_horizontal_pod_autoscaler(APP_NAME, APP_NAMESPACE, patch)
    reason = _scale_check_under_load(kube, ingress)
    assert "AbleToScale=False (FailedGetScale)" in reason
    # Before the teardown aims the HPA at the app again: it would scale on this load's CPU.
    wait.wait_for(app_cpu_below(kube, IDLE_MILLICORES), "the load to leave the metrics", 120)


def test_scale_check_fails_without_the_metrics_api(restore_app, ingress):
    """Negative control: with metrics-server gone the HPA reads no CPU and never scales."""
    kube = restore_app.kube
    _calm(kube)
    server = addon("metrics-server")
    scale = kube.apps.patch_namespaced_deployment_scale
    scale(server.deployment, server.namespace, {"spec": {"replicas": 0}})
    try:
        wait.wait_for(metrics_api_unavailable(kube), "the metrics API to stop answering", 120)
        reason = _scale_check_under_load(kube, ingress)
        assert "ScalingActive=False (FailedGetResourceMetric)" in reason
    finally:
        scale(server.deployment, server.namespace, {"spec": {"replicas": 1}})
        wait.wait_for(
            waits.deployment_rolled_out(kube, server.namespace, server.deployment), server.title
        )
        wait.wait_for(every_app_pod_measured(kube), "metrics for every app pod again", 180)

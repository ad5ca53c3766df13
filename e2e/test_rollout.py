"""Rolling updates under continuous traffic drop nothing; a bad release stalls safely.

The same checker (failed requests in the traffic record) is also run against a Deployment
whose shutdown is deliberately not graceful, to show it catches dropped requests.
"""

from __future__ import annotations

import time

import pytest

from e2e.load import MIN_RATE, REPLICAS, ROLLOUT_REQUESTS, production_load
from kindlab.cluster import waits
from kindlab.cluster.names import APP_CONTAINER, APP_NAME, APP_NAMESPACE
from kindlab.core import wait
from kindlab.drills import appops

AFTER_ROLLOUT_SAMPLE = 30
# The old release alone first, so the charts show the change against a baseline.
BASELINE_SECONDS = 3


def _versions_after_rollout(kube, ingress, version: str) -> set[str]:
    """Who answers once the old pods are gone (they serve on during their preStop pause)."""
    wait.wait_for(appops.only_release_left(kube, version), f"only {version} pods", 120)
    return {ingress.get("/version").headers["X-App-Version"] for _ in range(AFTER_ROLLOUT_SAMPLE)}


def _roll(kube, ingress, action, min_requests: int = ROLLOUT_REQUESTS) -> tuple[dict, float]:
    """Traffic from before the change until the last old pod has exited, not just until the
    Deployment reports complete: old pods drain and stop after that."""
    with production_load(kube, ingress, min_requests=min_requests) as report:
        time.sleep(BASELINE_SECONDS)
        started = time.monotonic()
        action()
        appops.wait_rolled_out(kube)
        wait.wait_for(appops.settled(kube, REPLICAS), "old pods to exit", timeout=180)
        seconds = time.monotonic() - started
    return report, seconds


def _assert_clean_rollout(report, old: str, new: str) -> None:
    assert not report.failed, report.summary()
    assert report.sent >= ROLLOUT_REQUESTS, report.summary()
    assert report.rate() >= MIN_RATE, report.summary()
    assert {old, new} <= set(report.versions()), "both releases must answer during the rollout"


def _roll_between(run_report, scenario: str, kube, ingress, releases: tuple[str, str], action):
    """One rollout from releases[0] to releases[1] under load: recorded, then judged."""
    before, after = releases
    report, seconds = _roll(kube, ingress, action)
    run_report.record_traffic(
        scenario,
        report,
        rollout_seconds=round(seconds, 1),
        both_releases_serving=report.serving_window(before, after),
    )
    _assert_clean_rollout(report, before, after)
    assert _versions_after_rollout(kube, ingress, after) == {after}


def test_rolling_update_and_undo_drop_no_request(restore_app, ingress, app_images, run_report):
    kube = restore_app.kube
    old, new = (ref.rsplit(":", 1)[1] for ref in (app_images["v1"], app_images["v2"]))

    _roll_between(run_report, "rolling_update", kube, ingress, (old, new),
                  lambda: appops.set_release(kube, app_images["v2"], new))  # fmt: skip
    _roll_between(run_report, "rollout_undo", kube, ingress, (new, old),
                  lambda: appops.rollout_undo(kube))  # fmt: skip


def test_bad_release_stalls_while_old_pods_serve(restore_app, ingress, run_report):
    kube = restore_app.kube
    started = time.monotonic()
    with production_load(kube, ingress, min_requests=ROLLOUT_REQUESTS) as report:
        appops.set_progress_deadline(kube, 30)
        appops.set_env(kube, FAULT_READY="false")
        state = wait.wait_for(
            waits.deployment_condition(
                kube, APP_NAMESPACE, APP_NAME, "Progressing", "ProgressDeadlineExceeded"
            ),
            "the rollout to report ProgressDeadlineExceeded",
            timeout=240,
        )
        stalled_after = time.monotonic() - started
        appops.rollout_undo(kube)
        appops.wait_rolled_out(kube)
        wait.wait_for(appops.settled(kube, REPLICAS), "the stuck pod to go", timeout=180)
    run_report.record_traffic(
        "bad_rollout", report, deadline_exceeded_after_seconds=round(stalled_after, 1)
    )
    assert "ProgressDeadlineExceeded" in state
    assert not report.failed, report.summary()
    assert report.sent >= ROLLOUT_REQUESTS, report.summary()
    dep = kube.apps.read_namespaced_deployment(APP_NAME, APP_NAMESPACE)
    assert dep.status.available_replicas == dep.spec.replicas


def test_checker_catches_drops_when_shutdown_is_abrupt(restore_app, ingress, run_report):
    """Negative control: no preStop pause, no drain, tiny grace → the rollout must drop requests."""
    kube = restore_app.kube
    # One patch, so one rollout (a strategic merge: `None` removes the preStop hook).
    abrupt = {"name": APP_CONTAINER, "lifecycle": None, "env": [
        {"name": "SHUTDOWN_DRAIN_SECONDS", "value": "0"},
        {"name": "GRACEFUL_TIMEOUT", "value": "1"},
    ]}  # fmt: skip
    template = {"spec": {"terminationGracePeriodSeconds": 1, "containers": [abrupt]}}
    kube.apps.patch_namespaced_deployment(APP_NAME, APP_NAMESPACE, {"spec": {"template": template}})
    appops.wait_rolled_out(kube)
    # The control needs no volume: any drop proves the checker sees drops.
    report, seconds = _roll(kube, ingress, lambda: appops.set_env(kube, ROLL="1"), min_requests=0)
    run_report.record_traffic("abrupt_shutdown_control", report, rollout_seconds=round(seconds, 1))
    assert report.failed, f"an abrupt shutdown dropped nothing: {report.summary()}"


def test_a_rollout_that_cannot_progress_is_reported_early_with_its_reason(restore_app, run_report):
    """The rollout wait gives up on an image that no node has (WaitStuck, naming the pod's
    state) instead of waiting out its whole timeout."""
    kube = restore_app.kube
    started = time.monotonic()
    appops.set_release(kube, "kindlab/app:never-built", "never-built")
    with pytest.raises(wait.WaitStuck) as caught:
        appops.wait_rolled_out(kube)
    run_report.record(
        "stuck_rollout",
        gave_up_after_seconds=round(time.monotonic() - started, 1),
        timeout_seconds=waits.ROLLOUT_TIMEOUT,
        reason=str(caught.value)[:300],
    )
    assert any(r in str(caught.value) for r in ("ErrImagePull", "ImagePullBackOff")), caught.value

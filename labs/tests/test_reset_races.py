"""Resetting a lab while something else writes the same objects: the autoscaler writes its
status every sync and the Deployment controller all through a rollout, so a reset that reads an
object and then replaces it meets a newer version (409 Conflict) sooner or later; the labs
tier met one in CI (lab 3's start), and read-then-replace with ten retries still lost to a
writer every 10 ms (stop 13's CI run).

A Service is replaced without a resourceVersion, so no writer can make it fail; a
PodDisruptionBudget (its status needs ordered writes) is read first and retried, against a
writer as busy as the disruption controller in a rollout."""

from __future__ import annotations

import threading
import time

import pytest

from kindlab.bringup.appdeploy import APP_OVERLAY
from kindlab.cluster.apply import render, replace_objects
from kindlab.cluster.names import APP_NAME, APP_NAMESPACE

MARK = "kindlab.test/other-writer"
REPLACES = 15


@pytest.mark.parametrize(
    ("kind", "write_every"),
    [("Service", 0.01), ("PodDisruptionBudget", 0.1)],
    ids=["service-unconditional", "pdb-read-and-retry"],
)
def test_replacing_an_object_another_writer_keeps_changing_ends_as_committed(
    session, kind, write_every
):
    kube = session.kube
    committed = next(o for o in render(kube, APP_OVERLAY) if o["kind"] == kind)
    assert committed["metadata"]["name"] == APP_NAME
    resource = kube.dynamic.resources.get(api_version=committed["apiVersion"], kind=kind)
    stop = threading.Event()
    writes = []

    def other_writer() -> None:
        while not stop.is_set():
            patch = {"metadata": {"annotations": {MARK: str(len(writes))}}}
            resource.patch(
                body=patch,
                name=APP_NAME,
                namespace=APP_NAMESPACE,
                content_type="application/merge-patch+json",
            )
            writes.append(time.monotonic())
            time.sleep(write_every)

    writer = threading.Thread(target=other_writer, daemon=True)
    writer.start()
    try:
        for _ in range(REPLACES):
            replace_objects(kube, [committed])
    finally:
        stop.set()
        writer.join(timeout=10)
    assert len(writes) > 1, f"the other writer wrote only {len(writes)} times"

    replace_objects(kube, [committed])
    live = resource.get(name=APP_NAME, namespace=APP_NAMESPACE)
    assert MARK not in (live.metadata.annotations or {}), "the replace left another's field"

"""Resetting a lab while something else writes the same objects: the autoscaler writes its
status every sync and the Deployment controller all through a rollout, so a reset that reads an
object and then replaces it meets a newer version (409 Conflict) sooner or later; the labs
tier met one in CI (lab 3's start)."""

from __future__ import annotations

import threading
import time

from kindlab.bringup.appdeploy import APP_OVERLAY
from kindlab.cluster.apply import render, replace_objects
from kindlab.cluster.names import APP_NAME, APP_NAMESPACE

MARK = "kindlab.test/other-writer"
REPLACES = 15


def test_replacing_an_object_another_writer_keeps_changing_ends_as_committed(session):
    kube = session.kube
    service = next(o for o in render(kube, APP_OVERLAY) if o["kind"] == "Service")
    assert service["metadata"]["name"] == APP_NAME
    stop = threading.Event()
    writes = []

    def other_writer() -> None:
        while not stop.is_set():
            patch = {"metadata": {"annotations": {MARK: str(len(writes))}}}
            kube.core.patch_namespaced_service(APP_NAME, APP_NAMESPACE, patch)
            writes.append(time.monotonic())
            time.sleep(0.01)

    writer = threading.Thread(target=other_writer, daemon=True)
    writer.start()
    try:
        for _ in range(REPLACES):
            replace_objects(kube, [service])
    finally:
        stop.set()
        writer.join(timeout=10)
    assert len(writes) > REPLACES, f"the other writer wrote only {len(writes)} times"

    replace_objects(kube, [service])
    live = kube.core.read_namespaced_service(APP_NAME, APP_NAMESPACE)
    assert MARK not in (live.metadata.annotations or {}), "the replace left another's field"

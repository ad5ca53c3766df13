"""Lab 6's "a deleted pod was replaced" rule, on plain data: a replacement is a pod of the
current ReplicaSet created after its rollout finished. A learner may check hours after deleting
the pod, when its Events have expired; the labs tier deletes the Events before every passing
check (labs/tests/test_labs.py) to prove the step does without them on a real cluster."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta

from labs import catalog

catalog.get(6)
# The catalog loads labs/06-self-healing/lab.py (a folder name Python cannot import) as labs.lab06.
LAB_MODULE = importlib.import_module("labs.lab06")
ROLLED_OUT = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return ROLLED_OUT + timedelta(seconds=seconds)


def test_a_pod_created_after_the_rollout_finished_is_a_replacement():
    created = {"kindlab-app-5d4f-a": at(-40), "kindlab-app-5d4f-b": at(-20), "c": at(3 * 3600)}
    assert LAB_MODULE.replacements(created, ROLLED_OUT) == ["c"]


def test_the_pods_the_rollout_made_are_no_replacement():
    created = {"a": at(-40), "b": at(-20), "c": at(-5)}
    assert LAB_MODULE.replacements(created, ROLLED_OUT) == []


def test_nothing_is_a_replacement_before_the_rollout_finished():
    assert LAB_MODULE.replacements({"a": at(-40), "b": at(300)}, None) == []

"""Lab 6's "a deleted pod was replaced" step, on made-up cluster objects. A learner may check
hours after deleting the pod, when its Events have expired: the step must judge from what
lasts, the time the Deployment finished its rollout and the times its pods were created."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from kubernetes.client import (
    V1Deployment,
    V1DeploymentCondition,
    V1DeploymentSpec,
    V1DeploymentStatus,
    V1LabelSelector,
    V1ObjectMeta,
    V1OwnerReference,
    V1Pod,
    V1PodTemplateSpec,
    V1ReplicaSet,
    V1ReplicaSetSpec,
)

from kindlab.cluster.pods import REVISION
from labs import catalog
from labs.framework import CheckContext, Verdict

catalog.get(6)
# The catalog loads labs/06-self-healing/lab.py (a folder name Python cannot import) as labs.lab06.
LAB_MODULE = importlib.import_module("labs.lab06")
ROLLED_OUT = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
SELECTOR = {"app.kubernetes.io/name": "kindlab-app"}


def at(seconds: float) -> datetime:
    return ROLLED_OUT + timedelta(seconds=seconds)


def owner(kind: str, name: str, uid: str) -> V1OwnerReference:
    return V1OwnerReference(api_version="apps/v1", kind=kind, name=name, uid=uid)


def fake_kube(created: dict[str, datetime], rolled_out_at: datetime | None) -> SimpleNamespace:
    """The app's Deployment, its current ReplicaSet and pods, and no Events at all."""
    progressing = V1DeploymentCondition(
        type="Progressing",
        status="True",
        reason="NewReplicaSetAvailable",
        message='ReplicaSet "kindlab-app-5d4f" has successfully progressed.',
        last_update_time=rolled_out_at,
    )
    dep = V1Deployment(
        metadata=V1ObjectMeta(
            name="kindlab-app", namespace="kindlab", uid="dep-uid", annotations={REVISION: "2"}
        ),
        spec=V1DeploymentSpec(
            replicas=3,
            selector=V1LabelSelector(match_labels=SELECTOR),
            template=V1PodTemplateSpec(),
        ),
        status=V1DeploymentStatus(conditions=[progressing] if rolled_out_at else []),
    )
    rs = V1ReplicaSet(
        metadata=V1ObjectMeta(
            name="kindlab-app-5d4f",
            uid="rs-uid",
            annotations={REVISION: "2"},
            owner_references=[owner("Deployment", "kindlab-app", "dep-uid")],
        ),
        spec=V1ReplicaSetSpec(selector=V1LabelSelector(match_labels=SELECTOR)),
    )
    pods = [
        V1Pod(
            metadata=V1ObjectMeta(
                name=name,
                uid=f"{name}-uid",
                creation_timestamp=when,
                owner_references=[owner("ReplicaSet", "kindlab-app-5d4f", "rs-uid")],
            )
        )
        for name, when in created.items()
    ]
    return SimpleNamespace(
        apps=SimpleNamespace(
            read_namespaced_deployment=lambda name, namespace: dep,
            list_namespaced_replica_set=lambda namespace, label_selector: SimpleNamespace(
                items=[rs]
            ),
        ),
        core=SimpleNamespace(
            list_namespaced_pod=lambda namespace, label_selector: SimpleNamespace(items=pods),
            list_namespaced_event=lambda namespace, field_selector: SimpleNamespace(items=[]),
        ),
    )


def check(tmp_path: Path, created: dict[str, datetime], rolled_out_at: datetime | None) -> Verdict:
    session = SimpleNamespace(kube=fake_kube(created, rolled_out_at), workdir=tmp_path)
    return LAB_MODULE.pod_replaced(CheckContext(session=session))


def test_a_pod_created_after_the_rollout_finished_is_a_replacement():
    created = {"kindlab-app-5d4f-a": at(-40), "kindlab-app-5d4f-b": at(-20), "c": at(300)}
    assert LAB_MODULE.replacements(created, ROLLED_OUT) == ["c"]


def test_the_pods_the_rollout_made_are_no_replacement():
    created = {"a": at(-40), "b": at(-20), "c": at(-5)}
    assert LAB_MODULE.replacements(created, ROLLED_OUT) == []
    assert LAB_MODULE.replacements({"a": at(-40), "b": at(300)}, None) == [], "rollout unfinished"


def test_a_replaced_pod_passes_hours_later_when_no_event_is_left(tmp_path):
    """Red on the code that counted SuccessfulCreate Events: with none left it failed."""
    verdict = check(tmp_path, {"a": at(-40), "b": at(-20), "c": at(3 * 3600)}, ROLLED_OUT)
    assert verdict.ok, verdict.detail
    assert "c" in verdict.detail and "kindlab-app-5d4f" in verdict.detail


def test_with_the_rollouts_pods_only_the_step_fails_and_says_what_it_saw(tmp_path):
    verdict = check(tmp_path, {"a": at(-40), "b": at(-20), "c": at(-5)}, ROLLED_OUT)
    assert not verdict.ok
    assert "none of them has gone away" in verdict.detail
    assert "delete" not in verdict.detail, "the symptom, not the fix"


def test_an_unfinished_rollout_is_reported_as_such(tmp_path):
    verdict = check(tmp_path, {"a": at(-40), "b": at(300)}, None)
    assert not verdict.ok
    assert "rollout" in verdict.detail

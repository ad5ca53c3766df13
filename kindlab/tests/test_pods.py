import pytest
from kubernetes.client import (
    V1ContainerState,
    V1ContainerStateWaiting,
    V1ContainerStatus,
    V1ObjectMeta,
    V1Pod,
    V1PodCondition,
    V1PodSpec,
    V1PodStatus,
)

from kindlab.cluster.pods import is_ready, runs_older_build, stuck_reason


def _pod(conditions=(), waiting=None) -> V1Pod:
    statuses = []
    if waiting:
        state = V1ContainerState(waiting=V1ContainerStateWaiting(reason=waiting, message="why"))
        statuses.append(
            V1ContainerStatus(
                name="app", image="i", image_id="", ready=False, restart_count=0, state=state
            )
        )
    return V1Pod(
        metadata=V1ObjectMeta(name="p-1"),
        status=V1PodStatus(conditions=list(conditions), container_statuses=statuses),
    )


def test_ready_pod():
    assert is_ready(_pod([V1PodCondition(type="Ready", status="True")]))
    assert not is_ready(_pod([V1PodCondition(type="Ready", status="False")]))


@pytest.mark.parametrize("reason", ["CrashLoopBackOff", "ErrImageNeverPull", "ImagePullBackOff"])
def test_hopeless_container_states_are_named(reason):
    assert reason in stuck_reason(_pod(waiting=reason))


def test_unschedulable_is_named():
    cond = V1PodCondition(
        type="PodScheduled", status="False", reason="Unschedulable", message="untolerated taint"
    )
    assert "untolerated taint" in stuck_reason(_pod([cond]))


def test_a_container_that_is_merely_starting_is_not_stuck():
    assert stuck_reason(_pod(waiting="ContainerCreating")) is None


def _running(image_id: str, node: str = "node-1", container: str = "app") -> V1Pod:
    status = V1ContainerStatus(
        name=container, image="kindlab/app:local", image_id=image_id, ready=True, restart_count=0
    )
    return V1Pod(
        metadata=V1ObjectMeta(name="p-1"),
        spec=V1PodSpec(containers=[], node_name=node),
        status=V1PodStatus(container_statuses=[status]),
    )


def test_a_pod_of_the_build_its_node_holds_is_current():
    pod = _running("docker.io/library/import-2026-12-02@sha256:new")
    assert not runs_older_build(pod, "app", {"node-1": "sha256:new"})


@pytest.mark.parametrize(
    "digests", [{"node-1": "sha256:new"}, {"node-1": None}, {"node-2": "sha256:old"}]
)
def test_a_pod_of_another_build_is_older(digests):
    """Rebuilt under the same tag, gone from the node, or judged by another node's image."""
    assert runs_older_build(_running("import@sha256:old"), "app", digests)


def test_only_the_named_container_counts():
    pod = _running("import@sha256:old", container="sidecar")
    assert not runs_older_build(pod, "app", {"node-1": "sha256:new"})

import pytest
from kubernetes.client import (
    V1ContainerState,
    V1ContainerStateWaiting,
    V1ContainerStatus,
    V1ObjectMeta,
    V1Pod,
    V1PodCondition,
    V1PodStatus,
)

from kindlab.cluster.pods import is_ready, stuck_reason

pytestmark = pytest.mark.unit


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

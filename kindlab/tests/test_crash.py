"""Which container a hard crash targets, read from the pod's status."""

import pytest
from kubernetes.client import (
    V1ContainerState,
    V1ContainerStateRunning,
    V1ContainerStateTerminated,
    V1ContainerStatus,
    V1ObjectMeta,
    V1Pod,
    V1PodStatus,
)

from kindlab.core.process import CommandError
from kindlab.drills import crash
from kindlab.drills.crash import container_id


def _pod(running: bool) -> V1Pod:
    state = (
        V1ContainerState(running=V1ContainerStateRunning())
        if running
        else V1ContainerState(terminated=V1ContainerStateTerminated(exit_code=137))
    )
    status = V1ContainerStatus(
        name="app", container_id="containerd://abc123", state=state,
        image="i", image_id="x", ready=running, restart_count=0,
    )  # fmt: skip
    return V1Pod(metadata=V1ObjectMeta(name="p"), status=V1PodStatus(container_statuses=[status]))


def test_the_running_containers_runtime_id():
    assert container_id(_pod(running=True)) == "abc123"


def test_a_container_that_is_not_running_cannot_be_crashed():
    with pytest.raises(ValueError, match="no running container 'app'"):
        container_id(_pod(running=False))


def test_a_removed_container_dates_its_death_by_the_kill_window(monkeypatch):
    """kubelet may garbage-collect the dead container before its end time is read (seen in CI:
    crictl answered NotFound); the crash figures then use the end of the kill window."""

    def gone(*args):
        raise CommandError("crictl inspect: NotFound")

    monkeypatch.setattr(crash, "_inspect", gone)
    assert crash.Kill("node", "abc123", asked_at=10.0, done_at=10.2).exited_at() == 10.2

import pytest
from kubernetes.client import (
    V2CrossVersionObjectReference,
    V2HorizontalPodAutoscaler,
    V2HorizontalPodAutoscalerCondition,
    V2HorizontalPodAutoscalerSpec,
    V2HorizontalPodAutoscalerStatus,
)

from kindlab.drills.autoscaling import broken_reason, conditions


def _hpa(*conds: tuple[str, str, str]) -> V2HorizontalPodAutoscaler:
    made = [
        V2HorizontalPodAutoscalerCondition(type=t, status=s, reason=r, message=f"{r} detail")
        for t, s, r in conds
    ]
    target = V2CrossVersionObjectReference(api_version="apps/v1", kind="Deployment", name="x")
    return V2HorizontalPodAutoscaler(
        spec=V2HorizontalPodAutoscalerSpec(max_replicas=8, scale_target_ref=target),
        status=V2HorizontalPodAutoscalerStatus(desired_replicas=3, conditions=made),
    )


def test_a_working_hpa_is_not_broken():
    hpa = _hpa(
        ("AbleToScale", "True", "ReadyForNewScale"), ("ScalingActive", "True", "ValidMetricFound")
    )
    assert broken_reason(hpa) is None
    assert conditions(hpa) == {
        "AbleToScale": "True/ReadyForNewScale",
        "ScalingActive": "True/ValidMetricFound",
    }


@pytest.mark.parametrize(
    ("kind", "reason"),
    [("AbleToScale", "FailedGetScale"), ("ScalingActive", "FailedGetResourceMetric")],
)
def test_the_hpa_says_why_it_cannot_scale(kind, reason):
    assert (
        broken_reason(_hpa((kind, "False", reason))) == f"{kind}=False ({reason}): {reason} detail"
    )


def test_scaling_limited_is_not_broken():
    assert broken_reason(_hpa(("ScalingLimited", "True", "TooManyReplicas"))) is None

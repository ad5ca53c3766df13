"""Lab 7: scaling. The start state runs one replica and ships a broken autoscaler in the
workspace. The learner scales by hand to 4 (checked end to end: pods, endpoints, traffic through
the ingress) and fixes the HorizontalPodAutoscaler. Its CPU-based scaling cannot be shown on
this cluster, which has no metrics-server, and the check says so instead of pretending."""

from __future__ import annotations

from kubernetes.dynamic.exceptions import NotFoundError

from kindlab.cluster import appops, waits
from kindlab.cluster.names import APP_NAME, APP_NAMESPACE
from labs import actions, checks
from labs.framework import CheckContext, Lab, Step, StepFailed, Verdict, failed, passed
from labs.session import Session

REPLICAS = 4
MIN_REPLICAS, MAX_REPLICAS, CPU_TARGET = 2, 8, 70
HPA_SYNC_TIMEOUT = 60


def start(session: Session) -> None:
    actions.baseline(session)
    actions.prepare_workspace(session, LAB)
    appops.scale(session.kube, 1)
    appops.wait_rolled_out(session.kube)


def solve(session: Session) -> None:
    kube = session.kube
    kube.kubectl("scale", f"deployment/{APP_NAME}", "-n", APP_NAMESPACE, f"--replicas={REPLICAS}")
    appops.wait_rolled_out(kube)
    actions.kubectl_apply(session, LAB.folder / "solution")


def scaled(ctx: CheckContext) -> Verdict:
    replicas = checks.deployment(ctx.session.kube).spec.replicas
    if replicas != REPLICAS:
        return failed(f"the Deployment wants {replicas} replicas; scale it to {REPLICAS}")
    return passed(f"the Deployment wants {REPLICAS} replicas")


def pods_ready(ctx: CheckContext) -> Verdict:
    return checks.rollout_complete(ctx, replicas=REPLICAS)


def endpoints(ctx: CheckContext) -> Verdict:
    condition = waits.ready_endpoints(ctx.session.kube, APP_NAMESPACE, APP_NAME, REPLICAS)
    try:
        return passed(waits.wait_for(condition, "Service endpoints", 30))
    except waits.WaitTimeout as exc:
        return failed(str(exc))


def _hpa(ctx: CheckContext) -> object:
    resource = ctx.session.kube.dynamic.resources.get(
        api_version="autoscaling/v2", kind="HorizontalPodAutoscaler"
    )
    try:
        return resource.get(name=APP_NAME, namespace=APP_NAMESPACE)
    except NotFoundError:
        raise StepFailed(
            f"there is no HorizontalPodAutoscaler {APP_NAME} in {APP_NAMESPACE}"
        ) from None


def hpa_exists(ctx: CheckContext) -> Verdict:
    _hpa(ctx)
    return passed(f"HorizontalPodAutoscaler {APP_NAME} exists")


def hpa_target(ctx: CheckContext) -> Verdict:
    ref = _hpa(ctx).spec.scaleTargetRef
    wanted = ("apps/v1", "Deployment", APP_NAME)
    if (ref.apiVersion, ref.kind, ref.name) != wanted:
        return failed(
            f"it scales {ref.kind} {ref.name} ({ref.apiVersion}); the app is "
            f"{wanted[1]} {wanted[2]} ({wanted[0]})"
        )

    def able() -> tuple[bool, str]:
        conditions = {c.type: c for c in _hpa(ctx).status.conditions or []}
        found = conditions.get("AbleToScale")
        state = f"AbleToScale={found.status} ({found.reason})" if found else "not synced yet"
        return bool(found and found.status == "True"), state

    try:
        state = waits.wait_for(able, "the HPA controller to read the Deployment", HPA_SYNC_TIMEOUT)
    except waits.WaitTimeout as exc:
        return failed(f"the controller cannot read the Deployment's scale: {exc}")
    return passed(f"it scales Deployment {APP_NAME}; the controller reports {state}")


def hpa_range(ctx: CheckContext) -> Verdict:
    spec = _hpa(ctx).spec
    low, high = spec.minReplicas or 1, spec.maxReplicas
    if (low, high) != (MIN_REPLICAS, MAX_REPLICAS):
        asked = f"{MIN_REPLICAS} to {MAX_REPLICAS}"
        return failed(f"it keeps {low} to {high} replicas; the lab asks for {asked}")
    return passed(f"it keeps {low} to {high} replicas (now {REPLICAS}, inside that range)")


def hpa_metric(ctx: CheckContext) -> Verdict:
    hpa = _hpa(ctx)
    metrics = hpa.spec.metrics or []
    cpu = [
        m.resource.target
        for m in metrics
        if m.type == "Resource" and m.resource and m.resource.name == "cpu"
    ]
    if not cpu:
        return failed("it has no CPU resource metric")
    target = cpu[0]
    if target.type != "Utilization" or target.averageUtilization != CPU_TARGET:
        shown = target.averageUtilization or target.averageValue or target.value
        return failed(
            f"its CPU target is {target.type} {shown}; asked for Utilization {CPU_TARGET} (%), "
            "which is relative to each container's CPU request"
        )
    request = checks.app_container(checks.deployment(ctx.session.kube)).resources.requests or {}
    if "cpu" not in request:
        return failed("utilisation is relative to the CPU request, and the app container has none")
    conditions = {c.type: c for c in hpa.status.conditions or []}
    active = conditions.get("ScalingActive")
    if active is not None and active.status != "True":
        note = (
            f"the controller reports ScalingActive=False ({active.reason}): this cluster has no "
            "metrics-server, so CPU use cannot be measured and nothing scales by load here"
        )
    else:
        note = "the controller reads CPU metrics and scales on them"
    return passed(f"{CPU_TARGET} % of the {request['cpu']} CPU request per pod; {note}")


LAB = Lab(
    number=7,
    slug="07-scaling",
    title="Scaling: by hand, then an autoscaler",
    start=start,
    solve=solve,
    steps=(
        Step(f"Deployment scaled by hand to {REPLICAS} replicas", scaled, hint=1),
        Step(f"rollout complete: {REPLICAS} pods Ready", pods_ready, hint=1),
        Step(f"the Service has {REPLICAS} ready endpoints", endpoints, hint=1),
        Step("requests through the ingress reach every pod", checks.ingress_spread, hint=2),
        Step("HorizontalPodAutoscaler kindlab-app exists", hpa_exists, hint=2),
        Step("the autoscaler finds and reads Deployment kindlab-app", hpa_target, hint=3),
        Step(f"the autoscaler keeps {MIN_REPLICAS} to {MAX_REPLICAS} replicas", hpa_range, hint=3),
        Step(f"the autoscaler aims at {CPU_TARGET} % average CPU use", hpa_metric, hint=3),
    ),
)

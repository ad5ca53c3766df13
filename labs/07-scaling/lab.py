"""Lab 7: autoscaling. The start state replaces the app's autoscaler with a colleague's broken
one (wrong target, wrong range, a CPU amount instead of a utilisation). The learner fixes and
applies it; the check then reads what the controller says, drives bounded CPU load through the
ingress itself, and passes only when the HorizontalPodAutoscaler (not a person) adds pods."""

from __future__ import annotations

import time

from kindlab.cluster.names import APP_NAME, APP_NAMESPACE
from kindlab.core import wait
from kindlab.drills import autoscaling
from kindlab.load.traffic import TrafficGenerator
from labs import actions, checks, yours
from labs.framework import CheckContext, Lab, Step, StepFailed, Verdict, failed, passed
from labs.session import Session

MIN_REPLICAS, MAX_REPLICAS, CPU_TARGET = 3, 8, 50
MAX_CALM_SECONDS = 60
SCALED_REPLICAS = 5
# The load the check sends: 10 requests/s, each burning 40 ms of CPU (0.4 cores in all).
RATE, CPU_MS = 10, 40
WORK = f"/work?cpu_ms={CPU_MS}"
HPA_SYNC_TIMEOUT = 90
SCALE_TIMEOUT = 300


def start(session: Session) -> None:
    actions.baseline(session)
    autoscaling.pause(session.kube)
    workspace = actions.prepare_workspace(session, LAB)
    actions.kubectl_apply(session, workspace)


def solve(session: Session) -> None:
    actions.kubectl_apply(session, actions.use_reference(session, LAB))


def _hpa(ctx: CheckContext) -> object:
    hpa = autoscaling.read(ctx.session.kube)
    if hpa is None:
        raise StepFailed(f"there is no HorizontalPodAutoscaler {APP_NAME} in {APP_NAMESPACE}")
    return hpa


def hpa_exists(ctx: CheckContext) -> Verdict:
    _hpa(ctx)
    return passed(f"HorizontalPodAutoscaler {APP_NAME} exists")


AUTOSCALER = yours.Watched(
    "HorizontalPodAutoscaler",
    APP_NAME,
    (
        "spec.scaleTargetRef",
        "spec.minReplicas",
        "spec.maxReplicas",
        "spec.metrics",
        "spec.behavior.scaleDown.stabilizationWindowSeconds",
    ),
)


def runs_workspace(ctx: CheckContext) -> Verdict:
    return yours.cluster_runs(ctx, ctx.session.workspace(LAB.slug), [AUTOSCALER])


def _condition_true(ctx: CheckContext, kind: str, what: str) -> str:
    """Wait until the HPA's `kind` condition is True; its last state, or WaitTimeout."""

    def check() -> tuple[bool, str]:
        found = next((c for c in _hpa(ctx).status.conditions or [] if c.type == kind), None)
        if found is None:
            return False, f"no {kind} condition yet (the controller syncs every 15 s)"
        return found.status == "True", f"{kind}={found.status} ({found.reason}): {found.message}"

    return wait.wait_for(check, what, HPA_SYNC_TIMEOUT)


def hpa_target(ctx: CheckContext) -> Verdict:
    ref = _hpa(ctx).spec.scale_target_ref
    wanted = ("apps/v1", "Deployment", APP_NAME)
    if (ref.api_version, ref.kind, ref.name) != wanted:
        return failed(
            f"it scales {ref.kind} {ref.name} ({ref.api_version}), which does not exist: "
            "the controller reports FailedGetScale and scales nothing"
        )
    try:
        state = _condition_true(ctx, "AbleToScale", "the controller to read the Deployment")
    except wait.WaitTimeout as exc:
        return failed(f"the controller cannot read the Deployment's scale: {exc}")
    return passed(f"it scales Deployment {APP_NAME}; {state}")


def hpa_range(ctx: CheckContext) -> Verdict:
    spec = _hpa(ctx).spec
    low, high = spec.min_replicas or 1, spec.max_replicas
    if (low, high) != (MIN_REPLICAS, MAX_REPLICAS):
        asked = f"{MIN_REPLICAS} to {MAX_REPLICAS}"
        return failed(f"it keeps {low} to {high} replicas; the lab asks for {asked}")
    return passed(f"it keeps {low} to {high} replicas")


def hpa_metric(ctx: CheckContext) -> Verdict:
    cpu = [
        m.resource.target
        for m in _hpa(ctx).spec.metrics or []
        if m.type == "Resource" and m.resource and m.resource.name == "cpu"
    ]
    if not cpu:
        return failed("it has no CPU resource metric")
    target = cpu[0]
    if target.type != "Utilization" or target.average_utilization != CPU_TARGET:
        shown = target.average_utilization or target.average_value or target.value
        return failed(
            f"its CPU target is {target.type} {shown}: not the {CPU_TARGET} % of each pod's "
            "CPU request the lab asks for"
        )
    request = checks.app_container(checks.deployment(ctx.session.kube)).resources.requests or {}
    if "cpu" not in request:
        return failed("utilisation is relative to the CPU request, and the app container has none")
    return passed(f"{CPU_TARGET} % of the {request['cpu']} CPU request per pod")


def scale_down_window(ctx: CheckContext) -> Verdict:
    behavior = _hpa(ctx).spec.behavior
    down = behavior.scale_down if behavior else None
    window = down.stabilization_window_seconds if down else None
    if window is None or window > MAX_CALM_SECONDS:
        shown = "the default 300 s" if window is None else f"{window} s"
        return failed(
            f"after the load ends it keeps the extra pods for {shown} of calm; the lab "
            f"allows {MAX_CALM_SECONDS} s"
        )
    return passed(f"it removes pods after {window} s of calm")


def reads_metrics(ctx: CheckContext) -> Verdict:
    try:
        state = _condition_true(ctx, "ScalingActive", "the controller to read CPU use")
    except wait.WaitTimeout as exc:
        return failed(f"the autoscaler reads no CPU use (is metrics-server running?): {exc}")
    return passed(state)


def scales_back_in(ctx: CheckContext) -> Verdict:
    """After the load, all the way back to minReplicas (the next lab starts from there)."""
    samples: list[autoscaling.Sample] = []
    started = time.monotonic()
    try:
        wait.wait_for(
            autoscaling.back_to(ctx.session.kube, MIN_REPLICAS, samples, started),
            f"the autoscaler to come back to {MIN_REPLICAS} after the load",
            SCALE_TIMEOUT,
            interval=5,
        )
    except wait.WaitTimeout as exc:
        return failed(str(exc))
    return passed(
        f"back to {MIN_REPLICAS} replicas {time.monotonic() - started:.0f} s after the load"
    )


def scales_under_load(ctx: CheckContext) -> Verdict:
    """Bounded load through the ingress; passes when the HPA itself has added the pods."""
    kube = ctx.session.kube
    load = TrafficGenerator(ctx.session.ingress, rate=RATE, path=WORK)
    load.start()
    ctx.defer(load.stop)
    started = time.monotonic()
    samples: list[autoscaling.Sample] = []
    try:
        wait.wait_for(
            autoscaling.scaled_out(kube, SCALED_REPLICAS, samples, started),
            f"the autoscaler to add pods under {RATE}/s x GET {WORK}",
            SCALE_TIMEOUT,
            interval=5,
        )
    except wait.WaitTimeout as exc:
        return failed(str(exc))
    hpa = _hpa(ctx)
    replicas = checks.deployment(kube).spec.replicas
    if hpa.status.last_scale_time is None or replicas != hpa.status.desired_replicas:
        return failed(
            f"the Deployment wants {replicas} replicas but the autoscaler did not set them "
            f"(it wants {hpa.status.desired_replicas}): something else sets the Deployment's "
            "replica count"
        )
    report = load.stop()
    return passed(
        f"{time.monotonic() - started:.0f} s of {RATE}/s x GET {WORK}: the autoscaler went to "
        f"{replicas} replicas (CPU {samples[-1].cpu_percent} % of request); "
        f"{len(report.failed)} of {report.sent} requests failed"
    )


LAB = Lab(
    number=7,
    slug="07-scaling",
    title="Autoscaling: an HPA that scales on CPU",
    teaches="HorizontalPodAutoscaler, metrics-server, `kubectl top`",
    difficulty="advanced",
    check_duration="~2 min",
    needs=("the lab cluster (tox -e up)",),
    start=start,
    solve=solve,
    steps=(
        Step("HorizontalPodAutoscaler kindlab-app exists", hpa_exists, hint="hpa"),
        Step("the cluster runs your labs/work/07-scaling", runs_workspace, hint="yours"),
        Step("the autoscaler finds and reads Deployment kindlab-app", hpa_target, hint="target"),
        Step(
            f"the autoscaler keeps {MIN_REPLICAS} to {MAX_REPLICAS} replicas",
            hpa_range,
            hint="range",
        ),
        Step(f"the autoscaler aims at {CPU_TARGET} % average CPU use", hpa_metric, hint="metric"),
        Step(
            f"the autoscaler scales down after at most {MAX_CALM_SECONDS} s of calm",
            scale_down_window,
            hint="calm",
        ),
        Step(
            "the autoscaler reads CPU use from the metrics API", reads_metrics, hint="metrics-api"
        ),
        Step(
            f"under load the autoscaler adds pods (to {SCALED_REPLICAS} or more)",
            scales_under_load,
            hint="load",
        ),
        Step("requests through the ingress reach every pod", checks.ingress_spread, hint="load"),
        Step(
            f"after the load the autoscaler scales back in to {MIN_REPLICAS}",
            scales_back_in,
            hint="scale-in",
        ),
    ),
)

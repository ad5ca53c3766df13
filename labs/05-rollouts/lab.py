"""Lab 5: rolling updates and rollback. The start state is live release v2 shipped with a debug
fault left on (every request answers 500), on rollout settings that drop requests whenever pods
are replaced. The learner rolls back, fixes the settings, ships v2 properly, and the checker
proves it by restarting the Deployment under load."""

from __future__ import annotations

from kubernetes.client import V1Deployment

from kindlab.cluster.names import APP_NAME, APP_NAMESPACE
from kindlab.core import wait
from kindlab.drills import appops
from kindlab.load.traffic import traffic
from labs import actions, checks
from labs.framework import CheckContext, Lab, Step, Verdict, failed, passed
from labs.session import Session

RELEASE = "v2"
LOAD_RATE = 25.0
MIN_PRESTOP_SECONDS = 5
SETTLE_TIMEOUT = 150


def start(session: Session) -> None:
    kube = session.kube
    actions.baseline(session)
    actions.ensure_image_in_node(session, RELEASE)
    workspace = actions.prepare_workspace(session, LAB)
    actions.kubectl_apply(session, workspace)
    appops.wait_rolled_out(kube)
    ship_bad_release(session)


def ship_bad_release(session: Session) -> None:
    """v2 with FAULT_STATUS_CODE=500 left on: probes pass (they are not business requests), so
    the rollout completes and then every request fails."""
    actions.ship_release(session, RELEASE, {"FAULT_STATUS_CODE": "500"})


def solve(session: Session) -> None:
    """Roll back while the bad release is live (not again once it is gone: a second undo
    would bring it back), then ship the reference."""
    kube = session.kube
    if _faults(checks.deployment(kube)):
        appops.rollout_undo(kube)
        appops.wait_rolled_out(kube)
    actions.kubectl_apply(session, actions.use_reference(session, LAB))
    appops.wait_rolled_out(kube)


def _faults(dep: V1Deployment) -> list[str]:
    container = checks.app_container(dep)
    return [e.name for e in container.env or [] if e.name.startswith("FAULT_")]


def rolled_back(ctx: CheckContext) -> Verdict:
    dep = checks.deployment(ctx.session.kube)
    faults = _faults(dep)
    rollout = checks.rollout_complete(ctx)
    if not rollout.ok:
        return rollout
    # Pods of the previous release drop requests while they stop (until this lab is done):
    # judge the release that is live, once they are gone.
    wait.wait_for(
        appops.settled(ctx.session.kube, dep.spec.replicas), "old pods gone", SETTLE_TIMEOUT
    )
    verdict = checks.ingress_answers(ctx)
    if not verdict.ok:
        return verdict
    if faults:
        return failed(f"the Deployment still sets {', '.join(faults)} for the next pods")
    return verdict


def strategy(ctx: CheckContext) -> Verdict:
    dep = checks.deployment(ctx.session.kube)
    rolling = dep.spec.strategy.rolling_update if dep.spec.strategy else None
    if dep.spec.strategy is None or dep.spec.strategy.type != "RollingUpdate" or not rolling:
        return failed("the Deployment does not use a RollingUpdate strategy")
    unavailable, surge = str(rolling.max_unavailable), str(rolling.max_surge)
    if unavailable not in {"0", "0%"}:
        return failed(
            f"maxUnavailable is {unavailable}: a rollout may remove a Ready pod before its "
            "replacement is Ready, so capacity drops while traffic keeps coming"
        )
    if surge in {"0", "0%"}:
        return failed("maxSurge is 0 while maxUnavailable is 0: the rollout could never start")
    return passed(f"maxUnavailable {unavailable}, maxSurge {surge}")


def _budget(ctx: CheckContext) -> tuple[float, float, float, float]:
    dep = checks.deployment(ctx.session.kube)
    container = checks.app_container(dep)
    pre_stop = container.lifecycle.pre_stop if container.lifecycle else None
    sleep = float(pre_stop.sleep.seconds) if pre_stop and pre_stop.sleep else 0.0
    env = {e.name: e.value for e in container.env or []}
    drain = float(env.get("SHUTDOWN_DRAIN_SECONDS") or 5)
    graceful = float(env.get("GRACEFUL_TIMEOUT") or 20)
    grace = float(dep.spec.template.spec.termination_grace_period_seconds or 30)
    return sleep, drain, graceful, grace


def pre_stop(ctx: CheckContext) -> Verdict:
    sleep, *_ = _budget(ctx)
    if sleep < MIN_PRESTOP_SECONDS:
        return failed(
            f"the preStop sleep is {sleep:g} s: the pod stops accepting requests before Traefik "
            "has heard it is going (that takes a few seconds), so requests routed to it "
            "meanwhile fail"
        )
    return passed(f"preStop sleeps {sleep:g} s before the app is told to stop")


def grace_period(ctx: CheckContext) -> Verdict:
    sleep, drain, graceful, grace = _budget(ctx)
    needed = sleep + drain + graceful
    shown = f"preStop {sleep:g} + drain {drain:g} + graceful {graceful:g} = {needed:g} s"
    if grace <= needed:
        return failed(
            f"terminationGracePeriodSeconds is {grace:g}, not more than {shown}: the kubelet "
            "kills the container (SIGKILL) while it may still serve requests"
        )
    return passed(f"terminationGracePeriodSeconds {grace:g} > {shown}")


def release_live(ctx: CheckContext) -> Verdict:
    kube = ctx.session.kube
    dep = checks.deployment(kube)
    container = checks.app_container(dep)
    label = (dep.spec.template.metadata.labels or {}).get(appops.VERSION_LABEL)
    if not container.image.endswith(f":{RELEASE}") or label != RELEASE:
        return failed(
            f"the Deployment runs image {container.image} labelled {appops.VERSION_LABEL}="
            f"{label}; release {RELEASE} is image {actions.app_image(RELEASE)} with label {RELEASE}"
        )
    rollout = checks.rollout_complete(ctx)
    if not rollout.ok:
        return rollout
    try:
        wait.wait_for(appops.only_release_left(kube, RELEASE), f"only {RELEASE} pods", 120)
    except wait.WaitTimeout as exc:
        return failed(str(exc))
    versions = {ctx.session.ingress.get("/version").headers.get("X-App-Version") for _ in range(20)}
    if versions != {RELEASE}:
        return failed(f"through the ingress, releases {sorted(map(str, versions))} answer")
    return passed(f"every pod runs {actions.app_image(RELEASE)} and answers as {RELEASE}")


def restart_under_load(ctx: CheckContext) -> Verdict:
    """Replace every pod while sending requests: the proof the settings above work together."""
    kube = ctx.session.kube
    replicas = checks.deployment(kube).spec.replicas
    with traffic(ctx.session.ingress, rate=LOAD_RATE) as report:
        kube.kubectl("rollout", "restart", f"deployment/{APP_NAME}", "-n", APP_NAMESPACE)
        appops.wait_rolled_out(kube)
        wait.wait_for(appops.settled(kube, replicas), "replaced pods gone", SETTLE_TIMEOUT)
    summary = report.summary()
    shown = f"{summary['sent']} requests at {summary['rate_per_second']}/s"
    if report.failed:
        samples = "; ".join(summary["failure_samples"])
        return failed(f"{len(report.failed)} of {shown} failed during the restart: {samples}")
    return passed(f"all {shown} answered while every pod was replaced")


LAB = Lab(
    number=5,
    slug="05-rollouts",
    title="Rolling updates and rollback",
    teaches="`rollout undo`, maxUnavailable, preStop, grace periods",
    difficulty="core",
    check_duration="~40 s",
    needs=("the lab cluster (tox -e up)",),
    start=start,
    solve=solve,
    steps=(
        Step("the bad release is rolled back: the app answers 200", rolled_back, hint="rollback"),
        Step(
            "the rollout keeps every Ready pod until its replacement is Ready",
            strategy,
            hint="strategy",
        ),
        Step("pods keep serving while they leave the Service (preStop)", pre_stop, hint="pre-stop"),
        Step(
            "the grace period outlasts preStop, drain and graceful stop", grace_period, hint="grace"
        ),
        Step(f"release {RELEASE} is live on every pod", release_live, hint="release"),
        Step(
            "a rolling restart under 25 requests/s fails no request",
            restart_under_load,
            hint="restart",
        ),
    ),
)

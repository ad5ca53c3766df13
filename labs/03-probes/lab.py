"""Lab 3: probes. The start state's readiness probe asks a path the app does not serve and its
liveness probe a port nothing listens on: no pod is ever Ready, and every container is
restarted about every 30 s."""

from __future__ import annotations

from kindlab.cluster.names import APP_NAME
from labs import actions, checks, yours
from labs.framework import CheckContext, Lab, Step, Verdict
from labs.session import Session

CONTAINER = "spec.template.spec.containers[app]"
PROBES = yours.Watched(
    "Deployment", APP_NAME, (f"{CONTAINER}.readinessProbe", f"{CONTAINER}.livenessProbe")
)


def start(session: Session) -> None:
    actions.reset_extras(session)
    workspace = actions.prepare_workspace(session, LAB)
    actions.recreate_deployment(session, workspace)


def solve(session: Session) -> None:
    actions.kubectl_apply(session, actions.use_reference(session, LAB))


def runs_workspace(ctx: CheckContext) -> Verdict:
    return yours.cluster_runs(ctx, ctx.session.workspace(LAB.slug), [PROBES])


def readiness(ctx: CheckContext) -> Verdict:
    container = checks.app_container(checks.deployment(ctx.session.kube))
    return checks.probe_matches(container, "readiness_probe", "/ready")


def liveness(ctx: CheckContext) -> Verdict:
    container = checks.app_container(checks.deployment(ctx.session.kube))
    return checks.probe_matches(container, "liveness_probe", "/health")


LAB = Lab(
    number=3,
    slug="03-probes",
    title="Probes: make the pods Ready and stable",
    teaches="readiness vs liveness probes, reading pod events",
    difficulty="core",
    check_duration="~45 s",
    needs=("the lab cluster (tox -e up)",),
    start=start,
    solve=solve,
    steps=(
        Step("Deployment kindlab-app exists", checks.deployment_exists, hint="deployment"),
        Step("the cluster runs your labs/work/03-probes", runs_workspace, hint="yours"),
        Step("the readiness probe can tell a ready pod", readiness, hint="readiness"),
        Step("the liveness probe can tell a live container", liveness, hint="liveness"),
        Step("rollout complete: every pod Ready", checks.rollout_complete, hint="rollout"),
        Step("pods stay Ready for 20 s without a restart", checks.pods_stable, hint="rollout"),
        Step("the app answers through the ingress", checks.ingress_answers, hint="ingress"),
    ),
)

"""Lab 3: probes. The start state's readiness probe asks a path the app does not serve and its
liveness probe a port nothing listens on: no pod is ever Ready, and every container is
restarted about every 30 s."""

from __future__ import annotations

from labs import actions, checks
from labs.framework import CheckContext, Lab, Step, Verdict
from labs.session import Session


def start(session: Session) -> None:
    actions.reset_extras(session)
    workspace = actions.prepare_workspace(session, LAB)
    actions.recreate_deployment(session, workspace)


def solve(session: Session) -> None:
    actions.kubectl_apply(session, LAB.folder / "solution")


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
    start=start,
    solve=solve,
    steps=(
        Step("Deployment kindlab-app exists", checks.deployment_exists, hint=1),
        Step("readiness probe asks GET /ready on port http", readiness, hint=1),
        Step("liveness probe asks GET /health on port http", liveness, hint=2),
        Step("rollout complete: every pod Ready", checks.rollout_complete, hint=3),
        Step("pods stay Ready for 20 s without a restart", checks.pods_stable, hint=3),
        Step("the app answers through the ingress", checks.ingress_answers, hint=3),
    ),
)

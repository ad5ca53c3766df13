"""Lab 4: Services and Ingress. The pods are fine; the Service selects a label they do not
carry, forwards to a port nothing listens on, and the Ingress names a Service port that does
not exist. Each shows up as a different symptom at http://app.localtest.me:8080/."""

from __future__ import annotations

from kindlab.cluster import waits
from kindlab.cluster.apply import delete_if_present
from kindlab.cluster.kube import or_none
from kindlab.cluster.names import APP_NAME, APP_NAMESPACE
from kindlab.cluster.pods import is_ready
from kindlab.core import wait
from labs import actions, checks, yours
from labs.framework import CheckContext, Lab, Step, StepFailed, Verdict, failed, passed
from labs.session import Session


def start(session: Session) -> None:
    actions.baseline(session)
    workspace = actions.prepare_workspace(session, LAB)
    kube = session.kube
    delete_if_present(kube, "v1", "Service", APP_NAME, APP_NAMESPACE)
    delete_if_present(kube, "networking.k8s.io/v1", "Ingress", APP_NAME, APP_NAMESPACE)
    actions.kubectl_apply(session, workspace)


def solve(session: Session) -> None:
    actions.kubectl_apply(session, actions.use_reference(session, LAB))


def _service(ctx: CheckContext) -> object:
    service = or_none(ctx.session.kube.core.read_namespaced_service, APP_NAME, APP_NAMESPACE)
    if service is None:
        raise StepFailed(f"there is no Service {APP_NAME} in {APP_NAMESPACE}")
    return service


ROUTE = (
    yours.Watched("Service", APP_NAME, ("spec.selector", "spec.ports")),
    yours.Watched("Ingress", APP_NAME, ("spec.rules",)),
)


def runs_workspace(ctx: CheckContext) -> Verdict:
    return yours.cluster_runs(ctx, ctx.session.workspace(LAB.slug), ROUTE)


def service_exists(ctx: CheckContext) -> Verdict:
    service = _service(ctx)
    return passed(f"Service {APP_NAME} ({service.spec.type}, {service.spec.cluster_ip})")


def selector_matches(ctx: CheckContext) -> Verdict:
    selector = _service(ctx).spec.selector or {}
    pods = checks.current_pods(ctx.session.kube)
    if not pods:
        return failed("the app Deployment has no pods to select")
    labels = pods[0].metadata.labels or {}
    shown = ", ".join(f"{k}={v}" for k, v in selector.items()) or "nothing"
    if not selector:
        return failed("the Service has no selector, so no pod is ever added to it")
    missing = {k: v for k, v in selector.items() if labels.get(k) != v}
    if missing:
        wrong = ", ".join(f"{k}={v}" for k, v in missing.items())
        return failed(
            f"the Service selects {shown}, but the app pods carry no label {wrong}: "
            "the Service has no endpoints"
        )
    return passed(f"the Service selects {shown}, which the app pods carry")


def endpoints_ready(ctx: CheckContext) -> Verdict:
    kube = ctx.session.kube
    want = len([p for p in checks.current_pods(kube) if is_ready(p)])
    try:
        state = wait.wait_for(
            waits.ready_endpoints(kube, APP_NAMESPACE, APP_NAME, want), "Service endpoints", 30
        )
    except wait.WaitTimeout as exc:
        return failed(f"the Service does not list every Ready app pod: {exc}")
    return passed(state)


def target_port(ctx: CheckContext) -> Verdict:
    ports = _service(ctx).spec.ports or []
    by_port = {p.port: p for p in ports}
    if 80 not in by_port:
        return failed(f"the Service has no port 80 (it has {sorted(by_port)})")
    target = by_port[80].target_port
    if target not in ("http", 5000):
        return failed(
            f"port 80 forwards to target port {target}, where nothing in the app pods listens: "
            "Traefik's connections are refused (502 Bad Gateway)"
        )
    return passed(f"port 80 forwards to target port {target}")


def ingress_backend(ctx: CheckContext) -> Verdict:
    networking = ctx.session.kube.dynamic.resources.get(
        api_version="networking.k8s.io/v1", kind="Ingress"
    )
    try:
        ingress = networking.get(name=APP_NAME, namespace=APP_NAMESPACE)
    except Exception as exc:
        raise StepFailed(f"there is no Ingress {APP_NAME} ({type(exc).__name__})") from None
    service_ports = {p.name for p in _service(ctx).spec.ports or []} | {80}
    host = ctx.session.urls.ingress_host
    for rule in ingress.spec.rules or []:
        if rule.host != host:
            continue
        for path in rule.http.paths:
            backend = path.backend.service
            port = backend.port.name or backend.port.number
            if backend.name != APP_NAME:
                return failed(f"{host}{path.path} goes to Service {backend.name}, not {APP_NAME}")
            if port not in service_ports:
                return failed(
                    f"{host}{path.path} goes to port {port!r} of Service {APP_NAME}, which "
                    "it does not have: Traefik drops the route and answers 404"
                )
            return passed(f"{host}{path.path} goes to Service {APP_NAME} port {port}")
    return failed(f"the Ingress has no rule for host {host}")


LAB = Lab(
    number=4,
    slug="04-services-ingress",
    title="Services and Ingress: route to the app",
    teaches="selectors, endpoints, target ports, Ingress backends",
    difficulty="core",
    check_duration="~10 s",
    needs=("the lab cluster (tox -e up)",),
    start=start,
    solve=solve,
    steps=(
        Step("Service kindlab-app exists", service_exists, hint="service"),
        Step("the cluster runs your labs/work/04-services-ingress", runs_workspace, hint="yours"),
        Step("Service selector matches the app pods' labels", selector_matches, hint="selector"),
        Step("Service lists every Ready app pod as an endpoint", endpoints_ready, hint="endpoints"),
        Step(
            "Service port 80 forwards to a port the app pods listen on",
            target_port,
            hint="target-port",
        ),
        Step(
            "Ingress sends app.localtest.me to a port the Service has",
            ingress_backend,
            hint="backend",
        ),
        Step("GET /version through the ingress answers 200", checks.ingress_routed, hint="route"),
        Step(
            "requests through the ingress reach every app pod", checks.ingress_spread, hint="route"
        ),
    ),
)

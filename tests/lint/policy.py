"""The invariants the manifests promise, checked on rendered objects.

kubernetes-validate proves the objects are well-formed; this proves they are what we meant:
probes, limits, the Pod Security "restricted" profile, and a shutdown that drops no requests.
Every function returns human-readable violations; an empty list means compliant.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kubernetes.utils import parse_quantity

APP = "kindlab-app"
VERSION_LABEL = "app.kubernetes.io/version"
# Time a pod keeps serving after deletion, on top of the preStop sleep (env set on the app).
SHUTDOWN_ENV = ("SHUTDOWN_DRAIN_SECONDS", "GRACEFUL_TIMEOUT")
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet"}
# Go programs whose collector must be told the container's memory limit: the edge every request
# crosses, OOM-killed without it (Prometheus 3 sets its own from the cgroup, --auto-gomemlimit).
GO_WITHOUT_AUTO_MEMLIMIT = {"traefik"}

# Readiness misses in a row before the app's pod leaves the Service (see app_container).
MIN_READINESS_MISSES = 2

Obj = dict[str, Any]


def violations(objects: list[Obj]) -> list[str]:
    """Everything wrong with a rendered kustomization; the app's rules apply where it is present."""
    found = [v for obj in workloads(objects) for v in pod_violations(obj)]
    if any(obj["metadata"]["name"] == APP for obj in workloads(objects)):
        found += app_violations(objects)
    return found


def workloads(objects: list[Obj]) -> Iterator[Obj]:
    return (obj for obj in objects if obj["kind"] in WORKLOAD_KINDS)


def pod_violations(workload: Obj) -> list[str]:
    """Restricted profile, probes and resources for every container of every workload."""
    name = f"{workload['kind']}/{workload['metadata']['name']}"
    pod = workload["spec"]["template"]["spec"]
    found = [f"{name}: {v}" for v in restricted_pod(pod)]
    for container in pod["containers"]:
        where = f"{name} container {container['name']}"
        found += [f"{where}: {v}" for v in restricted_container(pod, container)]
        found += [f"{where}: {v}" for v in probes_and_resources(container)]
        if container["name"] in GO_WITHOUT_AUTO_MEMLIMIT:
            found += [f"{where}: {v}" for v in go_memory_limit(container)]
    return found


def restricted_pod(pod: Obj) -> list[str]:
    context = pod.get("securityContext", {})
    found = []
    if context.get("runAsUser") == 0:
        found.append("runs as root (runAsUser 0)")
    if pod.get("hostNetwork") or pod.get("hostPID") or pod.get("hostIPC"):
        found.append("shares a host namespace")
    return found


def restricted_container(pod: Obj, container: Obj) -> list[str]:
    """Pod Security "restricted", plus a read-only root filesystem."""
    pod_context = pod.get("securityContext", {})
    context = container.get("securityContext", {})

    def effective(key: str) -> Any:
        return context.get(key, pod_context.get(key))

    found = []
    if effective("runAsNonRoot") is not True:
        found.append("runAsNonRoot is not true")
    if (effective("seccompProfile") or {}).get("type") not in {"RuntimeDefault", "Localhost"}:
        found.append("seccompProfile is not RuntimeDefault")
    if context.get("allowPrivilegeEscalation") is not False:
        found.append("allowPrivilegeEscalation is not false")
    if "ALL" not in context.get("capabilities", {}).get("drop", []):
        found.append("capabilities do not drop ALL")
    if context.get("capabilities", {}).get("add"):
        found.append("adds capabilities")
    if context.get("privileged"):
        found.append("is privileged")
    if context.get("readOnlyRootFilesystem") is not True:
        found.append("root filesystem is writable")
    return found


def probes_and_resources(container: Obj) -> list[str]:
    found = [
        f"no {probe}" for probe in ("readinessProbe", "livenessProbe") if probe not in container
    ]
    resources = container.get("resources", {})
    found += [
        f"no {kind} request"
        for kind in ("cpu", "memory")
        if kind not in resources.get("requests", {})
    ]
    if "memory" not in resources.get("limits", {}):
        found.append("no memory limit")
    return found


def go_memory_limit(container: Obj) -> list[str]:
    """GOMEMLIMIT below the memory limit: the collector works harder near it instead of the
    kernel killing the container (Traefik was OOM-killed behind stalled pods without it)."""
    env = {e["name"]: e.get("value") for e in container.get("env", [])}
    limit = container.get("resources", {}).get("limits", {}).get("memory")
    if "GOMEMLIMIT" not in env:
        return ["no GOMEMLIMIT: Go's collector does not know the memory limit"]
    soft, hard = size_in_bytes(env["GOMEMLIMIT"]), size_in_bytes(limit)
    if soft is None or hard is None or soft >= hard:
        return [f"GOMEMLIMIT {env['GOMEMLIMIT']} is not below the memory limit {limit}"]
    return []


def size_in_bytes(quantity: str | None) -> int | None:
    """`512Mi` (Kubernetes) or `400MiB` (Go) in bytes; None when it is neither."""
    if not quantity:
        return None
    try:
        return int(
            parse_quantity(quantity.removesuffix("B") if quantity.endswith("iB") else quantity)
        )
    except ValueError:
        return None


def app_violations(objects: list[Obj]) -> list[str]:
    deployment = one(objects, "Deployment", APP)
    return (
        rollout(deployment)
        + shutdown(deployment)
        + app_container(deployment)
        + identity(deployment)
        + routing(objects, deployment)
        + namespace(objects)
    )


def one(objects: list[Obj], kind: str, name: str) -> Obj:
    matches = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    if len(matches) != 1:
        raise AssertionError(f"expected one {kind}/{name}, rendered {len(matches)}")
    return matches[0]


def app_pod(deployment: Obj) -> tuple[Obj, Obj]:
    pod = deployment["spec"]["template"]["spec"]
    return pod, next(c for c in pod["containers"] if c["name"] == "app")


def rollout(deployment: Obj) -> list[str]:
    strategy = deployment["spec"].get("strategy", {})
    if strategy.get("type", "RollingUpdate") != "RollingUpdate":
        return ["app Deployment does not use RollingUpdate"]
    if strategy.get("rollingUpdate", {}).get("maxUnavailable") != 0:
        return [
            "app rollout may take pods away before replacements are Ready (maxUnavailable != 0)"
        ]
    return []


def shutdown(deployment: Obj) -> list[str]:
    """preStop sleep, then drain and graceful stop, must all fit in the grace period."""
    pod, container = app_pod(deployment)
    sleep = container.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds")
    if not sleep:
        return ["app has no preStop sleep: Traefik may route to a pod that stopped accepting"]
    env = {e["name"]: e.get("value") for e in container.get("env", [])}
    missing = [name for name in SHUTDOWN_ENV if env.get(name) is None]
    if missing:
        return [f"app env does not set {missing}, so the shutdown budget is unknown"]
    budget = sleep + sum(float(env[name]) for name in SHUTDOWN_ENV)
    grace = pod.get("terminationGracePeriodSeconds", 30)
    if grace <= budget:
        return [f"terminationGracePeriodSeconds {grace} <= preStop + drain + graceful ({budget:g})"]
    return []


def app_container(deployment: Obj) -> list[str]:
    pod, container = app_pod(deployment)
    found = [] if "startupProbe" in container else ["app has no startupProbe"]
    paths = {
        p: container.get(p, {}).get("httpGet", {}).get("path")
        for p in ("readinessProbe", "livenessProbe")
    }
    if paths != {"readinessProbe": "/ready", "livenessProbe": "/health"}:
        found.append(f"app probes hit {paths}, expected readiness /ready and liveness /health")
    misses = container.get("readinessProbe", {}).get("failureThreshold", 3)
    if misses < MIN_READINESS_MISSES:
        found.append(
            f"app readiness failureThreshold {misses}: one slow answer under load takes a pod "
            f"out of the Service and moves its traffic onto the others (want >= "
            f"{MIN_READINESS_MISSES})"
        )
    if "cpu" not in container.get("resources", {}).get("limits", {}):
        found.append("app has no cpu limit")
    if pod.get("automountServiceAccountToken") is not False:
        found.append("app pod mounts a service account token")
    tmp = [m for m in container.get("volumeMounts", []) if m["mountPath"] == "/tmp"]
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    if not tmp or "emptyDir" not in volumes.get(tmp[0]["name"], {}):
        found.append("app has no emptyDir at /tmp (the root filesystem is read-only)")
    return found


def identity(deployment: Obj) -> list[str]:
    """APP_VERSION and POD_NAME come from the downward API, the version matching the image tag."""
    template = deployment["spec"]["template"]
    _, container = app_pod(deployment)
    refs = {
        e["name"]: e.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath")
        for e in container.get("env", [])
    }
    found = []
    if refs.get("APP_VERSION") != f"metadata.labels['{VERSION_LABEL}']":
        found.append("APP_VERSION is not read from the version label")
    if refs.get("POD_NAME") != "metadata.name":
        found.append("POD_NAME is not read from metadata.name")
    tag = container["image"].rsplit(":", 1)[-1]
    label = template["metadata"]["labels"].get(VERSION_LABEL)
    if tag != label:
        found.append(f"image tag {tag!r} differs from {VERSION_LABEL} {label!r}")
    if VERSION_LABEL in deployment["spec"]["selector"].get("matchLabels", {}):
        found.append("the version label is in the (immutable) selector")
    return found


def routing(objects: list[Obj], deployment: Obj) -> list[str]:
    """Service, Ingress, PDB and NetworkPolicy all reach the app's pods on the app's port."""
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    _, container = app_pod(deployment)
    ports = {p.get("name"): p["containerPort"] for p in container["ports"]}
    service = one(objects, "Service", APP)
    found = []
    if not selects(service["spec"]["selector"], labels):
        found.append("Service does not select the app pods")
    service_ports = {
        p["port"]: ports.get(p["targetPort"], p["targetPort"]) for p in service["spec"]["ports"]
    }
    if service_ports.get(80) != 5000:
        found.append(f"Service maps {service_ports}, expected 80 -> 5000")
    for kind in ("PodDisruptionBudget", "NetworkPolicy"):
        obj = one(objects, kind, APP)
        selector = obj["spec"].get("selector") or obj["spec"].get("podSelector")
        if not selects(selector.get("matchLabels", {}), labels):
            found.append(f"{kind} does not select the app pods")
    ingress = one(objects, "Ingress", APP)
    backends = {
        (path["backend"]["service"]["name"], path["backend"]["service"]["port"].get("name"))
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    }
    if backends != {(APP, "http")}:
        found.append(f"Ingress routes to {backends}, expected the app Service's http port")
    return found


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def namespace(objects: list[Obj]) -> list[str]:
    labels = one(objects, "Namespace", "kindlab")["metadata"].get("labels", {})
    if labels.get("pod-security.kubernetes.io/enforce") != "restricted":
        return ["namespace kindlab does not enforce the restricted Pod Security profile"]
    return []

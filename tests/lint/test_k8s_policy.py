import copy

import pytest

from .kustomize import APPLIED
from .policy import APP, one, violations


@pytest.mark.parametrize("path", APPLIED)
def test_rendered_objects_keep_every_invariant(rendered, path):
    assert violations(rendered[path]) == []


def test_kind_overlay_runs_the_locally_loaded_image(rendered):
    objects = rendered["k8s/overlays/kind"]
    container = one(objects, "Deployment", APP)["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "kindlab/app:local"
    assert container["imagePullPolicy"] == "IfNotPresent"


def test_kind_overlay_autoscales_the_app_within_lab_bounds(rendered):
    """metrics-server runs on the lab cluster: its HPA starts from the Deployment's replicas."""
    objects = rendered["k8s/overlays/kind"]
    hpa = one(objects, "HorizontalPodAutoscaler", APP)
    deployment = one(objects, "Deployment", APP)
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1", "kind": "Deployment", "name": APP,
    }  # fmt: skip
    assert hpa["spec"]["minReplicas"] == deployment["spec"]["replicas"] == 3
    assert hpa["spec"]["maxReplicas"] >= 8
    assert hpa["spec"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"] <= 60


def test_production_overlay_scales_from_a_registry_image(rendered):
    kind, production = rendered["k8s/overlays/kind"], rendered["k8s/overlays/production"]
    deployment = one(production, "Deployment", APP)
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"].startswith("registry.")
    # More pods than the lab: the autoscaler's floor (the Deployment leaves the count to it).
    hpa = one(production, "HorizontalPodAutoscaler", APP)
    assert hpa["spec"]["minReplicas"] > one(kind, "Deployment", APP)["spec"]["replicas"]
    assert "replicas" not in deployment["spec"]


def pod(objects):
    return one(objects, "Deployment", APP)["spec"]["template"]["spec"]


def container(objects):
    return pod(objects)["containers"][0]


def env(objects, name, value):
    next(e for e in container(objects)["env"] if e["name"] == name)["value"] = value


# Each entry breaks one promise; the policy must name it.
BREAKAGES = {
    "no readiness probe": (lambda o: container(o).pop("readinessProbe"), "no readinessProbe"),
    "no liveness probe": (lambda o: container(o).pop("livenessProbe"), "no livenessProbe"),
    "no startup probe": (lambda o: container(o).pop("startupProbe"), "no startupProbe"),
    "readiness on /health": (
        lambda o: container(o)["readinessProbe"]["httpGet"].update(path="/health"),
        "expected readiness /ready",
    ),
    "readiness on a hair trigger": (
        lambda o: container(o)["readinessProbe"].update(failureThreshold=1),
        "readiness failureThreshold 1",
    ),
    "no limits": (lambda o: container(o)["resources"].pop("limits"), "no memory limit"),
    "no requests": (lambda o: container(o)["resources"].pop("requests"), "no cpu request"),
    "writable root": (
        lambda o: container(o)["securityContext"].update(readOnlyRootFilesystem=False),
        "root filesystem is writable",
    ),
    "keeps capabilities": (
        lambda o: container(o)["securityContext"].pop("capabilities"),
        "do not drop ALL",
    ),
    "may run as root": (lambda o: pod(o)["securityContext"].pop("runAsNonRoot"), "runAsNonRoot"),
    "no seccomp": (lambda o: pod(o)["securityContext"].pop("seccompProfile"), "seccompProfile"),
    "privilege escalation": (
        lambda o: container(o)["securityContext"].update(allowPrivilegeEscalation=True),
        "allowPrivilegeEscalation",
    ),
    "maxUnavailable 1": (
        lambda o: one(o, "Deployment", APP)["spec"]["strategy"]["rollingUpdate"].update(
            maxUnavailable=1
        ),
        "maxUnavailable != 0",
    ),
    "no preStop": (lambda o: container(o).pop("lifecycle"), "no preStop sleep"),
    "grace too short": (
        lambda o: pod(o).update(terminationGracePeriodSeconds=30),
        "terminationGracePeriodSeconds 30",
    ),
    "longer graceful timeout": (lambda o: env(o, "GRACEFUL_TIMEOUT", "40"), "<= preStop"),
    "token mounted": (
        lambda o: pod(o).update(automountServiceAccountToken=True),
        "service account",
    ),
    "version label mismatch": (
        lambda o: container(o).update(image="kindlab/app:v2"),
        "image tag 'v2' differs",
    ),
    "service to wrong port": (
        lambda o: one(o, "Service", APP)["spec"]["ports"][0].update(targetPort=8080),
        "expected 80 -> 5000",
    ),
    "netpol misses pods": (
        lambda o: one(o, "NetworkPolicy", APP)["spec"]["podSelector"].update(
            matchLabels={"app": "x"}
        ),
        "NetworkPolicy does not select",
    ),
    "namespace not restricted": (
        lambda o: one(o, "Namespace", "kindlab")["metadata"]["labels"].clear(),
        "restricted Pod Security",
    ),
}


@pytest.mark.parametrize("breakage", BREAKAGES, ids=list(BREAKAGES))
def test_policy_rejects_a_broken_copy(rendered, breakage):
    broken = copy.deepcopy(rendered["k8s/overlays/kind"])
    change, expected = BREAKAGES[breakage]
    change(broken)
    found = violations(broken)
    assert any(expected in v for v in found), found


def test_policy_covers_addon_pods_too(rendered):
    broken = copy.deepcopy(rendered["k8s/addons/traefik"])
    traefik = one(broken, "Deployment", "traefik")["spec"]["template"]["spec"]["containers"][0]
    traefik.pop("readinessProbe")
    assert violations(broken) == ["Deployment/traefik container traefik: no readinessProbe"]


@pytest.mark.parametrize(
    "soft_limit, expected",
    [
        (None, "no GOMEMLIMIT"),
        ("512MiB", "GOMEMLIMIT 512MiB is not below the memory limit 512Mi"),
        ("lots", "GOMEMLIMIT lots is not below"),
    ],
    ids=["unset", "at the limit", "unreadable"],
)
def test_policy_holds_the_edge_to_a_go_memory_limit(rendered, soft_limit, expected):
    broken = copy.deepcopy(rendered["k8s/addons/traefik"])
    traefik = one(broken, "Deployment", "traefik")["spec"]["template"]["spec"]["containers"][0]
    traefik["env"] = [] if soft_limit is None else [{"name": "GOMEMLIMIT", "value": soft_limit}]
    found = violations(broken)
    assert len(found) == 1 and expected in found[0], found

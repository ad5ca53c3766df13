"""The lab stack, step by step: cluster, add-ons, app. Shared by `tox -e up`, e2e and labs.

Each step is one function that is safe to repeat: an existing cluster is reused, manifests are
server-side applied, images already in the node are not loaded again.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from kubernetes.client.exceptions import ApiException
from pytest_kind import KindCluster

from kindlab import appimage, ports
from kindlab.cluster import endpoints, health, waits
from kindlab.cluster.apply import apply_kustomization, apply_objects, render
from kindlab.cluster.kube import Kube, connect
from kindlab.cluster.names import APP_NAME, APP_NAMESPACE, APP_REPOSITORY, APP_TAG
from kindlab.cluster.platform import ClusterPlatform
from kindlab.errors import KindlabError
from kindlab.ingress import IngressClient
from kindlab.progress import run, say, step
from kindlab.versions import REPO_ROOT

CLUSTER_CONFIG = REPO_ROOT / "k8s" / "kind" / "cluster.yaml"
ADDONS = REPO_ROOT / "k8s" / "addons"
GRAFANA = ADDONS / "grafana"
APP_OVERLAY = REPO_ROOT / "k8s" / "overlays" / "kind"
DEFAULT_CLUSTER_NAME = "kindlab"
# Written once creation has fully finished: a cluster without it was interrupted midway.
COMPLETE_MARKER = ("kube-system", "kindlab-cluster-complete")


@dataclass
class LabCluster:
    name: str
    platform: ClusterPlatform
    kind: KindCluster
    kube: Kube
    address: str
    config: Path
    # True when this run made the cluster (so this run may delete it); False when reused.
    created: bool = False

    def load_image(self, ref: str) -> None:
        with step(f"Loading {ref} into the cluster"):
            run([self.platform.kind, "load", "docker-image", "--name", self.name, ref])

    def delete(self) -> None:
        with step(f"Deleting cluster {self.name}"):
            self.kind.delete()


@dataclass(frozen=True)
class Endpoints:
    ingress: str
    ingress_host: str
    prometheus: str
    grafana: str | None


def kubeconfig_path(name: str) -> Path:
    return REPO_ROOT / ".pytest-kind" / name / "kubeconfig"


def cluster_exists(platform: ClusterPlatform, name: str) -> bool:
    listing = run([platform.kind, "get", "clusters"])
    return name in listing.split()


class PortTaken(KindlabError):
    """A host port the cluster config maps is in use; the message names who holds it."""


def ensure_ports_free(config: Path) -> None:
    """Fail before kind does, with a message that says which port and who listens on it."""
    for address, port in endpoints.mapped_host_ports(config):
        holder = ports.port_holder(address, port)
        if holder:
            raise PortTaken(
                f"{address}:{port} is taken by {holder}; free it (e.g. `tox -e down -- --name "
                f"<cluster>`) or change the hostPort in {config}"
            )


def _reusable(platform: ClusterPlatform, name: str) -> bool:
    """An existing cluster is reused only if its node runs; its kubeconfig is re-exported.

    A host restart (or CI ending our processes) leaves the node container stopped or broken,
    and a fresh checkout has no kubeconfig for it: all would otherwise break pytest-kind's
    reuse, so such a cluster is deleted and made anew.
    """
    if not cluster_exists(platform, name):
        return False
    node = f"{name}-control-plane"
    probe = run(["docker", "inspect", "--format", "{{.State.Running}}", node])
    if probe.strip() != "true":
        say(f"cluster {name!r} exists but its node {node} is not running: recreating it")
        run([platform.kind, "delete", "cluster", "--name", name])
        return False
    run(
        [
            platform.kind,
            "export",
            "kubeconfig",
            "--name",
            name,
            "--kubeconfig",
            kubeconfig_path(name),
        ]
    )
    if not _api_ready(platform, name):
        say(f"cluster {name!r} runs but its API server never became ready: recreating it")
        run([platform.kind, "delete", "cluster", "--name", name])
        return False
    if not _creation_completed(connect(kubeconfig_path(name), platform.kubectl)):
        say(f"cluster {name!r} was never completely created (interrupted?): recreating it")
        run([platform.kind, "delete", "cluster", "--name", name])
        return False
    return True


def _creation_completed(kube: Kube) -> bool:
    namespace, name = COMPLETE_MARKER
    try:
        kube.core.read_namespaced_config_map(name, namespace)
    except ApiException as exc:
        if exc.status == 404:
            return False
        raise
    return True


def _mark_creation_completed(kube: Kube, platform: ClusterPlatform) -> None:
    namespace, name = COMPLETE_MARKER
    marker = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace},
        "data": {"node-image": platform.node_image, "airgap": str(platform.airgap).lower()},
    }
    apply_objects(kube, [marker])


def _api_ready(platform: ClusterPlatform, name: str, timeout: float = 90) -> bool:
    """A node restarted by Docker can come back broken (e.g. a new IP): probe /readyz."""
    kube = connect(kubeconfig_path(name), platform.kubectl)

    def ready() -> tuple[bool, str]:
        answer = kube.kubectl("get", "--raw", "/readyz", "--request-timeout=5s", check=False)
        return answer.strip() == "ok", f"/readyz -> {answer.strip() or 'no answer'}"

    try:
        waits.wait_for(ready, f"the API server of {name!r}", timeout=timeout, interval=2)
    except waits.WaitTimeout:
        return False
    return True


class ClusterNotFound(KindlabError):
    """No running kind cluster of that name (or no kubeconfig for it) on this Docker host."""


def attach_cluster(platform: ClusterPlatform, name: str = DEFAULT_CLUSTER_NAME) -> LabCluster:
    """The running cluster `name`, as start_cluster returns it, without creating or loading.

    Tools that act on a lab someone already brought up (`labctl`) must not create a cluster
    as a side effect, so a missing cluster is an error that says how to make one.
    """
    kubeconfig = kubeconfig_path(name)
    if not cluster_exists(platform, name):
        raise ClusterNotFound(f"no kind cluster named {name!r} is running")
    if not kubeconfig.is_file():
        raise ClusterNotFound(f"cluster {name!r} runs, but its kubeconfig {kubeconfig} is missing")
    address = endpoints.docker_host_address()
    config = endpoints.cluster_config_for(CLUSTER_CONFIG, address, kubeconfig.parent)
    cluster = KindCluster(
        name,
        kubeconfig=kubeconfig,
        image=platform.node_image,
        kind_path=platform.kind,
        kubectl_path=platform.kubectl,
    )
    kube = connect(kubeconfig, platform.kubectl)
    return LabCluster(name, platform, cluster, kube, address, config)


def start_cluster(platform: ClusterPlatform, name: str = DEFAULT_CLUSTER_NAME) -> LabCluster:
    """Create the kind cluster, or reuse the one of that name, and wait until it can schedule."""
    address = endpoints.docker_host_address()
    workdir = kubeconfig_path(name).parent
    workdir.mkdir(parents=True, exist_ok=True)
    config = endpoints.cluster_config_for(CLUSTER_CONFIG, address, workdir)
    cluster = KindCluster(
        name,
        kubeconfig=kubeconfig_path(name),
        image=platform.node_image,
        kind_path=platform.kind,
        kubectl_path=platform.kubectl,
    )
    reuse = _reusable(platform, name)
    if not reuse:
        ensure_ports_free(config)
    verb = "Reusing" if reuse else "Creating"
    try:
        with step(f"{verb} kind cluster {name!r} (node image {platform.node_image})"):
            cluster.create(config_file=config)
            endpoints.point_kubeconfig_at(kubeconfig_path(name), address)
        kube = connect(kubeconfig_path(name), platform.kubectl)
        with step("Waiting for the node and cluster DNS"):
            waits.wait_for(_nodes_ready(kube), "node Ready", timeout=300)
            waits.wait_for(
                waits.deployment_rolled_out(kube, "kube-system", "coredns"), "CoreDNS", 300
            )
        if not reuse:
            _mark_creation_completed(kube, platform)
    except BaseException:
        if not reuse:
            say(f"creation of cluster {name!r} did not finish: deleting the half-made cluster")
            subprocess.run([platform.kind, "delete", "cluster", "--name", name], check=False)
        raise
    lab = LabCluster(name, platform, cluster, kube, address, config, created=not reuse)
    for image in platform.preload_images:
        lab.load_image(image)
    return lab


def deploy_addons(lab: LabCluster, with_grafana: bool = False) -> Endpoints:
    """Traefik and Prometheus applied and Ready; Grafana too where its image can be had."""
    with step("Applying add-ons (Traefik ingress, Prometheus)"):
        objects = apply_kustomization(lab.kube, ADDONS)
        for namespace, name in (("traefik", "traefik"), ("monitoring", "prometheus")):
            waits.wait_for(
                waits.deployment_rolled_out(lab.kube, namespace, name), f"{name} rollout", 300
            )
    grafana_url = None
    if with_grafana and lab.platform.airgap:
        say("Grafana left out: no Grafana image can be built or pulled on an air-gapped host")
    elif with_grafana:
        with step("Applying Grafana"):
            grafana_objects = apply_kustomization(lab.kube, GRAFANA)
            waits.wait_for(
                waits.deployment_rolled_out(lab.kube, "monitoring", "grafana"), "grafana", 300
            )
            grafana_url = _url(lab, grafana_objects, "monitoring", "grafana")
    return Endpoints(
        ingress=_url(lab, objects, "traefik", "traefik"),
        ingress_host=app_ingress_host(lab.kube),
        prometheus=_url(lab, objects, "monitoring", "prometheus"),
        grafana=grafana_url,
    )


def addon_endpoints(lab: LabCluster) -> Endpoints:
    """The URLs deploy_addons returns, for add-ons that are already applied (nothing changes)."""
    objects = render(lab.kube, ADDONS)
    grafana_url = None
    grafana = lab.kube.core.list_namespaced_service(
        "monitoring", field_selector="metadata.name=grafana"
    )
    if grafana.items:
        grafana_url = _url(lab, render(lab.kube, GRAFANA), "monitoring", "grafana")
    return Endpoints(
        ingress=_url(lab, objects, "traefik", "traefik"),
        ingress_host=app_ingress_host(lab.kube),
        prometheus=_url(lab, objects, "monitoring", "prometheus"),
        grafana=grafana_url,
    )


def build_app_image(tag: str = APP_TAG, app_version: str | None = None) -> str:
    """The app image from the repo's Dockerfile, as production builds it."""
    ref = f"{APP_REPOSITORY}:{tag}"
    appimage.build_app_image(ref, app_version or tag)
    return ref


def deploy_app(lab: LabCluster, image: str) -> None:
    """The kind overlay applied with the image loaded into the node, rollout complete."""
    lab.load_image(image)
    with step("Deploying the app (k8s/overlays/kind)"):
        apply_app_overlay(lab.kube)
        waits.wait_for(
            waits.deployment_rolled_out(lab.kube, APP_NAMESPACE, APP_NAME), "app rollout", 300
        )


def wait_until_serving(kube: Kube, urls: Endpoints) -> None:
    """No fault left in any pod, and every pod answers through the ingress.

    Traefik also picks up new Ingresses and endpoints a moment after they exist: this waits
    for that too, so "up" means a user's request reaches any pod and gets a 200.
    """
    with step("Checking that every app pod serves through the ingress"):
        health.clear_faults(kube)
        waits.wait_for(
            waits.deployment_rolled_out(kube, APP_NAMESPACE, APP_NAME), "app pods back", 300
        )
        client = IngressClient(urls.ingress, urls.ingress_host)
        waits.wait_for(health.every_pod_serves(kube, client), "every pod to serve", 120)


def apply_app_overlay(kube: Kube) -> None:
    """The kind overlay exactly as committed, whatever a test or a learner changed before.

    Server-side apply alone would keep fields that other managers added (an env var, a
    progress deadline), so an existing Deployment is replaced whole; the rest is applied.
    """
    objects = render(kube, APP_OVERLAY)
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    apply_objects(kube, [o for o in objects if o is not deployment])
    resource = kube.dynamic.resources.get(api_version="apps/v1", kind="Deployment")
    try:
        current = kube.apps.read_namespaced_deployment(APP_NAME, APP_NAMESPACE)
    except ApiException as exc:
        if exc.status != 404:
            raise
        apply_objects(kube, [deployment])
        return
    deployment["metadata"]["resourceVersion"] = current.metadata.resource_version
    resource.replace(body=deployment, namespace=APP_NAMESPACE)


def app_ingress_host(kube: Kube) -> str:
    for obj in render(kube, APP_OVERLAY):
        if obj["kind"] == "Ingress":
            return obj["spec"]["rules"][0]["host"]
    raise LookupError(f"{APP_OVERLAY} renders no Ingress")


def _url(lab: LabCluster, objects: list[dict], namespace: str, service: str) -> str:
    node_port = endpoints.node_port(objects, namespace, service, "web")
    return f"http://{lab.address}:{endpoints.host_port(lab.config, node_port)}"


def _nodes_ready(kube: Kube) -> waits.Condition:
    def check() -> tuple[bool, str]:
        nodes = kube.core.list_node().items
        ready = [
            n.metadata.name
            for n in nodes
            if any(c.type == "Ready" and c.status == "True" for c in n.status.conditions or [])
        ]
        return bool(nodes) and len(ready) == len(nodes), f"{len(ready)}/{len(nodes)} nodes Ready"

    return check

"""The kind cluster's life: create it, or reuse one that is whole, attach to it, delete it.

A cluster is reused only if its node runs, its API server answers and kindlab finished creating
it (a marker ConfigMap written last); anything else is deleted and made anew, so an
interrupted or broken cluster never poisons the next run.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml
from pytest_kind import KindCluster

from kindlab.build.dockerimages import containerd_name
from kindlab.cluster import endpoints, waits
from kindlab.cluster.apply import apply_objects
from kindlab.cluster.deletion import delete_cluster
from kindlab.cluster.identity import DEFAULT_CLUSTER_NAME, kubeconfig_path
from kindlab.cluster.kube import Kube, connect, or_none
from kindlab.cluster.platform import ClusterPlatform
from kindlab.core import wait
from kindlab.core.errors import KindlabError
from kindlab.core.output import say, step
from kindlab.core.process import run
from kindlab.host import ports

CLUSTER_CONFIG = endpoints.CLUSTER_CONFIG
# Written once creation has fully finished: a cluster without it was interrupted midway.
COMPLETE_MARKER = ("kube-system", "kindlab-cluster-complete")
KIND_DEFAULT_SERVICE_SUBNET = "10.96.0.0/16"
GUARD_COMMENT = "kindlab: untranslated Service traffic never leaves the node"


@dataclass
class Cluster:
    """A running kind cluster with its API clients and the host address its ports are on."""

    name: str
    platform: ClusterPlatform
    kube: Kube
    address: str
    config: Path
    # True when this run made the cluster (so this run may delete it); False when reused.
    created: bool = False

    def load_image(self, ref: str) -> None:
        self.load_images([ref])

    def load_images(self, refs: list[str]) -> None:
        """One `kind load` for all of them: one archive (shared layers once), one import per
        node, instead of one of each per image."""
        if not refs:
            return
        what = refs[0] if len(refs) == 1 else f"{len(refs)} images ({', '.join(refs)})"
        with step(f"Loading {what} into the cluster"):
            run([self.platform.kind, "load", "docker-image", "--name", self.name, *refs])

    def guard_service_network(self) -> None:
        """Reject traffic to a Service IP that kube-proxy has not translated (yet).

        Such a packet otherwise leaves the node by its default route; behind a transparent
        HTTPS proxy (as on our CI hosts) the proxy answers it, and the API server keeps that
        connection: the metrics API stayed unavailable ("bad status 404") because the
        aggregator's first connection to metrics-server's Service raced kube-proxy. Rejected,
        the connection is simply retried once the rule exists. Packets kube-proxy translates
        carry a pod's address by the time the filter table sees them, so they pass.
        """
        subnet = service_subnet(self.config)
        rule = ["-d", subnet, "-m", "comment", "--comment", GUARD_COMMENT, "-j", "REJECT"]
        for node in self.nodes():
            for chain in ("OUTPUT", "FORWARD"):
                present = subprocess.run(
                    ["docker", "exec", node, "iptables", "-C", chain, *rule],
                    capture_output=True,
                    check=False,
                )
                if present.returncode != 0:
                    run(["docker", "exec", node, "iptables", "-I", chain, "1", *rule])

    def nodes(self) -> list[str]:
        listing = run([self.platform.kind, "get", "nodes", "--name", self.name])
        return [line.strip() for line in listing.splitlines() if line.strip()]

    def image_digests(self, ref: str) -> dict[str, str | None]:
        """Node -> the manifest digest containerd holds under `ref` (None: not there): what a
        container started from `ref` on that node now runs, as its pod's status reports it."""
        found: dict[str, str | None] = {}
        for node in self.nodes():
            listing = run(
                ["docker", "exec", node, "ctr", "-n", "k8s.io", "images", "ls",
                 f"name=={containerd_name(ref)}"]
            )  # fmt: skip
            rows = [line.split() for line in listing.splitlines()[1:] if line.strip()]
            found[node] = rows[0][2] if rows else None
        return found

    def has_image(self, ref: str) -> bool:
        """Whether containerd on every node holds `ref`, which is what `kind load` puts there.

        Asked of containerd itself (`ctr`, in every kind node image): the node status the API
        reports lags by up to its update period.
        """
        for node in self.nodes():
            listing = run(["docker", "exec", node, "ctr", "-n", "k8s.io", "images", "ls", "-q"])
            if containerd_name(ref) not in listing.split():
                return False
        return True

    def remove_image(self, ref: str) -> None:
        for node in self.nodes():
            subprocess.run(
                ["docker", "exec", node, "ctr", "-n", "k8s.io", "images", "rm",
                 containerd_name(ref)],
                capture_output=True,
                check=False,
            )  # fmt: skip

    def delete(self) -> None:
        delete_cluster(self.name)


def service_subnet(config: Path) -> str:
    networking = yaml.safe_load(config.read_text()).get("networking") or {}
    return networking.get("serviceSubnet", KIND_DEFAULT_SERVICE_SUBNET)


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


def published_ports(port_bindings: dict | None) -> set[tuple[str, int]]:
    """(address, host port) pairs from a container's `HostConfig.PortBindings`."""
    return {
        (binding.get("HostIp") or "0.0.0.0", int(binding["HostPort"]))
        for bindings in (port_bindings or {}).values()
        for binding in bindings or []
    }


def _unpublished_ports(node: str, config: Path) -> list[str]:
    """Host ports the config maps that the node does not publish (kind maps them only when it
    creates a node, so a cluster from an older config lacks the ports added since)."""
    bindings = json.loads(
        run(["docker", "inspect", "--format", "{{json .HostConfig.PortBindings}}", node])
    )
    published = published_ports(bindings)
    return [f"{a}:{p}" for a, p in endpoints.mapped_host_ports(config) if (a, p) not in published]


def _reusable(platform: ClusterPlatform, name: str, config: Path) -> bool:
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
        delete_cluster(name)
        return False
    missing = _unpublished_ports(node, config)
    if missing:
        unmapped = ", ".join(missing)
        say(f"cluster {name!r} does not publish {unmapped} (an older config): recreating it")
        delete_cluster(name)
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
        delete_cluster(name)
        return False
    if not _creation_completed(connect(kubeconfig_path(name), platform.kubectl)):
        say(f"cluster {name!r} was never completely created (interrupted?): recreating it")
        delete_cluster(name)
        return False
    return True


def _creation_completed(kube: Kube) -> bool:
    namespace, name = COMPLETE_MARKER
    return or_none(kube.core.read_namespaced_config_map, name, namespace) is not None


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
        wait.wait_for(ready, f"the API server of {name!r}", timeout=timeout, interval=2)
    except wait.WaitTimeout:
        return False
    return True


class ClusterNotFound(KindlabError):
    """No running kind cluster of that name (or no kubeconfig for it) on this Docker host."""


def kind_cluster(platform: ClusterPlatform, name: str) -> KindCluster:
    """pytest-kind's handle on cluster `name`, with our kind, kubectl and node image (its own
    defaults are an old kind it would download)."""
    return KindCluster(
        name,
        kubeconfig=kubeconfig_path(name),
        image=platform.node_image,
        kind_path=platform.kind,
        kubectl_path=platform.kubectl,
    )


def attach_cluster(platform: ClusterPlatform, name: str = DEFAULT_CLUSTER_NAME) -> Cluster:
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
    config = endpoints.cluster_config_for(
        CLUSTER_CONFIG, address, kubeconfig.parent, endpoints.port_offset()
    )
    kube = connect(kubeconfig, platform.kubectl)
    return Cluster(name, platform, kube, address, config)


def start_cluster(platform: ClusterPlatform, name: str = DEFAULT_CLUSTER_NAME) -> Cluster:
    """Create the kind cluster, or reuse the one of that name, and wait until it can schedule."""
    address = endpoints.docker_host_address()
    workdir = kubeconfig_path(name).parent
    workdir.mkdir(parents=True, exist_ok=True)
    config = endpoints.cluster_config_for(CLUSTER_CONFIG, address, workdir, endpoints.port_offset())
    cluster = kind_cluster(platform, name)
    reuse = _reusable(platform, name, config)
    if not reuse:
        ensure_ports_free(config)
    verb = "Reusing" if reuse else "Creating"
    try:
        with step(f"{verb} kind cluster {name!r} (node image {platform.node_image})"):
            cluster.create(config_file=config)
            endpoints.point_kubeconfig_at(kubeconfig_path(name), address)
        kube = connect(kubeconfig_path(name), platform.kubectl)
        made = Cluster(name, platform, kube, address, config, created=not reuse)
        made.guard_service_network()
        with step("Waiting for the node and cluster DNS"):
            wait.wait_for(_nodes_ready(kube), "node Ready", timeout=300)
            wait.wait_for(
                waits.deployment_rolled_out(kube, "kube-system", "coredns"), "CoreDNS", 300
            )
        if not reuse:
            _mark_creation_completed(kube, platform)
    except BaseException:
        if not reuse:
            say(f"creation of cluster {name!r} did not finish: deleting the half-made cluster")
            delete_cluster(name)
        raise
    made.load_images(list(platform.preload_images))
    return made


def _nodes_ready(kube: Kube) -> wait.Condition:
    def check() -> tuple[bool, str]:
        nodes = kube.core.list_node().items
        ready = [
            n.metadata.name
            for n in nodes
            if any(c.type == "Ready" and c.status == "True" for c in n.status.conditions or [])
        ]
        return bool(nodes) and len(ready) == len(nodes), f"{len(ready)}/{len(nodes)} nodes Ready"

    return check

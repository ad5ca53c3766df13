"""Where the cluster's published ports are reachable: localhost, or the Docker host in DinD.

kind publishes the API server and the mapped ports on the Docker host. On a laptop that is
127.0.0.1; in a GitLab pipeline with a Docker-in-Docker service it is the service's host
(DOCKER_HOST=tcp://docker:2376), and the ports the tests use must listen beyond its loopback.

Only those: the API server and the ingress, bound to the Docker host's own address (what
DOCKER_HOST names, resolved), never 0.0.0.0. Prometheus (every metric and its scrape config,
no login; its lifecycle API is off, k8s/addons/prometheus), Alertmanager and Grafana stay on the
engine's loopback. An engine that really needs every port on every interface gets it only with
KINDLAB_EXPOSE_ALL=1, and a warning naming what becomes reachable.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlparse

import yaml

from kindlab.core.errors import KindlabError
from kindlab.core.output import say
from kindlab.core.paths import REPO_ROOT

# The kind cluster's config: the one place its host ports are written.
CLUSTER_CONFIG = REPO_ROOT / "k8s" / "kind" / "cluster.yaml"
LOOPBACK = "127.0.0.1"
# Moves every host port the kind config maps, so a second cluster can run beside the first
# (CI runs the labs tier on its own cluster while e2e runs).
PORT_OFFSET_VARIABLE = "KINDLAB_PORT_OFFSET"
MAX_PORT = 65535
ANY_ADDRESS = "0.0.0.0"
EXPOSE_ALL_VARIABLE = "KINDLAB_EXPOSE_ALL"
# The node ports of k8s/kind/cluster.yaml that a remote engine's clients need (the tests reach
# the app through the ingress); every other mapping stays on the engine's loopback.
REMOTE_NODE_PORTS = {30080: "the ingress (Traefik, the app)"}
# What the other mappings would expose, named in the KINDLAB_EXPOSE_ALL warning.
LOCAL_NODE_PORTS = {
    30090: "Prometheus (every metric and its scrape config, no login)",
    30093: "Alertmanager (silences, no login)",
    30030: "Grafana (admin/admin)",
}


class BadPortOffset(KindlabError):
    """KINDLAB_PORT_OFFSET is not a whole number that keeps every port valid."""


def port_offset(environ: Mapping[str, str] = os.environ) -> int:
    raw = environ.get(PORT_OFFSET_VARIABLE, "").strip()
    if not raw:
        return 0
    try:
        offset = int(raw)
    except ValueError:
        raise BadPortOffset(f"{PORT_OFFSET_VARIABLE}={raw!r} is not a whole number") from None
    if not 0 <= offset <= MAX_PORT // 2:
        raise BadPortOffset(f"{PORT_OFFSET_VARIABLE}={offset} is outside 0..{MAX_PORT // 2}")
    return offset


def docker_host_address(docker_host: str | None = None) -> str:
    value = os.environ.get("DOCKER_HOST", "") if docker_host is None else docker_host
    parsed = urlparse(value)
    if parsed.scheme in {"tcp", "http", "https"} and parsed.hostname:
        return parsed.hostname
    return LOOPBACK


def expose_all(environ: Mapping[str, str] = os.environ) -> bool:
    """KINDLAB_EXPOSE_ALL=1: every port on every interface of a remote engine (opt-in)."""
    return environ.get(EXPOSE_ALL_VARIABLE, "").strip().lower() in {"1", "true", "yes"}


def remote_listen_address(address: str, everywhere: bool = False) -> str:
    """Where a remote engine publishes what its clients need: its own address, resolved."""
    if everywhere:
        return ANY_ADDRESS
    try:
        return socket.gethostbyname(address)
    except OSError as exc:
        raise KindlabError(
            f"the Docker host {address!r} (DOCKER_HOST) does not resolve here ({exc}): kindlab "
            f"binds the cluster's ports to its address; {EXPOSE_ALL_VARIABLE}=1 binds 0.0.0.0"
        ) from None


def cluster_config_for(
    source: Path, address: str, workdir: Path, offset: int = 0, everywhere: bool | None = None
) -> Path:
    """The kind config, with the API server and the ingress opened to the Docker host's
    address when that host is remote, and with its host ports moved by `offset`."""
    if address == LOOPBACK and not offset:
        return source
    config = yaml.safe_load(source.read_text())
    remote = address != LOOPBACK
    everywhere = expose_all() if everywhere is None else everywhere
    listen = remote_listen_address(address, everywhere) if remote else LOOPBACK
    if remote:
        config.setdefault("networking", {})["apiServerAddress"] = listen
    for node in config.get("nodes", []):
        for mapping in node.get("extraPortMappings", []):
            mapping["hostPort"] = int(mapping["hostPort"]) + offset
            if remote and (everywhere or mapping.get("containerPort") in REMOTE_NODE_PORTS):
                mapping["listenAddress"] = listen
    if remote and everywhere:
        say(exposure_warning(config))
    target = workdir / "cluster.yaml"
    target.write_text(yaml.safe_dump(config, sort_keys=False))
    return target


def exposure_warning(config: dict) -> str:
    """What KINDLAB_EXPOSE_ALL makes reachable from the network, port by port."""
    reachable = ["the Kubernetes API server (cluster-admin with its kubeconfig)"]
    for node in config.get("nodes", []):
        for mapping in node.get("extraPortMappings", []):
            port = mapping.get("containerPort")
            what = REMOTE_NODE_PORTS.get(port) or LOCAL_NODE_PORTS.get(port) or f"node port {port}"
            reachable.append(f"{what} on port {mapping['hostPort']}")
    return (
        f"WARNING: {EXPOSE_ALL_VARIABLE}=1: the Docker host publishes on every interface, so "
        f"anyone who can reach it reaches {'; '.join(reachable)}"
    )


def point_kubeconfig_at(kubeconfig: Path, address: str) -> None:
    """Reach the API server via the Docker host while verifying its certificate as localhost."""
    if address == LOOPBACK:
        return
    config = yaml.safe_load(kubeconfig.read_text())
    for entry in config.get("clusters", []):
        cluster = entry["cluster"]
        server = urlparse(cluster["server"])
        cluster["server"] = f"{server.scheme}://{address}:{server.port}"
        cluster["tls-server-name"] = "localhost"
    kubeconfig.write_text(yaml.safe_dump(config, sort_keys=False))


def host_port(cluster_config: Path, node_port: int) -> int:
    """The host port kind maps to a node port, as declared in the cluster config."""
    config = yaml.safe_load(cluster_config.read_text())
    for node in config.get("nodes", []):
        for mapping in node.get("extraPortMappings", []):
            if mapping.get("containerPort") == node_port:
                return int(mapping["hostPort"])
    raise LookupError(f"{cluster_config} maps no host port to node port {node_port}")


def mapped_host_ports(cluster_config: Path) -> list[tuple[str, int]]:
    """Every (listenAddress, hostPort) the cluster config publishes."""
    config = yaml.safe_load(cluster_config.read_text())
    return [
        (mapping.get("listenAddress", "0.0.0.0"), int(mapping["hostPort"]))
        for node in config.get("nodes", [])
        for mapping in node.get("extraPortMappings", [])
    ]


def node_port(objects: list[dict], namespace: str, service: str, port_name: str) -> int:
    """A Service's nodePort, read from the rendered manifests (they are the source of truth)."""
    for obj in objects:
        meta = obj.get("metadata", {})
        if obj.get("kind") == "Service" and (meta.get("namespace"), meta.get("name")) == (
            namespace,
            service,
        ):
            for port in obj["spec"].get("ports", []):
                if port.get("name") == port_name:
                    return int(port["nodePort"])
    raise LookupError(f"no Service {namespace}/{service} with a nodePort named {port_name!r}")

"""Where the cluster's published ports are reachable: localhost, or the Docker host in DinD.

kind publishes the API server and the mapped ports on the Docker host. On a laptop that is
127.0.0.1; in a GitLab pipeline with a Docker-in-Docker service it is the service's host
(DOCKER_HOST=tcp://docker:2376), and the ports must listen beyond its loopback.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlparse

import yaml

from kindlab.errors import KindlabError

LOOPBACK = "127.0.0.1"
# Moves every host port the kind config maps, so a second cluster can run beside the first
# (CI runs the labs tier on its own cluster while e2e runs).
PORT_OFFSET_VARIABLE = "KINDLAB_PORT_OFFSET"
MAX_PORT = 65535


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


def cluster_config_for(source: Path, address: str, workdir: Path, offset: int = 0) -> Path:
    """The kind config, opened to the Docker host's interfaces when that host is remote, and
    with its host ports moved by `offset`."""
    if address == LOOPBACK and not offset:
        return source
    config = yaml.safe_load(source.read_text())
    if address != LOOPBACK:
        config.setdefault("networking", {})["apiServerAddress"] = "0.0.0.0"
    for node in config.get("nodes", []):
        for mapping in node.get("extraPortMappings", []):
            mapping["hostPort"] = int(mapping["hostPort"]) + offset
            if address != LOOPBACK:
                mapping["listenAddress"] = "0.0.0.0"
    target = workdir / "cluster.yaml"
    target.write_text(yaml.safe_dump(config, sort_keys=False))
    return target


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

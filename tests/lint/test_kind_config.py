"""The kind cluster config agrees with the add-ons it must expose (ports, node label)."""

import copy

import pytest
import yaml

from kindlab.bringup.addon_registry import ADDONS
from kindlab.core.paths import REPO_ROOT

from .kustomize import by_kind

CLUSTER = REPO_ROOT / "k8s/kind/cluster.yaml"
# Host port on 127.0.0.1 -> the NodePort Service behind it.
EXPOSED = {
    8080: ("k8s/addons/traefik", "traefik"),
    9090: ("k8s/addons/prometheus", "prometheus"),
    9093: ("k8s/addons/alertmanager", "alertmanager"),
    3000: ("k8s/addons/grafana", "grafana"),
}


def mismatches(cluster, rendered):
    """Everything in the kind config that would leave an add-on unreachable from the host."""
    nodes = cluster["nodes"]
    found = (
        []
        if [n["role"] for n in nodes] == ["control-plane"]
        else ["expected one control-plane node"]
    )
    mappings = {m["hostPort"]: m for m in nodes[0].get("extraPortMappings", [])}
    for host_port, (path, service) in EXPOSED.items():
        node_ports = {
            p["nodePort"]
            for s in by_kind(rendered[path], "Service")
            if s["metadata"]["name"] == service
            for p in s["spec"]["ports"]
        }
        mapping = mappings.get(host_port, {})
        if (
            mapping.get("containerPort") not in node_ports
            or mapping.get("listenAddress") != "127.0.0.1"
        ):
            found.append(f"127.0.0.1:{host_port} does not reach {service} node ports {node_ports}")
    traefik = next(
        d
        for d in by_kind(rendered["k8s/addons/traefik"], "Deployment")
        if d["metadata"]["name"] == "traefik"
    )
    wanted = traefik["spec"]["template"]["spec"].get("nodeSelector", {})
    if not wanted.items() <= nodes[0].get("labels", {}).items():
        found.append(f"no node carries Traefik's nodeSelector {wanted}")
    return found


def test_kind_config_exposes_every_addon_on_loopback(rendered):
    cluster = yaml.safe_load(CLUSTER.read_text())
    assert cluster["apiVersion"] == "kind.x-k8s.io/v1alpha4"
    assert mismatches(cluster, rendered) == []


@pytest.mark.parametrize(
    "breakage",
    [
        lambda c: c["nodes"][0]["extraPortMappings"][0].update(containerPort=30081),
        lambda c: c["nodes"][0]["extraPortMappings"][1].update(listenAddress="0.0.0.0"),
        lambda c: c["nodes"][0].pop("labels"),
        lambda c: c["nodes"].append({"role": "worker"}),
    ],
    ids=["wrong node port", "listens beyond loopback", "no ingress label", "extra node"],
)
def test_kind_config_check_rejects_a_broken_copy(rendered, breakage):
    cluster = copy.deepcopy(yaml.safe_load(CLUSTER.read_text()))
    breakage(cluster)
    assert mismatches(cluster, rendered)


def test_every_addon_with_a_service_is_exposed():
    published = {service for _, service in EXPOSED.values()}
    assert {a.service for a in ADDONS if a.service} == published

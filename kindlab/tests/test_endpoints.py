import socket

import pytest
import yaml

from kindlab.cluster import endpoints
from kindlab.cluster.lifecycle import CLUSTER_CONFIG, PortTaken, ensure_ports_free, published_ports
from kindlab.core.errors import KindlabError

CLUSTER = {
    "kind": "Cluster",
    "nodes": [
        {
            "role": "control-plane",
            "extraPortMappings": [
                {"containerPort": 30080, "hostPort": 8080, "listenAddress": "127.0.0.1"}
            ],
        }
    ],
}


@pytest.mark.parametrize(
    ("docker_host", "address"),
    [
        ("", "127.0.0.1"),
        ("unix:///var/run/docker.sock", "127.0.0.1"),
        ("tcp://docker:2376", "docker"),
        ("tcp://10.1.2.3:2375", "10.1.2.3"),
    ],
)
def test_address_follows_docker_host(docker_host, address):
    assert endpoints.docker_host_address(docker_host) == address


def _rendered(address, tmp_path, **kwargs):
    path = endpoints.cluster_config_for(CLUSTER_CONFIG, address, tmp_path, **kwargs)
    config = yaml.safe_load(path.read_text())
    listening = {
        m["containerPort"]: m.get("listenAddress", "0.0.0.0")
        for node in config["nodes"]
        for m in node.get("extraPortMappings", [])
    }
    return config.get("networking", {}).get("apiServerAddress"), listening


def test_a_local_engine_keeps_everything_on_loopback(tmp_path):
    assert endpoints.cluster_config_for(CLUSTER_CONFIG, "127.0.0.1", tmp_path) == CLUSTER_CONFIG
    api, listening = _rendered("127.0.0.1", tmp_path, offset=10000)
    assert api is None and set(listening.values()) == {"127.0.0.1"}


def test_a_remote_engine_opens_only_the_api_and_the_ingress_on_its_own_address(tmp_path):
    api, listening = _rendered("10.1.2.3", tmp_path, everywhere=False)
    assert api == "10.1.2.3"
    assert listening[30080] == "10.1.2.3"  # the ingress: what the tests reach
    # Prometheus (every metric, no login), Alertmanager and Grafana stay on the engine's loopback.
    assert {listening[p] for p in (30090, 30093, 30030)} == {"127.0.0.1"}
    assert "0.0.0.0" not in {api, *listening.values()}


def test_a_remote_engine_named_by_host_name_binds_its_resolved_address(tmp_path):
    api, listening = _rendered("localhost", tmp_path, everywhere=False)
    assert api == listening[30080] == "127.0.0.1"


def test_an_unresolvable_docker_host_is_a_clear_error(tmp_path):
    with pytest.raises(
        KindlabError, match=r"'no-such-host\.invalid' \(DOCKER_HOST\) does not resolve"
    ):
        endpoints.cluster_config_for(
            CLUSTER_CONFIG, "no-such-host.invalid", tmp_path, everywhere=False
        )


def test_everything_on_every_interface_only_when_asked_and_with_a_warning(tmp_path, monkeypatch):
    said: list[str] = []
    monkeypatch.setattr(endpoints, "say", said.append)
    monkeypatch.setenv(endpoints.EXPOSE_ALL_VARIABLE, "1")
    api, listening = _rendered("docker", tmp_path)
    assert api == "0.0.0.0" and set(listening.values()) == {"0.0.0.0"}
    (warning,) = said
    for reachable in ("API server", "ingress", "Prometheus", "Alertmanager", "Grafana"):
        assert reachable in warning
    # Its lifecycle API is off (k8s/addons/prometheus; tests/lint/test_prometheus_lifecycle.py):
    # what the port gives away is read access, not a way to stop it.
    assert "every metric and its scrape config" in warning
    assert "/-/quit" not in warning and "lifecycle" not in warning
    monkeypatch.delenv(endpoints.EXPOSE_ALL_VARIABLE)
    assert not endpoints.expose_all()


def test_port_offset_moves_every_host_port_and_nothing_else(tmp_path):
    source = tmp_path / "cluster.yaml"
    source.write_text(yaml.safe_dump(CLUSTER))
    moved = yaml.safe_load(
        endpoints.cluster_config_for(source, "127.0.0.1", tmp_path, 10000).read_text()
    )
    mapping = moved["nodes"][0]["extraPortMappings"][0]
    assert mapping == {"containerPort": 30080, "hostPort": 18080, "listenAddress": "127.0.0.1"}
    assert "networking" not in moved


@pytest.mark.parametrize(("value", "expected"), [(None, 0), ("", 0), ("10000", 10000), (" 7 ", 7)])
def test_port_offset_from_the_environment(value, expected):
    environ = {} if value is None else {endpoints.PORT_OFFSET_VARIABLE: value}
    assert endpoints.port_offset(environ) == expected


@pytest.mark.parametrize(
    ("value", "message"), [("ten", "not a whole number"), ("-1", "outside"), ("40000", "outside")]
)
def test_bad_port_offset_is_a_clear_error(value, message):
    with pytest.raises(endpoints.BadPortOffset, match=message):
        endpoints.port_offset({endpoints.PORT_OFFSET_VARIABLE: value})


def test_kubeconfig_points_at_the_docker_host(tmp_path):
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        yaml.safe_dump(
            {"clusters": [{"name": "k", "cluster": {"server": "https://0.0.0.0:41234"}}]}
        )
    )
    endpoints.point_kubeconfig_at(kubeconfig, "docker")
    cluster = yaml.safe_load(kubeconfig.read_text())["clusters"][0]["cluster"]
    assert cluster == {"server": "https://docker:41234", "tls-server-name": "localhost"}


def test_ports_come_from_the_manifests_and_the_cluster_config(tmp_path):
    config = tmp_path / "cluster.yaml"
    config.write_text(yaml.safe_dump(CLUSTER))
    service = {
        "kind": "Service",
        "metadata": {"namespace": "traefik", "name": "traefik"},
        "spec": {"ports": [{"name": "web", "nodePort": 30080}]},
    }
    node_port = endpoints.node_port([service], "traefik", "traefik", "web")
    assert endpoints.host_port(config, node_port) == 8080
    with pytest.raises(LookupError, match="no host port"):
        endpoints.host_port(config, 30090)
    with pytest.raises(LookupError, match="nodePort named 'admin'"):
        endpoints.node_port([service], "traefik", "traefik", "admin")


def test_mapped_ports_and_a_taken_port_is_named(tmp_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        config = tmp_path / "cluster.yaml"
        mapping = {"containerPort": 30080, "hostPort": port, "listenAddress": "127.0.0.1"}
        config.write_text(yaml.safe_dump({"nodes": [{"extraPortMappings": [mapping]}]}))
        assert endpoints.mapped_host_ports(config) == [("127.0.0.1", port)]
        with pytest.raises(PortTaken, match=f"127.0.0.1:{port} is taken"):
            ensure_ports_free(config)
    ensure_ports_free(config)


def test_published_ports_from_docker_port_bindings():
    bindings = {
        "30080/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}],
        "6443/tcp": [{"HostIp": "", "HostPort": "41234"}],
        "30090/tcp": None,
    }
    assert published_ports(bindings) == {("127.0.0.1", 8080), ("0.0.0.0", 41234)}
    assert published_ports(None) == set()

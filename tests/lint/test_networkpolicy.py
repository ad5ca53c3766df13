"""Default deny in every namespace kindlab owns, and exactly the flows the lab needs allowed.

Enforcement cannot be shown on our hosts (no nftables queue in the kernel, see
../shared/README.md), so the rendered policies of a whole cluster (an app overlay plus every
add-on) are evaluated with NetworkPolicy semantics (netpol.py): each REQUIRED flow must get
through, each FORBIDDEN one must not. The evaluator itself is shown to follow the API's rules
on small policies, and the check to fail on broken copies of ours.
"""

from __future__ import annotations

import copy

import pytest

from .kustomize import ADDON_PATHS
from .netpol import Cluster, Outside, Pod, cluster_of, pods_of

OVERLAYS = ("k8s/overlays/kind", "k8s/overlays/production")
OWNED_NAMESPACES = ("kindlab", "traefik", "monitoring")

# Kubelet probes are left out: traffic from a pod's own node is always let through.
NODE = Outside("node (API server, kubelet, NodePort traffic from the host)", "172.18.0.2")
INTERNET = Outside("the internet", "93.184.216.34")
# CoreDNS is kind's, not ours: the pod our DNS rules must reach.
KUBE_DNS = Pod(
    "coredns", "kube-system", {"k8s-app": "kube-dns"}, "10.244.0.2", {"dns": 53, "dns-tcp": 53}
)
API_SERVER_PORT = 6443

# (source, destination, port, protocol, why): names are workloads, or "node", "internet",
# "kube-dns".
REQUIRED = (
    ("node", "traefik", 8000, "TCP", "the public edge, through the NodePort kind maps"),
    ("traefik", "kindlab-app", 5000, "TCP", "the edge forwards requests to the app"),
    ("traefik", "node", API_SERVER_PORT, "TCP", "Traefik's Ingress provider watches the API"),
    ("traefik", "kube-dns", 53, "UDP", "cluster DNS"),
    ("node", "traefik", 9000, "TCP", "the API server's pod proxy reads Traefik's router API"),
    ("prometheus", "kindlab-app", 5000, "TCP", "Prometheus scrapes the app's pods"),
    ("prometheus", "traefik", 8080, "TCP", "Prometheus scrapes Traefik's /metrics"),
    ("prometheus", "alertmanager", 9093, "TCP", "Prometheus sends alerts"),
    ("prometheus", "node", API_SERVER_PORT, "TCP", "Prometheus discovers pods"),
    ("prometheus", "kube-dns", 53, "UDP", "Prometheus resolves alertmanager.monitoring.svc"),
    ("node", "prometheus", 9090, "TCP", "people and tests, through the NodePort"),
    ("alertmanager", "alert-receiver", 8080, "TCP", "Alertmanager notifies the receiver"),
    ("alertmanager", "kube-dns", 53, "UDP", "Alertmanager resolves alert-receiver"),
    ("node", "alertmanager", 9093, "TCP", "people and tests, through the NodePort"),
    ("node", "alert-receiver", 8080, "TCP", "tests read GET /alerts via the service proxy"),
    ("grafana", "prometheus", 9090, "TCP", "Grafana's datasource"),
    ("grafana", "kube-dns", 53, "UDP", "Grafana resolves prometheus.monitoring.svc"),
    ("node", "grafana", 3000, "TCP", "people, through the NodePort"),
    ("metrics-server", "node", 10250, "TCP", "metrics-server scrapes the kubelets"),
    ("metrics-server", "node", API_SERVER_PORT, "TCP", "metrics-server reads nodes and pods"),
    ("node", "metrics-server", 10250, "TCP", "the API server's aggregation layer"),
)
FORBIDDEN = (
    ("kindlab-app", "prometheus", 9090, "TCP", "the app cannot reach Prometheus (/-/quit)"),
    ("kindlab-app", "traefik", 9000, "TCP", "the app cannot read Traefik's API"),
    ("prometheus", "traefik", 9000, "TCP", "no pod reaches Traefik's API, Prometheus neither"),
    ("grafana", "traefik", 9000, "TCP", "no pod reaches Traefik's API"),
    ("alertmanager", "traefik", 9000, "TCP", "no pod reaches Traefik's API"),
    ("kindlab-app", "traefik", 8080, "TCP", "the app cannot read Traefik's metrics port"),
    ("kindlab-app", "node", API_SERVER_PORT, "TCP", "the app has no business with the API"),
    ("kindlab-app", "node", 443, "TCP", "the app has no business with the API"),
    ("kindlab-app", "internet", 443, "TCP", "the app opens no connection out"),
    ("kindlab-app", "kube-dns", 53, "UDP", "the app resolves no names"),
    ("kindlab-app", "kindlab-app", 5000, "TCP", "no lateral move between app pods"),
    ("kindlab-app", "alertmanager", 9093, "TCP", "the app cannot fake alerts"),
    ("kindlab-app", "alert-receiver", 8080, "TCP", "the app cannot fake notifications"),
    ("kindlab-app", "metrics-server", 10250, "TCP", "the app cannot reach metrics-server"),
    ("traefik", "prometheus", 9090, "TCP", "the edge cannot reach Prometheus"),
    ("traefik", "internet", 80, "TCP", "the edge opens no connection out but to the app"),
    ("alert-receiver", "internet", 443, "TCP", "the receiver opens no connection"),
    ("alertmanager", "internet", 443, "TCP", "Alertmanager notifies only the receiver"),
    ("grafana", "kindlab-app", 5000, "TCP", "Grafana reads Prometheus only"),
    ("grafana", "internet", 443, "TCP", "no plugin downloads, no calls home"),
    ("prometheus", "alert-receiver", 8080, "TCP", "only Alertmanager notifies the receiver"),
)


def whole_cluster(rendered, overlay):
    return [obj for path in (overlay, *ADDON_PATHS) for obj in rendered[path]]


def named_endpoints(objects) -> dict[str, Pod | Outside]:
    return {**pods_of(objects), "node": NODE, "internet": INTERNET, "kube-dns": KUBE_DNS}


def wrong_flows(cluster: Cluster, named: dict) -> list[str]:
    """Required flows that are denied and forbidden ones that are allowed, in words."""
    wrong = []
    for flows, expected in ((REQUIRED, True), (FORBIDDEN, False)):
        for source, dest, port, protocol, why in flows:
            if cluster.allowed(named[source], named[dest], port, protocol) is not expected:
                verdict = "denied" if expected else "allowed"
                wrong.append(f"{source} -> {dest}:{port}/{protocol} {verdict} ({why})")
    return wrong


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_required_flow_is_allowed_and_no_forbidden_one(rendered, overlay):
    objects = whole_cluster(rendered, overlay)
    assert wrong_flows(cluster_of(objects), named_endpoints(objects)) == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_owned_namespace_denies_by_default_both_ways(rendered, overlay):
    """A pod added later to one of our namespaces gets nothing until a policy allows it."""
    objects = whole_cluster(rendered, overlay)
    cluster = cluster_of(objects)
    for namespace in OWNED_NAMESPACES:
        newcomer = Pod("newcomer", namespace, {"app.kubernetes.io/name": "new"}, "10.244.9.9")
        assert not cluster.allowed(newcomer, INTERNET, 443), namespace
        assert not cluster.allowed(NODE, newcomer, 8080), namespace


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_workload_of_ours_has_ingress_and_egress_policies(rendered, overlay):
    objects = whole_cluster(rendered, overlay)
    cluster = cluster_of(objects)
    for pod in pods_of(objects).values():
        for direction in ("Ingress", "Egress"):
            assert cluster._selecting(pod, direction), f"{pod.name}: no {direction} policy"


def test_the_check_fails_on_broken_policies(rendered):
    """Negative controls: the app's egress opened, the default deny gone, a port typo."""
    objects = whole_cluster(rendered, "k8s/overlays/kind")
    named = named_endpoints(objects)

    def broken(change):
        copied = copy.deepcopy(objects)
        change(copied)
        return wrong_flows(cluster_of(copied), named)

    def policy(objs, namespace, name):
        return next(
            o for o in objs
            if o["kind"] == "NetworkPolicy"
            and (o["metadata"]["namespace"], o["metadata"]["name"]) == (namespace, name)
        )  # fmt: skip

    def open_app_egress(objs):
        policy(objs, "kindlab", "kindlab-app")["spec"]["egress"] = [{}]

    assert "kindlab-app -> internet:443/TCP allowed (the app opens no connection out)" in broken(
        open_app_egress
    )

    def drop_default_deny_and_app_policy(objs):
        objs[:] = [
            o for o in objs
            if not (o["kind"] == "NetworkPolicy" and o["metadata"]["namespace"] == "kindlab")
        ]  # fmt: skip

    assert "kindlab-app -> node:6443/TCP allowed (the app has no business with the API)" in (
        broken(drop_default_deny_and_app_policy)
    )

    def scrape_wrong_port(objs):
        rules = policy(objs, "monitoring", "prometheus")["spec"]["egress"]
        rules[0]["ports"][0]["port"] = 5001

    assert broken(scrape_wrong_port) == [
        "prometheus -> kindlab-app:5000/TCP denied (Prometheus scrapes the app's pods)"
    ]


# --- the evaluator follows the API's semantics -------------------------------------------------

WEB = Pod("web", "shop", {"app": "web"}, "10.244.1.1", {"http": 8080})
DB = Pod("db", "shop", {"app": "db", "tier": "data"}, "10.244.1.2", {"pg": 5432})
OTHER = Pod("other", "elsewhere", {"app": "web"}, "10.244.2.1", {"http": 8080})
NAMESPACES = {"shop": {"kubernetes.io/metadata.name": "shop", "team": "a"}}


def netpol(spec, namespace="shop"):
    metadata = {"name": "p", "namespace": namespace}
    return {"kind": "NetworkPolicy", "metadata": metadata, "spec": spec}


def cluster_with(*specs):
    return Cluster(tuple(netpol(s) for s in specs), NAMESPACES)


def test_no_policy_allows_everything():
    assert cluster_with().allowed(WEB, DB, 5432)
    assert cluster_with().allowed(OTHER, INTERNET, 443)


def test_a_selecting_policy_denies_what_it_does_not_allow():
    deny_ingress = cluster_with({"podSelector": {"matchLabels": {"app": "db"}}})
    assert not deny_ingress.allowed(WEB, DB, 5432)
    assert deny_ingress.allowed(DB, WEB, 8080), "only ingress is default-typed"


def test_named_ports_resolve_on_the_destination_pod():
    spec = {
        "podSelector": {"matchLabels": {"app": "db"}},
        "ingress": [{"ports": [{"port": "pg"}]}],
    }
    assert cluster_with(spec).allowed(WEB, DB, 5432)
    assert not cluster_with(spec).allowed(WEB, DB, 5433)
    assert not cluster_with(spec).allowed(WEB, DB, 5432, "UDP")


def test_namespace_and_pod_selector_in_one_peer_mean_both():
    both = {"namespaceSelector": {"matchLabels": {"team": "a"}}, "podSelector": {}}
    both["podSelector"] = {"matchLabels": {"app": "web"}}
    spec = {"podSelector": {"matchLabels": {"app": "db"}}, "ingress": [{"from": [both]}]}
    assert cluster_with(spec).allowed(WEB, DB, 5432)
    assert not cluster_with(spec).allowed(OTHER, DB, 5432), "other namespace lacks team=a"
    either = [{"namespaceSelector": {"matchLabels": {"team": "a"}}}, {"podSelector": {}}]
    spec["ingress"] = [{"from": either}]
    assert cluster_with(spec).allowed(DB, DB, 5432)


def test_a_pod_selector_alone_means_the_policy_namespace():
    spec = {
        "podSelector": {"matchLabels": {"app": "db"}},
        "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}]}],
    }
    assert cluster_with(spec).allowed(WEB, DB, 5432)
    assert not cluster_with(spec).allowed(OTHER, DB, 5432)


def test_ip_blocks_honour_their_exceptions_and_egress_needs_policy_types():
    spec = {
        "podSelector": {},
        "policyTypes": ["Egress"],
        "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.244.0.0/16"]}}]}],
    }
    assert cluster_with(spec).allowed(WEB, INTERNET, 443)
    assert not cluster_with(spec).allowed(WEB, DB, 5432), "pod addresses are excepted"
    assert cluster_with(spec).allowed(NODE, WEB, 8080), "ingress is not governed by it"


def test_match_expressions():
    spec = {
        "podSelector": {"matchExpressions": [{"key": "tier", "operator": "Exists"}]},
        "ingress": [],
    }
    assert not cluster_with(spec).allowed(WEB, DB, 5432)
    assert cluster_with(spec).allowed(DB, WEB, 8080)

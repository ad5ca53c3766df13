"""Metrics stay inside: the production edge routes the app's public paths and nothing else.

The lab overlay keeps the base's catch-all on purpose (learners read /metrics and drive /fault
through the ingress; k8s/README.md says so); e2e/test_edge.py shows Traefik agrees with both.
"""

import pytest

from kindlab.edge import app_routes, routes_path

from .kustomize import by_kind, copy_inputs, edit_yaml, render

PRODUCTION = "k8s/overlays/production"
LAB = "k8s/overlays/kind"


def the_ingress(objects):
    (ingress,) = by_kind(objects, "Ingress")
    return ingress, ingress["spec"]["rules"][0]["host"]


def misrouted(objects):
    """Internal paths the edge would serve, and public paths it would not."""
    ingress, host = the_ingress(objects)
    return {
        "exposed": [
            r.path for r in app_routes() if not r.public and routes_path(ingress, host, r.path)
        ],
        "unreachable": [
            r.path for r in app_routes() if r.public and not routes_path(ingress, host, r.path)
        ],
    }


def test_the_app_has_internal_and_public_routes():
    routes = {r.path: r.public for r in app_routes()}
    assert {p for p, public in routes.items() if public} == {"/", "/version", "/data", "/work"}
    assert {"/metrics", "/health", "/ready", "/fault"} <= {
        p for p, public in routes.items() if not public
    }


def test_production_edge_serves_public_paths_only(rendered):
    assert misrouted(rendered[PRODUCTION]) == {"exposed": [], "unreachable": []}


def test_lab_edge_serves_everything_for_learners(rendered):
    exposed = misrouted(rendered[LAB])
    assert exposed["unreachable"] == []
    assert {"/metrics", "/fault", "/health", "/ready"} <= set(exposed["exposed"])


def test_other_hosts_are_not_routed(rendered):
    ingress, _ = the_ingress(rendered[PRODUCTION])
    assert not routes_path(ingress, "elsewhere.example", "/version")


@pytest.mark.parametrize(
    ("path_type", "pattern", "path", "routed"),
    [
        ("Exact", "/version", "/version", True),
        ("Exact", "/version", "/version/x", False),
        ("Prefix", "/", "/metrics", True),
        ("Prefix", "/api", "/api/x", True),
        ("Prefix", "/api/", "/api", True),
        ("Prefix", "/m", "/metrics", False),
    ],
)
def test_path_matching_follows_the_ingress_spec(path_type, pattern, path, routed):
    ingress = {"spec": {"rules": [{"http": {"paths": [{"path": pattern, "pathType": path_type}]}}]}}
    assert routes_path(ingress, "any.host", path) is routed


def test_check_rejects_broken_production_edges(tmp_path):
    """Negative controls: a catch-all sneaked back in, and a public path left out."""
    root = copy_inputs(tmp_path)
    patch = root / PRODUCTION / "ingress.yaml"

    def add_catch_all(ops):
        (op,) = ops
        op["value"].append({**op["value"][0], "path": "/", "pathType": "Prefix"})

    edit_yaml(patch, add_catch_all)
    assert misrouted(render(PRODUCTION, root))["exposed"] == [
        "/fault",
        "/health",
        "/metrics",
        "/ready",
        "/static/x",
    ]

    def forget_work(ops):
        (op,) = ops
        op["value"] = [p for p in op["value"] if p["path"] not in {"/", "/work"}]

    edit_yaml(patch, forget_work)
    assert misrouted(render(PRODUCTION, root)) == {"exposed": [], "unreachable": ["/", "/work"]}

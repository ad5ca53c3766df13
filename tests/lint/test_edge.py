"""Metrics stay inside: the production edge routes the app's public paths and nothing else.

The lab overlay keeps the base's catch-all on purpose (learners read /metrics and drive /fault
through the ingress; k8s/README.md says so); e2e/test_edge.py shows Traefik agrees with both.
"""

import pytest

from kindlab.testing.public_routes import app_routes, routes_path

from .kustomize import by_kind, copy_inputs, edit_yaml, render

PRODUCTION = "k8s/overlays/production"
LAB = "k8s/overlays/kind"


def the_host(objects) -> str:
    """The one host the app's Ingresses serve (production splits its paths over two)."""
    (host,) = {i["spec"]["rules"][0]["host"] for i in by_kind(objects, "Ingress")}
    return host


def routed(objects, host: str, path: str) -> bool:
    return any(routes_path(i, host, path) for i in by_kind(objects, "Ingress"))


def misrouted(objects):
    """Internal paths the edge would serve, and public paths it would not."""
    host = the_host(objects)
    return {
        "exposed": [r.path for r in app_routes() if not r.public and routed(objects, host, r.path)],
        "unreachable": [
            r.path for r in app_routes() if r.public and not routed(objects, host, r.path)
        ],
    }


def test_the_app_has_internal_and_public_routes():
    routes = {r.path: r.public for r in app_routes()}
    assert {p for p, public in routes.items() if public} == {
        "/",
        "/version",
        "/data",
        "/work",
        "/openapi.json",
    }
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
    assert not routed(rendered[PRODUCTION], "elsewhere.example", "/version")
    assert not routed(rendered[PRODUCTION], "elsewhere.example", "/work")


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

    def forget_root(ops):
        (op,) = ops
        op["value"] = [p for p in op["value"] if p["path"] != "/"]

    def forget_work(kustomization):
        kustomization["resources"].remove("ingress-work.yaml")

    edit_yaml(patch, forget_root)
    edit_yaml(root / PRODUCTION / "kustomization.yaml", forget_work)
    assert misrouted(render(PRODUCTION, root)) == {"exposed": [], "unreachable": ["/", "/work"]}

"""Metrics stay inside, asked of Traefik: an Ingress of the production shape answers 404 for
every internal path without reaching a pod, and serves the public ones; the lab's own Ingress
serves everything, for learners (k8s/README.md, "What the edge serves").

The production Ingress is rendered from k8s/overlays/production and applied beside the lab's
under its own host name, in front of the same Service, so both shapes are tested on one cluster.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kindlab.cluster.apply import apply_objects, delete_if_present, render
from kindlab.cluster.names import APP_NAMESPACE
from kindlab.edge import Route, app_routes
from kindlab.ingress import SERVED_BY_HEADER, IngressClient
from kindlab.versions import REPO_ROOT
from kindlab.wait import wait_for

pytestmark = pytest.mark.e2e

PRODUCTION_OVERLAY = REPO_ROOT / "k8s" / "overlays" / "production"
EDGE_HOST = "edge.localtest.me"
EDGE_INGRESS = "kindlab-app-production-edge"
ROUTES = app_routes()
# One harmless request per route: nothing here changes a pod (GET /fault only reads faults).
BODIES = {"/data": {"json": {"item": "edge"}}}


@pytest.fixture(scope="module")
def production_edge(deployed_app, endpoints) -> Iterator[IngressClient]:
    kube = deployed_app.kube
    (ingress,) = [o for o in render(kube, PRODUCTION_OVERLAY) if o["kind"] == "Ingress"]
    ingress["metadata"]["name"] = EDGE_INGRESS
    ingress["spec"]["rules"][0]["host"] = EDGE_HOST
    apply_objects(kube, [ingress])
    client = IngressClient(endpoints.ingress, EDGE_HOST)
    try:
        wait_for(
            lambda: (client.get("/version").status_code == 200, "GET /version on the edge host"),
            f"Traefik to route {EDGE_HOST}",
            timeout=60,
        )
        yield client
    finally:
        delete_if_present(kube, "networking.k8s.io/v1", "Ingress", EDGE_INGRESS, APP_NAMESPACE)


def call(client: IngressClient, route: Route):
    method = "GET" if "GET" in route.methods else sorted(route.methods)[0]
    return client.request(method, route.path, **BODIES.get(route.path, {}))


@pytest.mark.parametrize("route", [r for r in ROUTES if not r.public], ids=lambda r: r.path)
def test_production_edge_hides_internal_paths(production_edge, route):
    reply = call(production_edge, route)
    assert reply.status_code == 404, reply.text
    # Traefik's own 404: the request never reached a pod (the app stamps every answer).
    assert SERVED_BY_HEADER not in reply.headers, reply.headers


@pytest.mark.parametrize("route", [r for r in ROUTES if r.public], ids=lambda r: r.path)
def test_production_edge_serves_public_paths(production_edge, route):
    reply = call(production_edge, route)
    assert SERVED_BY_HEADER in reply.headers, (reply.status_code, reply.text)
    assert reply.status_code < 500, reply.text


def test_production_edge_landing_page_and_version_answer_200(production_edge):
    assert production_edge.get("/").status_code == 200
    assert production_edge.get("/version").json()["pod"].startswith("kindlab-app-")


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.path)
def test_lab_edge_serves_every_path_for_learners(ingress, route):
    reply = call(ingress, route)
    if route.path.startswith("/static/"):
        assert reply.status_code == 404  # the app has no static files; the pod says so
    assert SERVED_BY_HEADER in reply.headers, (reply.status_code, reply.text)

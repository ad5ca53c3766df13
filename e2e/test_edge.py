"""Metrics stay inside, asked of Traefik: an Ingress of the production shape answers 404 for
every internal path without reaching a pod, and serves the public ones; the lab's own Ingress
serves everything, for learners (k8s/README.md, "What the edge serves").

The production Ingress is rendered from k8s/overlays/production and applied beside the lab's
under its own host name, in front of the same Service, so both shapes are tested on one cluster.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Iterator

import pytest

from kindlab.clients.ingress import SERVED_BY_HEADER, IngressClient
from kindlab.cluster.apply import apply_objects, delete_if_present, render
from kindlab.cluster.names import APP_NAMESPACE
from kindlab.core.paths import REPO_ROOT
from kindlab.core.wait import wait_for
from kindlab.testing.public_routes import Route, app_routes

PRODUCTION_OVERLAY = REPO_ROOT / "k8s" / "overlays" / "production"
EDGE_HOST = "edge.localtest.me"
EDGE_INGRESS = "kindlab-app-production-edge"
ROUTES = app_routes()
# One harmless request per route: nothing here changes a pod (GET /fault only reads faults).
BODIES = {"/data": {"json": {"item": "edge"}}}
WORK = "/work?cpu_ms=1"


@pytest.fixture(scope="module")
def production_edge(deployed_app, endpoints) -> Iterator[IngressClient]:
    """The production overlay's Ingresses (its paths, and /work rate-limited), on EDGE_HOST."""
    kube = deployed_app.kube
    ingresses = [o for o in render(kube, PRODUCTION_OVERLAY) if o["kind"] == "Ingress"]
    for ingress in ingresses:
        ingress["metadata"]["name"] = ingress["metadata"]["name"].replace(
            "kindlab-app", EDGE_INGRESS
        )
        ingress["spec"]["rules"][0]["host"] = EDGE_HOST
    apply_objects(kube, ingresses)
    client = IngressClient(endpoints.ingress, EDGE_HOST)
    try:
        # Each Ingress becomes a router of its own: wait for both (/work's came a moment later).
        wait_for(
            lambda: (
                [client.get(p).status_code for p in ("/version", WORK)] == [200, 200],
                "GET /version and /work on the edge host",
            ),
            f"Traefik to route {EDGE_HOST}",
            timeout=60,
        )
        yield client
    finally:
        for ingress in ingresses:
            name = ingress["metadata"]["name"]
            delete_if_present(kube, "networking.k8s.io/v1", "Ingress", name, APP_NAMESPACE)


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


def test_production_edge_rate_limits_work(production_edge):
    """A flood of GET /work meets Traefik's 429 (kindlab-ratelimit-work) before any pod; after
    a pause it is served again. 60 cheap requests: about 3 s."""
    served = "the production edge to route GET /work"
    wait_for(lambda: (production_edge.get(WORK).status_code == 200, "GET /work"), served, 30)
    flood = 60
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(lambda _: production_edge.get(WORK), range(flood)))
    limited = [r for r in replies if r.status_code == 429]
    assert limited, sorted({r.status_code for r in replies})
    assert not [r for r in limited if SERVED_BY_HEADER in r.headers]
    wait_for(
        lambda: (production_edge.get(WORK).status_code == 200, "GET /work"),
        "the rate limit to let /work through again",
        timeout=10,
    )

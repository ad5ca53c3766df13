"""The web UI check against real HTTP answers: a working UI, and the ways a broken one looks."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kindlab.clients.prom import Prometheus

INDEX = '<html><script type="module" src="./assets/index-Ab1.js"></script></html>'
WORKING = {
    "/": (302, "text/html", "", {"Location": "/query"}),
    "/query": (200, "text/html; charset=utf-8", INDEX, {}),
    "/assets/index-Ab1.js": (200, "text/javascript; charset=utf-8", "console.log(1)", {}),
}
# What Prometheus answers when built without the builtinassets tag.
NO_ASSETS = WORKING | {
    "/query": (500, "text/plain", "Error opening React index.html: no such file", {}),
}


@pytest.fixture
def serve() -> Iterator:
    servers: list[ThreadingHTTPServer] = []

    def start(routes: dict) -> Prometheus:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, kind, body, headers = routes.get(self.path, (404, "text/plain", "", {}))
                self.send_response(status)
                self.send_header("Content-Type", kind)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return Prometheus(f"http://127.0.0.1:{server.server_address[1]}")

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_a_working_ui_has_no_problems(serve):
    assert serve(WORKING).ui_problems() == []


def test_a_build_without_assets_is_named(serve):
    (problem,) = serve(NO_ASSETS).ui_problems()
    assert problem.startswith("GET /query -> 500") and "Error opening React" in problem


def test_a_missing_bundle_and_a_wrong_home_page_are_named(serve):
    broken = WORKING | {"/": (302, "text/html", "", {"Location": "/graph"})}
    del broken["/assets/index-Ab1.js"]
    assert serve(broken).ui_problems() == [
        "GET / -> 302 (/graph), expected 302 to /query",
        "GET /assets/index-Ab1.js -> 404 (text/plain)",
    ]


def test_a_page_without_bundles_is_named(serve):
    empty = WORKING | {"/query": (200, "text/html", "<html></html>", {})}
    assert serve(empty).ui_problems() == ["GET /query: the page references no script bundle"]

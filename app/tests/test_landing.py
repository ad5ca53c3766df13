"""GET /: HTML for browsers, JSON for programs, nothing from the request unescaped."""

from html.parser import HTMLParser

import pytest

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
HOSTILE = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text of elements that have an id."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text_by_id: dict[str, str] = {}
        self._open_id: str | None = None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._open_id = dict(attrs).get("id")

    def handle_data(self, data):
        if self._open_id:
            self.text_by_id[self._open_id] = self.text_by_id.get(self._open_id, "") + data

    def handle_endtag(self, tag):
        self._open_id = None


def page(client, path="/", **headers):
    reply = client.get(path, headers={"Accept": BROWSER_ACCEPT, **headers})
    assert reply.status_code == 200
    assert reply.mimetype == "text/html"
    return reply, Elements(reply.get_data(as_text=True))


def test_browser_gets_a_page_naming_release_pod_and_start(client):
    _, html = page(client)
    assert html.text_by_id["version"] == "1.2.3"
    assert html.text_by_id["pod"] == "pod-a"
    assert html.text_by_id["started-at"] == "2026-01-01T00:00:00+00:00"


def test_page_reloads_itself_every_two_seconds(client):
    _, html = page(client)
    assert ("meta", {"http-equiv": "refresh", "content": "2"}) in html.tags


def test_page_links_every_endpoint_and_each_link_answers(client):
    _, html = page(client)
    links = {a["href"] for tag, a in html.tags if tag == "a"}
    assert links == {
        "/version",
        "/work?cpu_ms=50",
        "/openapi.json",
        "/health",
        "/ready",
        "/metrics",
        "/fault",
    }
    for link in links:
        assert client.get(link).status_code == 200, link


def test_fault_link_only_where_the_fault_api_exists(make_client):
    _, html = page(make_client(enable_faults=False))
    assert "/fault" not in {a["href"] for tag, a in html.tags if tag == "a"}


@pytest.mark.parametrize("accept", ["application/json", "*/*", None])
def test_programs_get_json(client, accept):
    reply = client.get("/", headers={"Accept": accept} if accept else {})
    assert reply.status_code == 200
    assert reply.mimetype == "application/json"
    assert reply.json["version"] == "1.2.3"
    assert reply.json["pod"] == "pod-a"
    assert reply.json["links"]["metrics"] == "/metrics"


def test_no_cache_keeps_one_pod_or_one_representation(client):
    for accept in (BROWSER_ACCEPT, "application/json"):
        reply = client.get("/", headers={"Accept": accept})
        assert reply.headers["Vary"] == "Accept"
        assert reply.headers["Cache-Control"] == "no-store"


def test_page_forbids_scripts(client):
    reply, html = page(client)
    assert "default-src 'none'" in reply.headers["Content-Security-Policy"]
    assert "script" not in {tag for tag, _ in html.tags}


def test_hostile_query_string_and_headers_are_not_reflected(client):
    headers = ("Host", "X-Request-ID", "User-Agent", "X-Forwarded-Host", "Referer")
    reply, html = page(client, "/?q=" + HOSTILE, **dict.fromkeys(headers, HOSTILE))
    assert "<script>" not in reply.get_data(as_text=True)
    injected = [t for t, attrs in html.tags if t == "img" or any(a.startswith("on") for a in attrs)]
    assert injected == []


def test_server_values_are_escaped_too(make_client):
    """Negative control for the escaping itself: markup in a value the page shows stays text."""
    _, html = page(make_client(pod_name=HOSTILE, app_version=HOSTILE))
    assert html.text_by_id["pod"] == HOSTILE
    assert html.text_by_id["version"] == HOSTILE
    assert "img" not in {tag for tag, _ in html.tags}

import re


def test_identity_headers_on_every_response(client):
    for reply in (client.get("/health"), client.post("/data", json=[1]), client.get("/missing")):
        assert reply.headers["X-Served-By"] == "pod-a"
        assert reply.headers["X-App-Version"] == "1.2.3"
        assert re.fullmatch(r"[0-9a-f]{32}", reply.headers["X-Request-ID"])


def test_incoming_request_id_is_echoed(client):
    reply = client.get("/version", headers={"X-Request-ID": "abc-123"})
    assert reply.headers["X-Request-ID"] == "abc-123"


def test_unsafe_request_id_is_replaced(client):
    reply = client.get("/version", headers={"X-Request-ID": "x" * 500})
    assert re.fullmatch(r"[0-9a-f]{32}", reply.headers["X-Request-ID"])
    reply = client.get("/version", headers={"X-Request-ID": 'a b"<script>'})
    assert re.fullmatch(r"[0-9a-f]{32}", reply.headers["X-Request-ID"])


def test_access_log_is_json_with_request_id(make_client, logs):
    client = make_client()
    client.post("/data", json={"a": 1}, headers={"X-Request-ID": "trace-1"})
    (entry,) = [r for r in logs() if r["logger"] == "app.access"]
    assert entry["request_id"] == "trace-1"
    assert (entry["method"], entry["path"], entry["status"]) == ("POST", "/data", 201)
    assert entry["level"] == "INFO"
    assert entry["duration_ms"] >= 0


def test_probe_access_lines_are_debug_only(make_client, logs):
    client = make_client()
    client.get("/health")
    assert [r for r in logs() if r["logger"] == "app.access"] == []
    client = make_client(log_level="DEBUG")
    client.get("/ready")
    assert [r["path"] for r in logs() if r["logger"] == "app.access"] == ["/ready"]

import time

import pytest

CLEAN = {
    "delay_seconds": 0.0,
    "status_code": None,
    "ready": True,
    "hang_liveness": False,
    "path": None,
}


def test_get_shows_state(client):
    assert client.get("/fault").json == CLEAN


def test_put_merges_and_delete_resets(client):
    assert client.put("/fault", json={"status_code": 503}).json == {**CLEAN, "status_code": 503}
    reply = client.put("/fault", json={"ready": False})
    assert reply.json == {**CLEAN, "status_code": 503, "ready": False}
    assert client.delete("/fault").json == CLEAN
    assert client.get("/fault").json == CLEAN


def test_forced_status_hits_the_business_api_only(client):
    client.put("/fault", json={"status_code": 503})
    reply = client.post("/data", json={"a": 1})
    assert reply.status_code == 503
    assert reply.json == {"error": "injected fault", "detail": "status 503 forced by a fault"}
    assert client.get("/version").status_code == 503
    for path in ("/health", "/ready", "/metrics", "/fault"):
        assert client.get(path).status_code == 200, path


def test_a_path_fault_breaks_that_route_only(client):
    client.put("/fault", json={"status_code": 500, "path": "/data"})
    assert client.post("/data", json={"a": 1}).status_code == 500
    assert client.get("/version").status_code == 200
    assert client.get("/work?cpu_ms=1").status_code == 200


def test_delay_slows_the_business_api_only(client):
    client.put("/fault", json={"delay_seconds": 0.3})
    started = time.perf_counter()
    assert client.post("/data", json={"a": 1}).status_code == 201
    assert time.perf_counter() - started >= 0.3
    started = time.perf_counter()
    client.get("/health")
    assert time.perf_counter() - started < 0.3


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"status_code": 200}, 422),
        ({"delay_seconds": -1}, 422),
        ({"ready": "no"}, 422),
        ({"nonsense": True}, 422),
        ([{"ready": False}], 422),
    ],
)
def test_bad_fault_input_is_a_json_error_and_changes_nothing(client, body, status):
    reply = client.put("/fault", json=body)
    assert reply.status_code == status
    assert set(reply.json) == {"error", "detail"}
    assert client.get("/fault").json == CLEAN


def test_fault_body_must_be_json(client):
    assert client.put("/fault", data="ready=false").status_code == 415
    assert client.put("/fault", data="{", content_type="application/json").status_code == 400


def test_fault_routes_are_404_unless_enabled(make_client):
    client = make_client(enable_faults=False)
    for method in ("get", "put", "delete"):
        reply = getattr(client, method)("/fault", json={})
        assert reply.status_code == 404
        assert reply.json["error"] == "Not Found"


READERS = ("/health", "/ready", "/version", "/fault")  # the routes that read the faults


@pytest.mark.parametrize(
    "content",
    [b"{", b"", b"[]", b'{"status_code": 99}', b'{"bogus": 1}', b'{"ready": "no"}', b"\xff"],
)
def test_a_corrupt_faults_file_means_no_fault_and_a_log_line(client, make_settings, content, logs):
    """Every route answered 500 while faults.json held anything but a valid fault object."""
    logs()
    make_settings().state_dir.mkdir(parents=True, exist_ok=True)
    (make_settings().state_dir / "faults.json").write_bytes(content)
    for path in (*READERS, "/"):
        assert client.get(path).status_code == 200, path
    assert client.get("/fault").json == CLEAN
    warnings = [e for e in logs() if e["level"] == "WARNING"]
    assert len(warnings) == 1, warnings
    assert "faults.json" in warnings[0]["msg"]
    assert client.put("/fault", json={"ready": False}).json == {**CLEAN, "ready": False}
    assert client.get("/ready").status_code == 503


def test_routes_answer_while_another_worker_deletes_the_faults(
    client, make_settings, vanish_after_look, monkeypatch
):
    """DELETE /fault on another worker between a reader's stat() and read(): /health gave 500."""
    path = make_settings().state_dir / "faults.json"
    for route in READERS:
        client.put("/fault", json={"delay_seconds": 0.01})
        vanish_after_look(path)
        assert client.get(route).status_code == 200, route
        assert not path.exists(), "the race was not provoked"
        monkeypatch.undo()

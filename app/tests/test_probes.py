from app.lifecycle import mark_draining


def test_health(client):
    reply = client.get("/health")
    assert (reply.status_code, reply.json) == (200, {"status": "healthy"})


def test_ready(client):
    reply = client.get("/ready")
    assert (reply.status_code, reply.json) == (200, {"status": "ready"})


def test_ready_turns_503_once_draining(client, make_settings):
    mark_draining(make_settings().state_dir)
    reply = client.get("/ready")
    assert reply.status_code == 503
    assert reply.json["status"] == "not ready"
    assert "SIGTERM" in reply.json["detail"]
    assert client.get("/health").status_code == 200, "draining must not fail liveness"


def test_ready_fault(client):
    client.put("/fault", json={"ready": False})
    reply = client.get("/ready")
    assert reply.status_code == 503
    assert "ready=false" in reply.json["detail"]
    client.put("/fault", json={"ready": True})
    assert client.get("/ready").status_code == 200


def test_hang_liveness_fails_health_only(client):
    client.put("/fault", json={"hang_liveness": True})
    reply = client.get("/health")
    assert reply.status_code == 503
    assert reply.json["status"] == "unhealthy"
    assert client.get("/ready").status_code == 200


def test_env_seeded_faults_apply_without_the_fault_api(make_client, make_settings):
    seed = make_settings().fault_seed.merged({"hang_liveness": True, "ready": False})
    client = make_client(enable_faults=False, fault_seed=seed)
    assert client.get("/health").status_code == 503
    assert client.get("/ready").status_code == 503
    assert client.get("/fault").status_code == 404

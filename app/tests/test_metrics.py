def scrape(client) -> str:
    reply = client.get("/metrics")
    assert reply.status_code == 200
    return reply.get_data(as_text=True)


def test_contract_metric_names_exist(client):
    client.post("/data", json={"a": 1})
    text = scrape(client)
    for name in (
        "flask_http_request_duration_seconds_bucket",
        "flask_http_request_total",
        "flask_http_request_exceptions_total",
        "kindlab_data_items_processed_total",
        "kindlab_data_payload_bytes_bucket",
        "kindlab_unhandled_exceptions_total",
        "kindlab_work_cpu_seconds_total",
    ):
        assert f"# TYPE {name.removesuffix('_bucket')}" in text or name in text, name


def test_http_metrics_are_grouped_by_endpoint_not_path(client):
    client.get("/nope/1")
    client.get("/nope/2")
    client.post("/data", json={"a": 1})
    text = scrape(client)
    assert 'endpoint="api.process_data",le="0.005",method="POST",status="201"' in text
    assert "/nope/1" not in text
    assert 'flask_http_request_total{method="GET",status="404"} 2.0' in text


def test_probes_and_scrapes_are_not_tracked(client):
    for _ in range(3):
        client.get("/health")
        client.get("/ready")
        scrape(client)
    text = scrape(client)
    assert 'method="GET",status="200"' not in text
    assert "probes." not in text

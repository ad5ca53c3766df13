"""First checks after deploy: the app answers through the ingress, and only for its host."""

from __future__ import annotations

import pytest
import requests

pytestmark = pytest.mark.smoke


def test_health_through_ingress(ingress):
    response = ingress.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "healthy"}


def test_ready_through_ingress(ingress):
    response = ingress.get("/ready")
    assert response.status_code == 200, response.text


def test_data_round_trip_through_ingress(ingress):
    payload = {"item": "smoke", "count": 1}
    response = ingress.post("/data", json=payload)
    assert response.status_code == 201, response.text
    assert response.json() == {"result": "Data processed successfully", "input": payload}


def test_bad_input_is_a_json_error_through_ingress(ingress):
    response = ingress.post("/data", data="{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert set(response.json()) == {"error", "detail"}


def test_metrics_through_ingress(ingress):
    response = ingress.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    # Present from a pod's first second; request counters appear only after counted requests.
    assert "flask_exporter_info" in response.text
    assert "# TYPE kindlab_data_payload_bytes histogram" in response.text


def test_version_names_pod_and_release(ingress, app_images):
    body = ingress.get("/version").json()
    assert body["version"] == app_images["v1"].rsplit(":", 1)[1]
    assert body["pod"].startswith("kindlab-app-")


def test_unknown_host_is_not_routed(endpoints, deployed_app):
    response = requests.get(
        f"{endpoints.ingress}/health", headers={"Host": "nobody.localtest.me"}, timeout=10
    )
    assert response.status_code == 404

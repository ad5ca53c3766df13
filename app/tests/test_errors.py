import pytest

from app import create_app


@pytest.fixture
def app(make_settings):
    app = create_app(make_settings())

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    return app


def test_unknown_route_is_json_404(client):
    reply = client.get("/no/such/thing")
    assert reply.status_code == 404
    assert reply.mimetype == "application/json"
    assert reply.json["error"] == "Not Found"


def test_wrong_method_is_json_405_with_allow(client):
    reply = client.get("/data")
    assert reply.status_code == 405
    assert reply.json["error"] == "Method Not Allowed"
    assert "POST" in reply.headers["Allow"]
    assert reply.mimetype == "application/json"


def test_unexpected_exception_is_json_500_logged_and_counted(logs, app):
    client = app.test_client()
    reply = client.get("/boom", headers={"X-Request-ID": "req-500"})
    assert reply.status_code == 500
    assert reply.json == {
        "error": "Internal Server Error",
        "detail": "unexpected server error; quote the X-Request-ID",
    }
    assert "secret" not in reply.get_data(as_text=True)
    assert reply.headers["X-Request-ID"] == "req-500"
    errors = [r for r in logs() if r["level"] == "ERROR"]
    assert len(errors) == 1
    assert errors[0]["request_id"] == "req-500"
    assert "RuntimeError: secret internals" in errors[0]["exc_info"]
    metrics = client.get("/metrics").get_data(as_text=True)
    assert "kindlab_unhandled_exceptions_total 1.0" in metrics
    assert 'flask_http_request_exceptions_total{method="GET",status="500"} 1.0' in metrics


def test_options_answers_allow_with_no_body(client):
    reply = client.options("/data")
    assert reply.status_code == 204
    assert set(reply.headers["Allow"].split(", ")) == {"POST", "OPTIONS"}
    assert reply.data == b""
    assert "Content-Type" not in reply.headers

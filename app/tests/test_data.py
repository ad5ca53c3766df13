import json
import math

import pytest


def test_accepts_a_json_object(client):
    reply = client.post("/data", json={"name": "x", "n": [1, 2]})
    assert reply.status_code == 201
    assert reply.json == {
        "result": "Data processed successfully",
        "input": {"name": "x", "n": [1, 2]},
    }


def test_accepts_json_with_charset_and_suffix_types(client):
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        reply = client.post("/data", data='{"a": 1}', content_type=content_type)
        assert reply.status_code == 201, content_type


def assert_error(reply, status, detail_part):
    assert reply.status_code == status
    assert reply.mimetype == "application/json"
    assert set(reply.json) == {"error", "detail"}
    assert detail_part in reply.json["detail"]


@pytest.mark.parametrize(
    ("kwargs", "detail"),
    [
        ({"data": "a=1", "content_type": "application/x-www-form-urlencoded"}, "application/json"),
        ({"data": '{"a": 1}', "content_type": "text/plain"}, "'text/plain'"),
        ({"data": '{"a": 1}'}, "got 'none'"),
    ],
)
def test_non_json_content_type_is_415(client, kwargs, detail):
    assert_error(client.post("/data", **kwargs), 415, detail)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b"{'a': 1}",
        b'{"a": NaN}',
        b'{"a": Infinity}',
        b'{"a": -Infinity}',
        b"\xff\xfe\xfd",
        b"[" * 100_000,
    ],
)
def test_malformed_json_is_400(client, body):
    assert_error(client.post("/data", data=body, content_type="application/json"), 400, "malformed")


@pytest.mark.parametrize(
    "number", ["1e999", "-1e999", "1E400", "123456789e999999", "[1e999]", '{"b": -1e999}']
)
def test_numbers_beyond_a_double_are_400_never_infinity(client, number):
    """Python parses 1e999 as inf, which jsonify wrote back as the non-JSON word Infinity."""
    reply = client.post("/data", data=f'{{"a": {number}}}', content_type="application/json")
    assert_error(reply, 400, "out of range")
    assert b"Infinity" not in reply.data


def test_large_but_finite_numbers_are_kept(client):
    reply = client.post(
        "/data", data='{"a": 1.5e308, "b": -2e-320, "c": 1e1}', content_type="application/json"
    )
    assert reply.status_code == 201
    assert reply.json["input"] == {"a": 1.5e308, "b": -2e-320, "c": 10.0}


def test_the_app_never_writes_nan_or_infinity(client):
    """Whatever route would hand jsonify a non-finite float fails loudly, not with bad JSON."""
    for value in (math.inf, -math.inf, math.nan):
        with pytest.raises(ValueError, match="not JSON compliant"):
            client.application.json.dumps({"a": value})


@pytest.mark.parametrize(
    ("payload", "kind"),
    [([1, 2], "an array"), ("s", "a string"), (3, "a number"), (True, "a boolean"), (None, "null")],
)
def test_json_that_is_not_an_object_is_422(client, payload, kind):
    reply = client.post("/data", data=json.dumps(payload), content_type="application/json")
    assert_error(reply, 422, kind)


def test_too_deeply_nested_object_is_422(client):
    body = '{"a": ' * 100 + "1" + "}" * 100
    assert_error(client.post("/data", data=body, content_type="application/json"), 422, "deeper")


def test_body_over_the_limit_is_413(make_client):
    client = make_client(max_body_bytes=100)
    assert client.post("/data", json={"a": "x" * 50}).status_code == 201
    reply = client.post("/data", json={"a": "x" * 200})
    assert_error(reply, 413, "")


def test_default_limit_is_one_mebibyte(client):
    just_under = {"a": "x" * (1024 * 1024 - 20)}
    assert client.post("/data", json=just_under).status_code == 201
    assert client.post("/data", json={"a": "x" * (1024 * 1024)}).status_code == 413


def test_business_metrics_count_accepted_payloads_only(client):
    client.post("/data", json={"a": 1})
    client.post("/data", data="[1]", content_type="application/json")
    text = client.get("/metrics").get_data(as_text=True)
    assert "kindlab_data_items_processed_total 1.0" in text
    assert "kindlab_data_payload_bytes_count 1.0" in text
    assert "kindlab_data_payload_bytes_sum 8.0" in text

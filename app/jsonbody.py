"""Strict JSON request bodies, shared by every endpoint that accepts one.

Each client mistake maps to its own status (415 wrong type, 413 too big, 400 not JSON, 422 JSON
but not an object), so callers can tell what to fix; none of them can reach a 500. Numbers must
fit a 64-bit float: Python would read 1e999 as inf, which no JSON answer can carry.
"""

from __future__ import annotations

import json
import math
from typing import Any

from flask import request
from werkzeug.exceptions import (
    BadRequest,
    RequestEntityTooLarge,
    UnprocessableEntity,
    UnsupportedMediaType,
)

MAX_DEPTH = 64


def read_json_object() -> tuple[dict[str, Any], int]:
    """The request body as a JSON object, and its size in bytes."""
    if not request.is_json:
        raise UnsupportedMediaType(
            f"expected Content-Type: application/json, got {request.mimetype or 'none'!r}"
        )
    raw = _body()
    try:
        payload = json.loads(raw, parse_constant=_reject_constant, parse_float=_finite_float)
    except _OutOfRange as err:
        raise BadRequest(str(err)) from None
    except RecursionError:
        raise BadRequest("malformed JSON: nested too deeply") from None
    except ValueError as err:
        raise BadRequest(f"malformed JSON: {err}") from None
    if not isinstance(payload, dict):
        raise UnprocessableEntity(f"expected a JSON object, got {_json_type(payload)}")
    if _depth(payload) > MAX_DEPTH:
        raise UnprocessableEntity(f"JSON nested deeper than {MAX_DEPTH} levels")
    return payload, len(raw)


def _body() -> bytes:
    """The whole body, or 413 past MAX_CONTENT_LENGTH, with or without a Content-Length.

    Werkzeug refuses a declared Content-Length over the limit, but stops reading a streamed
    (chunked) body at the limit and returns what it read as if that were all: the cut body then
    failed as malformed JSON, or was accepted when the first MiB happened to be whole JSON. One
    more byte from the server's stream tells a body of exactly the limit from a longer one.
    """
    raw = request.get_data(cache=True)
    limit = request.max_content_length
    streamed = request.content_length is None and limit is not None
    if streamed and len(raw) >= limit and request.environ["wsgi.input"].read(1):
        raise RequestEntityTooLarge(f"the body is longer than {limit} bytes")
    return raw


class _OutOfRange(ValueError):
    """A well-formed JSON number that no 64-bit float holds."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        shown = text if len(text) <= 40 else f"{text[:40]}..."
        raise _OutOfRange(f"JSON number {shown} is out of range (beyond a 64-bit float)")
    return value


def _depth(value: Any) -> int:
    """Nesting depth, computed iteratively: echoing a deeper document could overflow the stack."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest


def _json_type(value: Any) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )

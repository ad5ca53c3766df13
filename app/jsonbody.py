"""Strict JSON request bodies, shared by every endpoint that accepts one.

Each client mistake maps to its own status (415 wrong type, 413 too big, 400 not JSON, 422 JSON
but not an object), so callers can tell what to fix; none of them can reach a 500.
"""

from __future__ import annotations

import json
from typing import Any

from flask import request
from werkzeug.exceptions import BadRequest, UnprocessableEntity, UnsupportedMediaType

MAX_DEPTH = 64


def read_json_object() -> tuple[dict[str, Any], int]:
    """The request body as a JSON object, and its size in bytes."""
    if not request.is_json:
        raise UnsupportedMediaType(
            f"expected Content-Type: application/json, got {request.mimetype or 'none'!r}"
        )
    raw = request.get_data(cache=True)  # RequestEntityTooLarge (413) past MAX_CONTENT_LENGTH
    try:
        payload = json.loads(raw, parse_constant=_reject_constant)
    except RecursionError:
        raise BadRequest("malformed JSON: nested too deeply") from None
    except ValueError as err:
        raise BadRequest(f"malformed JSON: {err}") from None
    if not isinstance(payload, dict):
        raise UnprocessableEntity(f"expected a JSON object, got {_json_type(payload)}")
    if _depth(payload) > MAX_DEPTH:
        raise UnprocessableEntity(f"JSON nested deeper than {MAX_DEPTH} levels")
    return payload, len(raw)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


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

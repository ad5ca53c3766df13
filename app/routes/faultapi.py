"""GET/PUT/DELETE /fault: labs break a running pod on purpose; registered only when enabled."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from werkzeug.exceptions import UnprocessableEntity

from app.faults import FaultError
from app.jsonbody import read_json_object
from app.runtime import runtime

fault_api = Blueprint("faults", __name__)


@fault_api.get("/fault")
def show() -> Response:
    return jsonify(runtime().faults.current().as_dict())


@fault_api.put("/fault")
def update() -> Response:
    """Merge the given faults into the pod-wide state; invalid input changes nothing."""
    changes, _ = read_json_object()
    try:
        return jsonify(runtime().faults.update(changes).as_dict())
    except FaultError as err:
        raise UnprocessableEntity(str(err)) from None


@fault_api.delete("/fault")
def reset() -> Response:
    return jsonify(runtime().faults.reset().as_dict())

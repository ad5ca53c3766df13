"""Validate rendered objects against the OpenAPI schema of the Kubernetes version we pin."""

from __future__ import annotations

from typing import Any

import kubernetes_validate

from kindlab.core.versions import pin

# The cluster's own version, from versions.env: the schema follows the pin.
KUBERNETES = pin("KUBERNETES_VERSION").removeprefix("v")


def schema_errors(objects: list[dict[str, Any]]) -> list[str]:
    """One line per invalid object; strict, so an unknown (e.g. misspelled) field is an error."""
    errors = []
    for obj in objects:
        try:
            kubernetes_validate.validate(obj, KUBERNETES, strict=True)
        except kubernetes_validate.ValidationError as err:
            where = "/".join(str(p) for p in err.path)
            errors.append(f"{obj['kind']}/{obj['metadata']['name']}: {err.message} (at {where})")
    return errors

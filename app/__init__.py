"""kindlab's Flask microservice. Run it with gunicorn: `gunicorn -c app/gunicorn.conf.py`.

`create_app` is resolved lazily so that light entry points (the image's HEALTHCHECK, run every
few seconds, and the gunicorn master's config) do not pay for importing Flask and the routes.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        return importlib.import_module("app.factory").create_app
    raise AttributeError(f"module 'app' has no attribute {name!r}")

"""What a request handler needs besides the request: settings, pod state and metrics.

Kept on the Flask app (not in module globals) so each create_app() call, and so each test,
gets its own isolated instance.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from app.faults import FaultStore
from app.metrics import BusinessMetrics
from app.settings import Settings

EXTENSION_KEY = "kindlab"


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    faults: FaultStore
    metrics: BusinessMetrics

    def attach(self, app: Flask) -> None:
        app.extensions[EXTENSION_KEY] = self


def runtime() -> Runtime:
    """The Runtime of the app serving the current request."""
    return current_app.extensions[EXTENSION_KEY]

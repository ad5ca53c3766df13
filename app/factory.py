"""The application factory: one place that wires settings, state, metrics and routes."""

from __future__ import annotations

from flask import Flask, Response

from app.errors import init_error_handlers
from app.faults import FaultStore
from app.jsonprovider import StrictJSONProvider
from app.logs import configure_logging
from app.metrics import init_metrics
from app.requestctx import init_request_context
from app.routes.api import api
from app.routes.faultapi import fault_api
from app.routes.landing import landing
from app.routes.openapi import openapi
from app.routes.probes import probes
from app.runtime import Runtime
from app.settings import Settings


class _App(Flask):
    def make_default_options_response(self) -> Response:
        """OPTIONS answers which methods a path allows (Allow) with no body: 204, where Flask
        sent an empty 200 typed text/html, an answer that is neither JSON nor nothing."""
        response = super().make_default_options_response()
        response.status_code = 204
        del response.headers["Content-Type"]
        return response


def create_app(settings: Settings | None = None) -> Flask:
    """Build the service; settings default to the environment (see app.settings)."""
    settings = settings or Settings.from_env()
    app = _App("app")
    app.json = StrictJSONProvider(app)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    configure_logging(app.name, settings.log_level)
    Runtime(
        settings=settings,
        faults=FaultStore(settings.state_dir, settings.fault_seed),
        metrics=init_metrics(app, settings),
    ).attach(app)
    init_request_context(app)
    init_error_handlers(app)
    app.register_blueprint(landing)
    app.register_blueprint(probes)
    app.register_blueprint(api)
    app.register_blueprint(openapi)
    if settings.enable_faults:
        app.register_blueprint(fault_api)
    return app

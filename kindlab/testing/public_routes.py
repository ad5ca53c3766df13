"""Which of the app's paths a public edge serves, and which paths an Ingress routes.

The app declares its public blueprints (app.routes.PUBLIC_BLUEPRINTS); every other route,
/metrics, the probes and /fault, is internal. The lint tier compares that with the rendered
production Ingress, and the e2e tier asks Traefik the same question on the lab cluster, so
a new route is classified once and checked at both.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app import create_app
from app.routes import PUBLIC_BLUEPRINTS
from app.settings import Settings

_CONVERTER = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Route:
    path: str  # a concrete path, converters filled in (/static/<path:f> -> /static/x)
    methods: frozenset[str]
    public: bool


def app_routes() -> list[Route]:
    """Every route of the app with every optional blueprint on (the fault API included)."""
    with tempfile.TemporaryDirectory(prefix="kindlab-routes-") as state:
        app = create_app(Settings(state_dir=Path(state), enable_faults=True))
    found: dict[str, Route] = {}
    for rule in app.url_map.iter_rules():
        path = _CONVERTER.sub("x", rule.rule)
        public = rule.endpoint.partition(".")[0] in PUBLIC_BLUEPRINTS
        methods = frozenset(rule.methods or ()) - {"HEAD", "OPTIONS"}
        known = found.get(path)
        if known:
            public = public or known.public
            methods |= known.methods
        found[path] = Route(path, methods, public)
    return sorted(found.values(), key=lambda r: r.path)


def routes_path(ingress: dict[str, Any], host: str, path: str) -> bool:
    """Does this Ingress send `path` on `host` to a backend? (networking.k8s.io/v1 rules:
    Exact is equality, Prefix matches whole path elements, so /metrics is not under /m;
    ImplementationSpecific is taken as Prefix, as Traefik does.)"""
    if ingress["spec"].get("defaultBackend"):
        return True
    for rule in ingress["spec"].get("rules", []):
        if rule.get("host", host) != host:
            continue
        for candidate in rule.get("http", {}).get("paths", []):
            if _matches(candidate["pathType"], candidate["path"], path):
                return True
    return False


def _matches(path_type: str, pattern: str, path: str) -> bool:
    if path_type == "Exact":
        return path == pattern
    prefix = pattern.rstrip("/")
    return path == prefix or path.startswith(prefix + "/") or prefix == ""

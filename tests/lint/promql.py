"""Every PromQL expression the dashboard and the rules run, made executable as an instant query.

Grafana template variables get the values a viewer would pick; alerts are evaluated with `bool`
so that a healthy system still returns a series per signal instead of nothing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kindlab.core.paths import REPO_ROOT

DASHBOARD = REPO_ROOT / "monitoring/grafana/dashboards/kindlab.json"
# What Grafana would put in place of each variable ("All" pods; a 30 s window fits scrapes at 1 s).
SUBSTITUTIONS = {"pod": ".*", "__rate_interval": "30s", "__interval": "1s", "__range": "5m"}
VARIABLE = re.compile(r"\$\{?(\w+)\}?")
LABEL_VALUES = re.compile(r"^label_values\((?P<selector>.+),\s*(?P<label>\w+)\)$", re.DOTALL)
COMPARISON = re.compile(
    r"^(?P<signal>.+?)\s*(?P<op>==|!=|>=|<=|>|<)\s*(?P<threshold>[-+]?[\d.]+(?:e[-+]?\d+)?)\s*$",
    re.DOTALL,
)
# The edge's scrape job (monitoring/prometheus/prometheus-kubernetes.yml).
EDGE_JOB = 'job="traefik"'
SELECTOR = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\{[^}]*\}")


class QueryError(ValueError):
    """An expression cannot be turned into a query: unknown variable or unusual alert shape."""


@dataclass(frozen=True)
class Query:
    source: str
    expr: str


def substitute(expr: str) -> str:
    def value(match: re.Match[str]) -> str:
        if match[1] not in SUBSTITUTIONS:
            raise QueryError(f"no test value for ${match[1]} in {expr!r}")
        return SUBSTITUTIONS[match[1]]

    return VARIABLE.sub(value, expr)


def dashboard_queries(dashboard: dict[str, Any]) -> list[Query]:
    """Panel targets (rows included) and the template variables' label_values() lookups."""
    panels = [p for top in dashboard["panels"] for p in [top, *top.get("panels", [])]]
    queries = [
        Query(f"panel {p['title']!r} {t['refId']}", substitute(t["expr"]))
        for p in panels
        for t in p.get("targets", [])
    ]
    for variable in dashboard.get("templating", {}).get("list", []):
        lookup = LABEL_VALUES.match(variable["query"]["query"])
        if lookup is None:
            raise QueryError(f"variable {variable['name']}: expected label_values(selector, label)")
        expr = f"count by ({lookup['label']}) ({lookup['selector']})"
        queries.append(Query(f"variable ${variable['name']}", expr))
    return queries


def rule_queries(rules: list[dict[str, Any]]) -> list[Query]:
    """Recording rules as written; alerts as `signal <op> bool threshold` (see module doc)."""
    queries = []
    for rule in rules:
        if "record" in rule:
            queries.append(Query(f"record {rule['record']}", rule["expr"]))
            continue
        parts = COMPARISON.match(rule["expr"].strip())
        if parts is None:
            raise QueryError(f"alert {rule['alert']}: expected '<signal> <op> <number>'")
        expr = f"({parts['signal']}) {parts['op']} bool {parts['threshold']}"
        queries.append(Query(f"alert {rule['alert']}", expr))
    return queries


def selectors(queries: list[Query]) -> list[Query]:
    """Each series selector on its own: `x or vector(0)` must not hide a misspelled `x`."""
    found = {s: q.source for q in queries for s in SELECTOR.findall(q.expr)}
    return [Query(f"selector in {source}", s) for s, source in sorted(found.items())]


def edge_queries(queries: list[Query]) -> list[Query]:
    """Those reading Traefik's series (job "traefik", the edge)."""
    return [q for q in queries if EDGE_JOB in q.expr]


def load_dashboard(path: Path = DASHBOARD) -> dict[str, Any]:
    return json.loads(path.read_text())

"""A small client for the Prometheus HTTP API, as the e2e suite and lab checks use it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests


class PrometheusError(RuntimeError):
    """Prometheus answered with an error; the message is Prometheus's own."""


@dataclass
class Prometheus:
    base_url: str
    timeout: float = 10.0

    def _get(self, path: str, **params: Any) -> Any:
        response = requests.get(f"{self.base_url}{path}", params=params, timeout=self.timeout)
        body = response.json()
        if body.get("status") != "success":
            raise PrometheusError(f"{path} {params}: {body.get('error', response.text[:200])}")
        return body["data"]

    def query(self, expr: str, at: float | None = None) -> list[dict]:
        """An instant vector query; a list of {"metric": labels, "value": [ts, "v"]}.

        `at` (Unix seconds) evaluates at that instant, so two expressions can be compared on
        exactly the same data; the default is now.
        """
        params = {"query": expr} if at is None else {"query": expr, "time": at}
        return self._get("/api/v1/query", **params)["result"]

    def scalar(self, expr: str, at: float | None = None) -> float | None:
        """The single value of a query that yields one series, or None when it yields none."""
        result = self.query(expr, at)
        if not result:
            return None
        if len(result) > 1:
            raise PrometheusError(f"{expr!r} returned {len(result)} series, expected one")
        return float(result[0]["value"][1])

    def targets(self, job: str | None = None) -> list[dict]:
        active = self._get("/api/v1/targets", state="active")["activeTargets"]
        return [t for t in active if job is None or t["labels"].get("job") == job]

    def rule_names(self) -> set[str]:
        groups = self._get("/api/v1/rules")["groups"]
        return {rule["name"] for group in groups for rule in group["rules"]}

    def ready(self) -> bool:
        try:
            return requests.get(f"{self.base_url}/-/ready", timeout=self.timeout).ok
        except requests.RequestException:
            return False

"""A small client for the Prometheus HTTP API, as the e2e suite and lab checks use it."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from kindlab.core.errors import KindlabError


class PrometheusError(KindlabError):
    """Prometheus answered with an error; the message is Prometheus's own."""


class RulesRejected(PrometheusError):
    """Prometheus keeps refusing to load its rule files (one of them is broken)."""


# Prometheus re-reads changed files every 5 s (--config.auto-reload-interval); a rules file the
# kubelet has just mounted is loaded well within this.
RELOAD_GRACE_SECONDS = 20.0
RELOAD_POLL_SECONDS = 1.0
# The 3.x UI's query page, where / leads; its index.html loads bundles relative to the page.
UI_PAGE = "/query"
UI_SCRIPT = re.compile(r'<script[^>]+src="\./(assets/[^"]+\.js)"')


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

    def rule_groups(self) -> list[dict]:
        return self._get("/api/v1/rules")["groups"]

    def rule_names(self) -> set[str]:
        return {rule["name"] for group in self.rule_groups() for rule in group["rules"]}

    def alert_state(self, name: str) -> str | None:
        """ "inactive", "pending" or "firing" for the alerting rule `name`; None if not loaded."""
        for group in self.rule_groups():
            for rule in group["rules"]:
                if rule.get("type") == "alerting" and rule["name"] == name:
                    return rule["state"]
        return None

    def rule_groups_by_file(self) -> dict[str, list[dict]]:
        """Rule groups Prometheus evaluates now, by file name (as mounted)."""
        by_file: dict[str, list[dict]] = {}
        for group in self.rule_groups():
            by_file.setdefault(Path(group["file"]).name, []).append(group)
        return by_file

    def reload(self, grace: float = RELOAD_GRACE_SECONDS) -> None:
        """Make sure Prometheus runs on the files it has: it has no lifecycle API (a POST to
        /-/quit from any web page would stop it), so it re-reads its config and rule files by
        itself when they change (--config.auto-reload, every few seconds; k8s/addons/prometheus).

        Returns once its last load succeeded; callers then check what it evaluates. Raises
        RulesRejected when every load failed for `grace` seconds (a good file mounted since the
        last failed load is picked up within that time). Prometheus's reason is in its log only.
        """
        deadline = time.monotonic() + grace
        while not self._get("/api/v1/status/runtimeinfo")["reloadConfigSuccess"]:
            if time.monotonic() >= deadline:
                raise RulesRejected(
                    f"Prometheus has failed to load its config and rule files for {grace:.0f} s "
                    "(prometheus_config_last_reload_successful is 0); its log says why: "
                    "kubectl -n monitoring logs deploy/prometheus"
                )
            time.sleep(RELOAD_POLL_SECONDS)

    def build_version(self) -> str:
        return self._get("/api/v1/status/buildinfo")["version"]

    def ui_problems(self) -> list[str]:
        """What keeps the web UI from working for a person ([] when nothing does): / leads to
        the query page, which is HTML whose script bundles load.

        A Prometheus built without its UI passes every API check and answers this page with 500.
        """
        root = requests.get(f"{self.base_url}/", allow_redirects=False, timeout=self.timeout)
        problems = []
        if root.status_code != 302 or root.headers.get("Location") != UI_PAGE:
            where = root.headers.get("Location", "no Location")
            problems.append(f"GET / -> {root.status_code} ({where}), expected 302 to {UI_PAGE}")
        page = requests.get(f"{self.base_url}{UI_PAGE}", timeout=self.timeout)
        if page.status_code != 200 or "text/html" not in page.headers.get("Content-Type", ""):
            return [*problems, f"GET {UI_PAGE} -> {page.status_code}: {page.text[:120]!r}"]
        scripts = UI_SCRIPT.findall(page.text)
        if not scripts:
            problems.append(f"GET {UI_PAGE}: the page references no script bundle")
        for script in scripts:
            asset = requests.get(f"{self.base_url}/{script}", timeout=self.timeout)
            kind = asset.headers.get("Content-Type", "")
            if asset.status_code != 200 or "javascript" not in kind:
                problems.append(f"GET /{script} -> {asset.status_code} ({kind or 'no type'})")
        return problems

    def ready(self) -> bool:
        try:
            return requests.get(f"{self.base_url}/-/ready", timeout=self.timeout).ok
        except requests.RequestException:
            return False

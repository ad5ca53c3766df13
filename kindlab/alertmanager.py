"""A small client for Alertmanager's HTTP API v2, as the alert drill reads it."""

from __future__ import annotations

from dataclasses import dataclass

import requests

from kindlab.errors import KindlabError


class AlertmanagerError(KindlabError):
    """Alertmanager did not answer as its API promises; the message says what it sent."""


@dataclass
class Alertmanager:
    base_url: str
    timeout: float = 10.0

    def alerts(self, alertname: str) -> list[dict]:
        """Alerts Alertmanager holds now under that name (active, silenced or inhibited)."""
        response = requests.get(
            f"{self.base_url}/api/v2/alerts",
            params={"filter": f'alertname="{alertname}"'},
            timeout=self.timeout,
        )
        if response.status_code != 200:
            raise AlertmanagerError(f"GET /api/v2/alerts: {response.status_code} {response.text}")
        return response.json()

    def ready(self) -> bool:
        try:
            return requests.get(f"{self.base_url}/-/ready", timeout=self.timeout).ok
        except requests.RequestException:
            return False

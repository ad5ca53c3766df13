"""A small client for Alertmanager's HTTP API v2, as the alert drill reads it.

Two ways in, one API: the host URL kind publishes (what people open), or the API server's
service proxy, which reaches it from wherever kubectl works (a cluster made before the host
port was mapped, Docker-in-Docker).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests

from kindlab.cluster.kube import Kube
from kindlab.core.errors import KindlabError

PROXY = "/api/v1/namespaces/monitoring/services/alertmanager:web/proxy"


class AlertmanagerError(KindlabError):
    """Alertmanager did not answer as its API promises; the message says what it sent."""


@dataclass
class Alertmanager:
    # GET of a path with its query string (e.g. "/api/v2/alerts?filter=..."), parsed JSON.
    get_json: Callable[[str], Any]
    where: str

    @classmethod
    def at(cls, base_url: str, timeout: float = 10.0) -> Alertmanager:
        def get_json(path: str) -> Any:
            response = requests.get(f"{base_url}{path}", timeout=timeout)
            if response.status_code != 200:
                raise AlertmanagerError(f"GET {path}: {response.status_code} {response.text}")
            return response.json()

        return cls(get_json, base_url)

    @classmethod
    def through_api_server(cls, kube: Kube) -> Alertmanager:
        return cls(lambda path: json.loads(kube.kubectl("get", "--raw", PROXY + path)), PROXY)

    def alerts(self, alertname: str) -> list[dict]:
        """Alerts Alertmanager holds now under that name (active, silenced or inhibited)."""
        return self.get_json("/api/v2/alerts?" + urlencode({"filter": f'alertname="{alertname}"'}))

"""HTTP to the app through the ingress on the mapped host port, with the Ingress's Host header.

Going through Traefik (not `kubectl port-forward`, which pins one pod) is what makes load spread
across pods the way a user's traffic does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

DEFAULT_TIMEOUT = 10.0


@dataclass
class IngressClient:
    base_url: str
    host: str
    timeout: float = DEFAULT_TIMEOUT

    def __post_init__(self) -> None:
        self.session = requests.Session()

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Host": self.host, **kwargs.pop("headers", {})}
        kwargs.setdefault("timeout", self.timeout)
        return self.session.request(method, self.base_url + path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

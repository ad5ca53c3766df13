"""HTTP to the app through the ingress on the mapped host port, with the Ingress's Host header.

Going through Traefik (not `kubectl port-forward`, which pins one pod) is what makes load spread
across pods the way a user's traffic does.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import requests

DEFAULT_TIMEOUT = 10.0
SERVED_BY_HEADER = "X-Served-By"


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

    def answers(self, count: int, path: str = "/version") -> list[tuple[str, str]]:
        """(pod, status) for each of `count` GETs: which pod answered (X-Served-By) and how.

        A transport error counts too, as ("?", its name): nothing is lost from the tally.
        """
        found: list[tuple[str, str]] = []
        for _ in range(count):
            try:
                reply = self.get(path, timeout=5)
            except requests.RequestException as exc:
                found.append(("?", type(exc).__name__))
                continue
            found.append((reply.headers.get(SERVED_BY_HEADER, "?"), str(reply.status_code)))
        return found

    def pods_answering(self, count: int, path: str = "/version") -> Counter[str]:
        """How many of `count` GETs each pod answered with 200."""
        return Counter(pod for pod, status in self.answers(count, path) if status == "200")

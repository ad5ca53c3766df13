"""A server is up when GET /ready (or its own readiness path) answers 200; one that has exited
will never be."""

from __future__ import annotations

from collections.abc import Callable

import requests

from kindlab.core.wait import Condition, WaitStuck


def answers_ready(base_url: str, gone: Callable[[], str | None], path: str = "/ready") -> Condition:
    """GET <base_url><path> answers 200. `gone()` names why the server is no more, if it is:
    then waiting stops at once instead of running out the timeout."""

    def check() -> tuple[bool, str]:
        why = gone()
        if why:
            raise WaitStuck(why)
        try:
            status = requests.get(f"{base_url}{path}", timeout=2).status_code
        except (requests.ConnectionError, requests.Timeout) as exc:
            return False, f"no answer yet ({type(exc).__name__})"
        return status == 200, f"GET {path} -> {status}"

    return check

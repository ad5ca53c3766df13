"""The production edge rate-limits GET /work (issue 23, finding 9), shown with the real Traefik.

The production overlay's Ingress for /work names its middlewares (`<name>@file`); the Traefik
add-on defines them in its file provider's ConfigMap. Here the pinned Traefik binary runs with
exactly that rendered file in front of a real gunicorn serving the app, so the numbers are the
manifest's own: requests within the burst, then at half the average rate, get 200; a flood
beyond the burst gets 429 from Traefik.
"""

from __future__ import annotations

import concurrent.futures
import re
import time

import requests
import yaml

from kindlab.clients.ingress import SERVED_BY_HEADER

from .kustomize import by_kind
from .live import gunicorn, traefik

PRODUCTION = "k8s/overlays/production"
TRAEFIK = "k8s/addons/traefik"
MIDDLEWARES = "traefik.ingress.kubernetes.io/router.middlewares"
WORK = "/work?cpu_ms=1"


def ingress_for(objects, path: str) -> dict:
    (found,) = [
        i
        for i in by_kind(objects, "Ingress")
        for rule in i["spec"]["rules"]
        for p in rule["http"]["paths"]
        if p["path"] == path
    ]
    return found


def file_middlewares(ingress: dict) -> tuple[str, ...]:
    """The middlewares an Ingress's router uses, all from Traefik's file provider."""
    names = ingress["metadata"]["annotations"][MIDDLEWARES].split(",")
    assert all(n.endswith("@file") for n in names), names
    return tuple(n.removesuffix("@file") for n in names)


def dynamic_files(objects) -> dict[str, str]:
    (config,) = [
        c for c in by_kind(objects, "ConfigMap") if c["metadata"]["name"] == "traefik-dynamic"
    ]
    return {"middlewares.yaml": config["data"]["middlewares.yaml"]}


def rate_limit(files: dict[str, str], names: tuple[str, ...]) -> dict:
    defined = yaml.safe_load(files["middlewares.yaml"])["http"]["middlewares"]
    (limit,) = [defined[n]["rateLimit"] for n in names if "rateLimit" in defined[n]]
    return limit


def seconds(duration: str) -> float:
    value, unit = re.fullmatch(r"(\d+)(ms|s|m)", duration).groups()
    return int(value) * {"ms": 0.001, "s": 1, "m": 60}[unit]


def max_delay(average: int, period: float) -> float:
    """How long Traefik holds a request for a token rather than answer 429: 1/(2 x rate), at
    most 0.5 s (pkg/middlewares/ratelimiter/rate_limiter.go). A 0.1 s flood at 5/s with a burst
    of 10 got 12 answers through, not the 11 a bare token bucket allows (CI, 2026-12-07)."""
    per_second = average / period
    return 0.5 if per_second < 1 else 1 / (2 * per_second)


def test_only_work_is_rate_limited(rendered):
    """Fails on the old overlay, whose one Ingress sent /work through the retry alone."""
    objects = rendered[PRODUCTION]
    files = dynamic_files(rendered[TRAEFIK])
    defined = yaml.safe_load(files["middlewares.yaml"])["http"]["middlewares"]

    def limited(path: str) -> bool:
        return any("rateLimit" in defined[n] for n in file_middlewares(ingress_for(objects, path)))

    assert limited("/work")
    assert [p for p in ("/", "/version", "/data") if limited(p)] == []


def test_traefik_answers_429_above_the_limit_and_200_below(rendered, tmp_path):
    names = file_middlewares(ingress_for(rendered[PRODUCTION], "/work"))
    files = dynamic_files(rendered[TRAEFIK])
    limit = rate_limit(files, names)
    average, burst = limit["average"], limit.get("burst", 1)
    period = seconds(limit.get("period", "1s"))
    refill = burst * period / average
    with gunicorn(tmp_path) as app, traefik(tmp_path, app, names, files) as edge:
        time.sleep(refill)
        within_burst = [requests.get(edge.url + WORK, timeout=10).status_code for _ in range(burst)]
        # The bucket is empty now; at half the average rate every request still finds a token.
        steady = []
        for _ in range(average):
            time.sleep(2 * period / average)
            steady.append(requests.get(edge.url + WORK, timeout=10).status_code)
        time.sleep(refill)
        flood = 4 * burst
        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            replies = list(
                pool.map(lambda _: requests.get(edge.url + WORK, timeout=10), range(flood))
            )
        elapsed = time.monotonic() - started
    codes = [r.status_code for r in replies]
    assert within_burst == [200] * burst
    assert steady == [200] * average
    assert set(codes) == {200, 429}, codes
    # The bucket holds `burst` and refills at average/period while the flood lasts; Traefik
    # also admits a request whose token comes within its maxDelay, holding it until then.
    # Two more for rounding: a token partly refilled at each end of the flood.
    tokens = burst + average * (elapsed + max_delay(average, period)) / period + 2
    assert codes.count(200) <= tokens, (codes, elapsed)
    assert codes.count(429) >= flood - tokens, (codes, elapsed)
    # Traefik's own answer: the app stamps every reply it gives.
    assert not [r for r in replies if r.status_code == 429 and SERVED_BY_HEADER in r.headers]

"""A real gunicorn serving the app behind a real Traefik, and a real Prometheus scraping both.

All on loopback only. Traefik runs with the metrics flags of the cluster's add-on (read from its
manifest, so the two cannot drift) and a file-provider route to the gunicorn: the edge series
the dashboard and the alerts read (job "traefik") exist here as on the cluster.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import requests
import yaml

from kindlab.core.paths import REPO_ROOT
from kindlab.core.wait import wait_for

from .rules import PROMETHEUS_DIR
from .tools import prometheus as prometheus_binary
from .tools import traefik as traefik_binary

LOOPBACK = "127.0.0.1"
TRAEFIK_MANIFEST = REPO_ROOT / "k8s/addons/traefik/deployment.yaml"
# The add-on's flags that shape the edge series; its providers and ports are the cluster's own.
TRAEFIK_FLAG_PREFIXES = ("--metrics.", "--global.")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def wait_until(check: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
    """Poll `check` until it returns something truthy (a server not up yet counts as no)."""
    found: list[Any] = []

    def condition() -> tuple[bool, str]:
        try:
            result = check()
        except requests.RequestException as exc:
            return False, type(exc).__name__
        found[:] = [result]
        return bool(result), repr(result)[:200]

    wait_for(condition, what, timeout=timeout, interval=0.5)
    return found[0]


@contextlib.contextmanager
def process(args: list[str], log: Path, env: dict[str, str] | None = None) -> Iterator[None]:
    """Run a server for the duration of the block; always stopped, its log kept for failures."""
    with log.open("w") as out:
        proc = subprocess.Popen(args, cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT, env=env)
        try:
            yield
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextlib.contextmanager
def gunicorn(workdir: Path) -> Iterator[str]:
    """The app under app/gunicorn.conf.py (2 workers, faults enabled); yields its base URL."""
    port = free_port()
    env = os.environ | {
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "APP_ENABLE_FAULTS": "1",
        "POD_NAME": "lint-gunicorn",
        "PROMETHEUS_MULTIPROC_DIR": str(workdir / "metrics"),
        "APP_STATE_DIR": str(workdir / "state"),
    }
    args = [sys.executable, "-m", "gunicorn", "-c", "app/gunicorn.conf.py"]
    with process([*args, "--bind", f"{LOOPBACK}:{port}"], workdir / "gunicorn.log", env):
        url = f"http://{LOOPBACK}:{port}"
        wait_until(lambda: requests.get(f"{url}/health", timeout=2).ok, "gunicorn /health")
        yield url


def traefik_addon_flags() -> list[str]:
    """The metrics and global flags of the Traefik add-on's container."""
    deployment = yaml.safe_load(TRAEFIK_MANIFEST.read_text())
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return [arg for arg in container["args"] if arg.startswith(TRAEFIK_FLAG_PREFIXES)]


@dataclasses.dataclass(frozen=True)
class Edge:
    url: str  # where clients send requests
    metrics_target: str  # host:port of its /metrics, for a scrape config


@contextlib.contextmanager
def traefik(
    workdir: Path,
    backend: str,
    middlewares: tuple[str, ...] = (),
    dynamic: dict[str, str] | None = None,
) -> Iterator[Edge]:
    """The pinned Traefik routing every path to `backend` (a URL), as the app's Ingress does,
    through `middlewares` defined in the `dynamic` files (name -> text) of its file provider."""
    web, internal = free_port(), free_port()
    router = {"rule": "PathPrefix(`/`)", "service": "kindlab-app", "middlewares": list(middlewares)}
    routes = {
        "http": {
            "routers": {"kindlab-app": router},
            "services": {"kindlab-app": {"loadBalancer": {"servers": [{"url": backend}]}}},
        }
    }
    (workdir / "traefik-dynamic").mkdir()
    (workdir / "traefik-dynamic" / "routes.yaml").write_text(yaml.safe_dump(routes))
    for name, text in (dynamic or {}).items():
        (workdir / "traefik-dynamic" / name).write_text(text)
    args = [
        traefik_binary(),
        f"--entryPoints.web.address={LOOPBACK}:{web}",
        f"--entryPoints.traefik.address={LOOPBACK}:{internal}",
        f"--providers.file.directory={workdir / 'traefik-dynamic'}",
        *traefik_addon_flags(),
    ]
    with process(args, workdir / "traefik.log"):
        edge = Edge(url=f"http://{LOOPBACK}:{web}", metrics_target=f"{LOOPBACK}:{internal}")
        wait_until(lambda: requests.get(f"{edge.url}/health", timeout=2).ok, "Traefik -> /health")
        yield edge


@contextlib.contextmanager
def prometheus(workdir: Path, target: str, edge_target: str | None = None) -> Iterator[str]:
    """The pinned Prometheus with the compose config, aimed at `target` and, if given, at a
    Traefik's metrics as job "traefik" (the cluster's job name); yields its base URL."""
    config = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text())
    config["global"] |= {"scrape_interval": "1s", "evaluation_interval": "1s"}
    config["rule_files"] = [str(PROMETHEUS_DIR / "rules" / "*.yml")]
    (job,) = config["scrape_configs"]
    job["static_configs"][0]["targets"] = [target]
    if edge_target is not None:
        edge_job = {"job_name": "traefik", "static_configs": [{"targets": [edge_target]}]}
        config["scrape_configs"].append(edge_job)
    with prometheus_with(workdir, config) as url:
        yield url


@contextlib.contextmanager
def prometheus_with(workdir: Path, config: dict, flags: tuple[str, ...] = ()) -> Iterator[str]:
    """The pinned Prometheus with `config` and extra `flags`, on loopback; yields its URL."""
    (workdir / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    args = [
        prometheus_binary(),
        f"--config.file={workdir / 'prometheus.yml'}",
        f"--storage.tsdb.path={workdir / 'tsdb'}",
        f"--web.listen-address={LOOPBACK}:{port}",
        *flags,
    ]
    with process(args, workdir / "prometheus.log"):
        url = f"http://{LOOPBACK}:{port}"
        wait_until(lambda: requests.get(f"{url}/-/ready", timeout=2).ok, "Prometheus /-/ready")
        yield url


def instant_query(url: str, expr: str) -> list[dict[str, Any]]:
    """The result vector of `expr` now; a PromQL error raises with Prometheus's message."""
    response = requests.get(f"{url}/api/v1/query", params={"query": expr}, timeout=10)
    body = response.json()
    if body.get("status") != "success":
        raise ValueError(f"{expr!r}: {body.get('error')}")
    return body["data"]["result"]

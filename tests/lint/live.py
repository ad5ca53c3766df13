"""A real gunicorn serving the app and a real Prometheus scraping it, both on loopback only."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import requests
import yaml

from kindlab.versions import REPO_ROOT
from kindlab.wait import wait_for

from .rules import PROMETHEUS_DIR
from .tools import prometheus as prometheus_binary

LOOPBACK = "127.0.0.1"


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


@contextlib.contextmanager
def prometheus(workdir: Path, target: str) -> Iterator[str]:
    """The pinned Prometheus with the compose config, aimed at `target`; yields its base URL."""
    config = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text())
    config["global"] |= {"scrape_interval": "1s", "evaluation_interval": "1s"}
    config["rule_files"] = [str(PROMETHEUS_DIR / "rules" / "*.yml")]
    (job,) = config["scrape_configs"]
    job["static_configs"][0]["targets"] = [target]
    (workdir / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    args = [
        prometheus_binary(),
        f"--config.file={workdir / 'prometheus.yml'}",
        f"--storage.tsdb.path={workdir / 'tsdb'}",
        f"--web.listen-address={LOOPBACK}:{port}",
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

"""The compose stack of the README, run for real under a project name of its own.

The test adds one override file to the committed two: every port is published on a free
loopback port (the lab cluster holds 9090 and 3000 on this host, and a user's own stack may hold
5000), the app image is the one the smoke tier built with kindlab's builder (compose's own build
falls back to the classic builder without buildx, which cannot run the Dockerfile), and a second
Prometheus with a broken scrape target and no rules serves as the negative control of every
Prometheus check. Images are never pulled and never built by compose.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from kindlab.core.paths import REPO_ROOT
from kindlab.core.process import CommandError, run
from kindlab.core.versions import VERSIONS_FILE
from kindlab.host.compose import Compose

COMPOSE_FILES = (
    REPO_ROOT / "docker-compose.yml",
    REPO_ROOT / "monitoring/docker-compose.monitoring.yml",
)
PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"
CONTROL = "prometheus-control"
UP_TIMEOUT_SECONDS = 120
OVERRIDE = """\
services:
  app:
    image: {app_image}
    ports: !override ["127.0.0.1::5000"]
  prometheus:
    ports: !override ["127.0.0.1::9090"]
  grafana:
    ports: !override ["127.0.0.1::3000"]
  {control}:
    image: ${{PROMETHEUS_IMAGE}}
    command: [--config.file=/etc/prometheus/prometheus.yml, --storage.tsdb.path=/prometheus]
    volumes: ["{control_config}:/etc/prometheus/prometheus.yml:ro"]
    tmpfs: ["/prometheus:uid=65534,gid=65534"]
    ports: ["127.0.0.1::9090"]
"""


@dataclass
class ComposeStack:
    compose: Compose
    project: str
    extra_files: tuple[Path, ...] = ()
    profiles: tuple[str, ...] = ()
    volumes: set[str] = field(default_factory=set)
    started: float = 0.0

    def run(self, *args: str, quiet: bool = True) -> str:
        options = ["--project-name", self.project, "--env-file", str(VERSIONS_FILE)]
        options += [arg for f in (*COMPOSE_FILES, *self.extra_files) for arg in ("--file", str(f))]
        options += [arg for p in self.profiles for arg in ("--profile", p)]
        label = f"docker compose {' '.join(args[:2])} of {self.project}"
        argv = self.compose.argv(*options, *args)
        return run(argv, cwd=REPO_ROOT, env=self.compose.env, quiet=quiet, label=label)

    def config(self) -> dict[str, Any]:
        """The project as compose resolves it (interpolation, merging, profiles)."""
        return json.loads(self.run("config", "--format", "json"))

    def up(self) -> None:
        """Start every service and wait until they run (the app: until healthy); no pulls."""
        self.started = time.monotonic()
        try:
            self.run("up", "--detach", "--wait", "--wait-timeout", str(UP_TIMEOUT_SECONDS),
                     "--pull", "never", "--no-build", quiet=False)  # fmt: skip
        except CommandError as exc:
            # Which container failed is in compose's output; why is in its log.
            raise CommandError(
                f"{exc}\nLast log lines:\n{self.run('logs', '--tail', '15')}"
            ) from None
        self.volumes |= set(mounted_volumes(self.project))

    def down(self) -> None:
        """What a user types when done: plain `down`, no flags."""
        self.run("down", quiet=False)

    def url(self, service: str, port: int) -> str:
        published = self.run("port", service, str(port)).strip().splitlines()[-1]
        return f"http://{published}"

    def services(self) -> list[str]:
        return self.run("ps", "--all", "--services").split()


def write_override(directory: Path, app_image: str) -> Path:
    """The test's override file and the control Prometheus's config, in `directory`."""
    control_config = directory / "prometheus-control.yml"
    control_config.write_text(
        "global: {scrape_interval: 1s}\n"
        "scrape_configs:\n"
        "  - job_name: kindlab-app\n"
        "    static_configs: [{targets: ['app:5001']}]\n"
    )
    override = directory / "compose.override.yml"
    override.write_text(
        OVERRIDE.format(app_image=app_image, control=CONTROL, control_config=control_config)
    )
    return override


def docker_lines(*args: str) -> list[str]:
    out = subprocess.run(["docker", *args], capture_output=True, text=True, check=True).stdout
    return out.split()


def mounted_volumes(project: str) -> list[str]:
    """Volumes the project's containers mount, named or anonymous (the latter carry no label)."""
    ids = docker_lines("ps", "--all", "--quiet", "--filter", f"label={PROJECT_LABEL}={project}")
    if not ids:
        return []
    template = '{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}} {{end}}{{end}}'
    return docker_lines("inspect", "--format", template, *ids)


def service_images(project: str, service: str) -> list[str]:
    """The image reference each running container of one service was started from."""
    return docker_lines("ps", "--format", "{{.Image}}",
                        "--filter", f"label={PROJECT_LABEL}={project}",
                        "--filter", f"label={SERVICE_LABEL}={service}")  # fmt: skip


def leftovers(project: str, volumes: set[str]) -> list[str]:
    """Containers, networks and volumes of the project that still exist."""
    label = f"label={PROJECT_LABEL}={project}"
    found = [
        f"container {c}"
        for c in docker_lines("ps", "--all", "--format", "{{.Names}}", "--filter", label)
    ]
    found += [
        f"network {n}"
        for n in docker_lines("network", "ls", "--format", "{{.Name}}", "--filter", label)
    ]
    existing = set(docker_lines("volume", "ls", "--quiet"))
    labelled = docker_lines("volume", "ls", "--quiet", "--filter", label)
    found += [f"volume {v}" for v in sorted(set(labelled) | (volumes & existing))]
    return found


def polled(check: Callable[[], tuple[bool, str]]) -> Callable[[], tuple[bool, str]]:
    """A wait condition for an HTTP check: a server not answering yet is not done, not an error."""

    def condition() -> tuple[bool, str]:
        try:
            return check()
        except requests.RequestException as exc:
            return False, f"no answer yet ({type(exc).__name__})"

    return condition


def prometheus_api(url: str, path: str, **params: str) -> Any:
    reply = requests.get(f"{url}/api/v1/{path}", params=params, timeout=5)
    reply.raise_for_status()
    return reply.json()["data"]


def target_health(url: str) -> dict[str, str]:
    """Each scrape target's health ("up", "down", "unknown"), keyed by job/instance."""
    targets = prometheus_api(url, "targets")["activeTargets"]
    return {f"{t['labels']['job']}/{t['labels']['instance']}": t["health"] for t in targets}


def rule_states(url: str) -> dict[str, tuple[str, bool]]:
    """Each loaded rule's health and whether Prometheus has evaluated it yet."""
    groups = prometheus_api(url, "rules")["groups"]
    return {
        rule["name"]: (rule["health"], not rule["lastEvaluation"].startswith("0001-"))
        for group in groups
        for rule in group["rules"]
    }


def instant_query(url: str, expr: str) -> list[dict[str, Any]]:
    return prometheus_api(url, "query", query=expr)["result"]

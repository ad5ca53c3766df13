"""`tox -e soak`: a long run at a fixed rate through the ingress, looking for slow trouble.

A rollout test lasts a minute; leaks and creeping latency need longer. The soak brings the lab
up as `tox -e up` does, sends the load, and reports failures, latency second by second (in the
same HTML charts as e2e) and each pod's memory at the start and the end: a pod whose memory
only grows under a steady load is leaking.

    tox -e soak                      # 10 minutes at 100 req/s
    tox -e soak -- --minutes 30 --rate 200
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from kindlab.bringup.metrics import pod_memory_bytes
from kindlab.bringup.provision import resolve_platform
from kindlab.bringup.steps import BringUp
from kindlab.clients.ingress import IngressClient
from kindlab.cluster.identity import default_cluster_name
from kindlab.cluster.names import APP_NAMESPACE
from kindlab.core.output import say
from kindlab.core.paths import REPO_ROOT
from kindlab.core.versions import pins
from kindlab.drills import appops
from kindlab.host.docker_engine import ensure_docker
from kindlab.load.traffic import TrafficReport, traffic

REPORT = REPO_ROOT / "reports" / "soak.json"
PROGRESS_SECONDS = 10
MIB = 1024 * 1024


def memory_growth(start: dict[str, float], end: dict[str, float]) -> dict[str, dict]:
    """Per pod present at both ends: MiB at start and end, and the growth in percent."""
    growth = {}
    for pod in sorted(start.keys() & end.keys()):
        before, after = start[pod] / MIB, end[pod] / MIB
        growth[pod] = {
            "start_mib": round(before, 1),
            "end_mib": round(after, 1),
            "growth_percent": round(100 * (after - before) / before, 1) if before else None,
        }
    return growth


def soak(minutes: float, rate: float) -> dict:
    ensure_docker()
    bringup = BringUp(resolve_platform(None), default_cluster_name())
    urls = bringup.everything()
    kube = bringup.cluster().kube
    ingress = IngressClient(urls.ingress, urls.ingress_host)
    memory_at_start = pod_memory_bytes(kube, APP_NAMESPACE)
    seconds = minutes * 60
    with traffic(ingress, rate=rate, observe=lambda: appops.ready_pods(kube)) as report:
        started = time.monotonic()
        while (elapsed := time.monotonic() - started) < seconds:
            say(f"soak: {elapsed / 60:.1f} of {minutes:g} minutes at {rate:g} req/s")
            time.sleep(min(PROGRESS_SECONDS, seconds - elapsed))
    memory_at_end = pod_memory_bytes(kube, APP_NAMESPACE)
    return document(report, minutes, memory_growth(memory_at_start, memory_at_end))


def document(report: TrafficReport, minutes: float, memory: dict[str, dict]) -> dict:
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "pins": pins(),
        "scenarios": {
            "soak": {
                "minutes": minutes,
                "memory": memory,
                "traffic": {"summary": report.summary(), "per_second": report.per_second()},
            }
        },
    }

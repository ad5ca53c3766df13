"""`tox -e soak`: a long run at a fixed rate through the ingress, looking for slow trouble.

A rollout test lasts a minute; leaks and creeping latency need longer. The soak brings the lab
up as `tox -e up` does, sends the load, and reports failures, latency second by second (in the
same HTML charts as e2e) and each pod's memory at the start and the end: a pod whose memory
only grows under a steady load is leaking.

    tox -e soak                      # 10 minutes at 100 req/s
    tox -e soak -- --minutes 30 --rate 200
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from kindlab.charts import write_html
from kindlab.cluster import appops
from kindlab.cluster.bringup import BringUp
from kindlab.cluster.lifecycle import default_cluster_name
from kindlab.cluster.metrics import pod_memory_bytes
from kindlab.cluster.names import APP_NAMESPACE
from kindlab.cluster.platform import resolve_platform
from kindlab.docker_engine import ensure_docker
from kindlab.errors import KindlabError
from kindlab.ingress import IngressClient
from kindlab.progress import say
from kindlab.traffic import MAX_DURATION_SECONDS, MAX_RATE, TrafficReport, traffic
from kindlab.versions import REPO_ROOT, pins

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kindlab.soak", description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=100.0, help="requests per second")
    parser.add_argument("--report", type=Path, default=REPORT)
    args = parser.parse_args(argv)
    if not 0 < args.minutes * 60 <= MAX_DURATION_SECONDS:
        parser.error(f"--minutes must be in (0, {MAX_DURATION_SECONDS / 60:g}]")
    if not 0 < args.rate <= MAX_RATE:
        parser.error(f"--rate must be in (0, {MAX_RATE:g}]")
    try:
        result = soak(args.minutes, args.rate)
    except KindlabError as exc:
        print(f"soak failed: {exc}", file=sys.stderr)
        return 1
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(result, indent=2) + "\n")
    summary = result["scenarios"]["soak"]["traffic"]["summary"]
    say(f"soak: {summary['sent']} sent, {summary['failed']} failed, {summary['latency_ms']}")
    for pod, figures in result["scenarios"]["soak"]["memory"].items():
        say(f"  {pod}: {figures['start_mib']} -> {figures['end_mib']} MiB")
    say(f"report: {args.report} and {write_html(args.report)}")
    return 0 if summary["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

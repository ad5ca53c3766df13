"""`kindlab soak`: the lab cluster under a fixed rate through the ingress (a benchmark, not a test).

Failures, latency second by second and each pod's memory at start and end go to a JSON report
and its chart page; growth under steady load is a leak.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from kindlab.core.errors import KindlabError
from kindlab.core.output import say
from kindlab.load.charts import write_html
from kindlab.load.soak import REPORT, soak
from kindlab.load.traffic import MAX_DURATION_SECONDS, MAX_RATE


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kindlab soak", description=__doc__)
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

"""`kindlab charts REPORT`: redraw the HTML charts of a JSON traffic report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kindlab.load.charts import write_html


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kindlab charts", description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path, help="a JSON report of an e2e run")
    parser.add_argument("--output", type=Path, help="default: the report's name with .html")
    args = parser.parse_args(argv)
    try:
        print(write_html(args.report, args.output))
    except (OSError, ValueError, KeyError) as exc:
        print(f"cannot chart {args.report}: {exc}", file=sys.stderr)
        return 2
    return 0

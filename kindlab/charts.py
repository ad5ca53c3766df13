"""The traffic of every scenario as an HTML page with charts, made from the run's JSON report.

People do not read a wall of JSON: per second, who answered (release and pod), what failed,
how slow the slowest were and how many pods were ready is what shows a rollout's shape. Plotly
draws it; its script is embedded once, so the page also opens on a machine without internet.

    python -m kindlab.charts reports/e2e-report.json   # writes reports/e2e-report.html
"""

from __future__ import annotations

import argparse
import html
import json
import sys
from pathlib import Path

import plotly.graph_objects as go
from plotly.subplots import make_subplots

SUMMARY_COLUMNS = ("sent", "failed", "rate_per_second")
LATENCY_COLUMNS = ("p50", "p95", "p99", "max")
ROW_TITLES = ("requests/s by release", "requests/s by pod", "p99 latency (ms)", "ready pods")


def traffic_scenarios(document: dict) -> dict[str, dict]:
    """Scenarios that carry a per-second traffic series, in the order they ran."""
    scenarios = document.get("scenarios", {})
    return {name: s for name, s in scenarios.items() if s.get("traffic", {}).get("per_second")}


def scenario_figure(name: str, scenario: dict) -> go.Figure:
    rows = scenario["traffic"]["per_second"]
    seconds = [row["second"] for row in rows]
    figure = make_subplots(
        rows=4, cols=1, shared_xaxes=True, vertical_spacing=0.05, subplot_titles=ROW_TITLES
    )
    for version in sorted({v for row in rows for v in row["by_version"]}):
        counts = [row["by_version"].get(version, 0) for row in rows]
        figure.add_trace(go.Bar(x=seconds, y=counts, name=f"release {version}"), row=1, col=1)
    failures = [row["failed"] for row in rows]
    figure.add_trace(
        go.Bar(x=seconds, y=failures, name="failed", marker_color="crimson"), row=1, col=1
    )
    for pod in sorted({p for row in rows for p in row["by_pod"]}):
        counts = [row["by_pod"].get(pod, 0) for row in rows]
        figure.add_trace(
            go.Scatter(x=seconds, y=counts, name=pod, mode="lines", legendgroup="pods"),
            row=2,
            col=1,
        )
    figure.add_trace(
        go.Scatter(x=seconds, y=[row["p99_ms"] for row in rows], name="p99 ms", mode="lines"),
        row=3,
        col=1,
    )
    ready = [row.get("observed") for row in rows]
    figure.add_trace(
        go.Scatter(x=seconds, y=ready, name="ready pods", mode="lines", line_shape="hv"),
        row=4,
        col=1,
    )
    for second, count in zip(seconds, failures, strict=True):
        if count:
            figure.add_vline(x=second, line_color="crimson", line_width=1, opacity=0.3)
    figure.update_layout(
        title=name.replace("_", " "), barmode="stack", height=900, legend_tracegroupgap=20
    )
    figure.update_xaxes(title_text="seconds since the traffic started", row=4, col=1)
    figure.update_yaxes(rangemode="tozero")
    return figure


def summary_table(scenarios: dict[str, dict]) -> str:
    head = "".join(f"<th>{c}</th>" for c in ("scenario", *SUMMARY_COLUMNS, *LATENCY_COLUMNS))
    body = []
    for name, scenario in scenarios.items():
        summary = scenario["traffic"]["summary"]
        cells = [html.escape(name)] + [str(summary.get(c, "")) for c in SUMMARY_COLUMNS]
        cells += [f"{summary['latency_ms'].get(c, '')} ms" for c in LATENCY_COLUMNS]
        row_class = ' class="failed"' if summary.get("failed") else ""
        body.append(f"<tr{row_class}>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def render(document: dict) -> str:
    scenarios = traffic_scenarios(document)
    if not scenarios:
        raise ValueError("the report has no scenario with per-second traffic to chart")
    figures = [
        scenario_figure(name, scenario).to_html(full_html=False, include_plotlyjs=first)
        for first, (name, scenario) in zip(
            [True] + [False] * len(scenarios), scenarios.items(), strict=False
        )
    ]
    generated = html.escape(str(document.get("generated_at", "")))
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>kindlab traffic report</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
        "tr.failed td{background:#fdd}</style></head><body>"
        f"<h1>kindlab traffic report</h1><p>generated {generated}</p>"
        f"{summary_table(scenarios)}{''.join(figures)}</body></html>"
    )


def write_html(report_json: Path, target: Path | None = None) -> Path:
    target = target or report_json.with_suffix(".html")
    target.write_text(render(json.loads(report_json.read_text())))
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path, help="a JSON report of an e2e run")
    parser.add_argument("--output", type=Path, help="default: the report's name with .html")
    args = parser.parse_args(argv)
    try:
        print(write_html(args.report, args.output))
    except (OSError, ValueError, KeyError) as exc:
        print(f"cannot chart {args.report}: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

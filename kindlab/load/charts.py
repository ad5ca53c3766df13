"""The traffic of every scenario as an HTML page with charts, made from the run's JSON report.

People do not read a wall of JSON: per second, who answered (release and pod), what failed,
how slow the slowest were and how many pods were ready is what shows a rollout's shape. Plotly
draws it; its script is embedded once, so the page also opens on a machine without internet.

    kindlab charts reports/e2e-report.json   # writes reports/e2e-report.html
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import plotly.graph_objects as go
from plotly.subplots import make_subplots

SUMMARY_COLUMNS = ("sent", "failed", "rate_per_second")
LATENCY_COLUMNS = ("p50", "p95", "p99", "max")
ROW_TITLES = ("requests/s by release", "requests/s by pod", "p99 latency (ms)", "ready pods")
# Failures are the only red on the page, so a rollout never reads like an outage at a glance:
# every other trace (releases, pods, latency, ready pods) takes its colour from this palette of
# blues, greens and purples. Plotly's default palette has an orange-red second colour,
# which release v2 got beside the crimson of failed requests.
FAILURE_COLOUR = "#dc143c"  # crimson
CALM_COLOURS = (
    "#1f77b4",  # blue
    "#2ca02c",  # green
    "#9467bd",  # purple
    "#17becf",  # teal
    "#6b6ecf",  # periwinkle
    "#bcbd22",  # olive
    "#393b79",  # navy
    "#637939",  # moss
)


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
    versions = sorted({v for row in rows for v in row["by_version"]})
    for index, version in enumerate(versions):
        counts = [row["by_version"].get(version, 0) for row in rows]
        colour = CALM_COLOURS[index % len(CALM_COLOURS)]
        figure.add_trace(
            go.Bar(x=seconds, y=counts, name=f"release {version}", marker_color=colour),
            row=1,
            col=1,
        )
    failures = [row["failed"] for row in rows]
    figure.add_trace(
        go.Bar(x=seconds, y=failures, name="failed", marker_color=FAILURE_COLOUR), row=1, col=1
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
            figure.add_vline(x=second, line_color=FAILURE_COLOUR, line_width=1, opacity=0.3)
    figure.update_layout(
        title=name.replace("_", " "),
        barmode="stack",
        height=900,
        legend_tracegroupgap=20,
        colorway=list(CALM_COLOURS),
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

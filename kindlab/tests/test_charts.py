"""The HTML traffic report, made from a report document as an e2e run writes it."""

import colorsys
import json

from kindlab.cli.main import main as kindlab
from kindlab.load import charts
from kindlab.load.traffic import Record, TrafficReport


def _report() -> TrafficReport:
    records = [
        Record(1000.0 + i / 10, 200 if i != 7 else 502, 0.002, f"pod-{i % 2}", "v1", None)
        for i in range(30)
    ]
    return TrafficReport(records=records, observed=[(1001.0, 3), (1002.0, 2)])


def _document(report: TrafficReport) -> dict:
    traffic = {"summary": report.summary(), "per_second": report.per_second()}
    return {"generated_at": "now", "scenarios": {"rollout<x>": {"traffic": traffic}, "other": {}}}


def test_page_has_a_table_row_and_charts_per_scenario_with_traffic(tmp_path):
    source = tmp_path / "run.json"
    source.write_text(json.dumps(_document(_report())))
    page = charts.write_html(source).read_text()
    assert page.count("<tr") == 2  # header + the one scenario with traffic
    assert "rollout&lt;x&gt;" in page and "rollout<x>" not in page
    assert 'class="failed"' in page
    assert "by pod" in page and "ready pods" in page and "p99 latency" in page
    assert page.count("plotly.js v") == 1  # the script is embedded once, not per chart


def test_a_report_without_traffic_is_a_clear_error(tmp_path, capsys):
    source = tmp_path / "run.json"
    source.write_text(json.dumps({"scenarios": {"cluster": {"create_seconds": 1}}}))
    assert kindlab(["charts", str(source)]) == 2
    assert "no scenario with per-second traffic" in capsys.readouterr().err


def test_a_missing_file_is_a_clear_error(tmp_path, capsys):
    assert kindlab(["charts", str(tmp_path / "absent.json")]) == 2
    assert "cannot chart" in capsys.readouterr().err


def test_per_second_rows_count_every_request_and_failure():
    rows = _report().per_second()
    assert [row["sent"] for row in rows] == [10, 10, 10]
    assert [row["failed"] for row in rows] == [1, 0, 0]
    assert rows[1]["observed"] == 3 and rows[2]["observed"] == 2
    assert rows[0]["by_pod"] == {"pod-0": 5, "pod-1": 4}


def test_serving_window_spans_from_the_new_release_to_the_old_ones_last_answer():
    records = [Record(float(t), 200, 0.001, "p", v, None) for t, v in
               [(0, "v1"), (1, "v1"), (2, "v2"), (3, "v1"), (4, "v2")]]  # fmt: skip
    window = TrafficReport(records=records).serving_window("v1", "v2")
    assert window == {"from_seconds": 2.0, "to_seconds": 3.0, "both_serving_seconds": 1.0}
    assert TrafficReport(records=records).serving_window("v1", "v3") is None


def _hue(colour: str) -> float:
    red, green, blue = (int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return colorsys.rgb_to_hsv(red, green, blue)[0] * 360


def _hue_distance(a: float, b: float) -> float:
    return min(abs(a - b), 360 - abs(a - b))


def _rollout_report() -> TrafficReport:
    """Six releases answering one after another and one failed request."""
    records = [
        Record(1000.0 + i / 10, 502 if i == 13 else 200, 0.002, f"pod-{i % 4}", f"v{i // 10}", None)
        for i in range(60)
    ]
    return TrafficReport(records=records, observed=[(1001.0, 3)])


def test_failures_are_the_only_red_in_a_rollout():
    """Release v2 was plotly's orange-red (#EF553B, 8 degrees from crimson) beside the crimson
    of failed requests: every release, pod and line colour now keeps 60 degrees of hue away."""
    report = _rollout_report()
    scenario = {"traffic": {"summary": report.summary(), "per_second": report.per_second()}}
    figure = charts.scenario_figure("rolling_update", scenario)
    failure_hue = _hue(charts.FAILURE_COLOUR)
    releases = [t for t in figure.data if t.name.startswith("release ")]
    assert len(releases) == 6
    assert [t.name for t in figure.data if t.marker.color == charts.FAILURE_COLOUR] == ["failed"]
    for trace in releases:
        assert _hue_distance(_hue(trace.marker.color), failure_hue) >= 60, trace.name
    for colour in figure.layout.colorway:
        assert _hue_distance(_hue(colour), failure_hue) >= 60, colour


def test_the_hue_check_sees_the_old_orange_red():
    """The negative control: plotly's default second colour fails the distance check."""
    assert _hue_distance(_hue("#EF553B"), _hue(charts.FAILURE_COLOUR)) < 60

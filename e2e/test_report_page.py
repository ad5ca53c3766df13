"""The HTML traffic report, opened in a real browser: its charts draw from the embedded script.

The page is made the way the session's report is (kindlab.load.charts) from a short real run of
traffic through the ingress, and served over HTTP as a person's browser would get it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kindlab.load import charts
from kindlab.load.traffic import TrafficReport, traffic
from kindlab.testing.browser import Browser, BrowserCheckFailed

RATE = 50.0
SECONDS = 4


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A folder served on loopback: (folder, base URL)."""
    handler = partial(QuietHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield tmp_path, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def _document(report: TrafficReport) -> dict:
    traffic_figures = {"summary": report.summary(), "per_second": report.per_second()}
    return {"generated_at": "this test", "scenarios": {"short_run": {"traffic": traffic_figures}}}


def _charts_drawn(browser: Browser, page, expected: int, shot: str, timeout: float = 20) -> int:
    """Every chart of the page has drawn its SVG: Plotly marks a div it has drawn into with
    the class js-plotly-plot (an SVG has no inner text to wait for, the div does)."""
    browser.text(page, ".js-plotly-plot", shot=shot, timeout=timeout)
    drawn = page.locator(".js-plotly-plot:has(svg.main-svg)").count()
    if drawn != expected:
        browser.fail(page, shot, f"{drawn} charts drawn, {expected} expected")
    return drawn


def test_traffic_report_draws_its_charts_in_a_browser(deployed_app, ingress, browser, served):
    folder, base = served
    with traffic(ingress, rate=RATE) as report:
        time.sleep(SECONDS)
    (folder / "report.html").write_text(charts.render(_document(report)))
    page = browser.open(f"{base}/report.html", shot="traffic-report")
    assert _charts_drawn(browser, page, 1, "traffic-report") == 1
    table = browser.text(page, "table", shot="traffic-report", contains="short_run")
    assert str(report.sent) in table
    browser.screenshot(page, "traffic-report")


def test_report_check_fails_when_the_charts_cannot_draw(ingress, browser, served):
    """Negative control: the same chart without Plotly's script stays an empty div."""
    folder, base = served
    with traffic(ingress, rate=RATE) as report:
        time.sleep(1)
    figure = charts.scenario_figure("short_run", _document(report)["scenarios"]["short_run"])
    (folder / "broken.html").write_text(figure.to_html(include_plotlyjs=False))
    page = browser.open(f"{base}/broken.html", shot="traffic-report-control")
    with pytest.raises(BrowserCheckFailed, match=r"shows no '\.js-plotly-plot'"):
        _charts_drawn(browser, page, 1, "traffic-report-control", timeout=5)

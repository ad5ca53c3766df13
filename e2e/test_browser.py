"""In a real browser, as a person would look: the app's page through the ingress, watched while
the app scales out, and the Prometheus UI running a query. Screenshots: reports/browser-*.png.
"""

from __future__ import annotations

import time

import pytest

from kindlab.bringup.health import live_app_pods
from kindlab.core.output import say
from kindlab.drills import appops, autoscaling
from kindlab.testing.browser import Browser, BrowserCheckFailed

EXTRA_PODS = 3
WATCH_SECONDS = 120
# The landing page reloads itself every 2 s: a reload later than this means it stopped.
RELOAD_TIMEOUT_SECONDS = 10
PROMETHEUS_QUERY = "up"


def app_url(endpoints, path: str = "/") -> str:
    port = endpoints.ingress.rsplit(":", 1)[1]
    return f"http://{endpoints.ingress_host}:{port}{path}"


def landing_facts(browser: Browser, page, shot: str, timeout: float = 10) -> dict[str, str]:
    """Release and pod as the rendered page shows them (not as an API answers them)."""
    return {
        key: browser.text(page, f"#{key}", shot=shot, timeout=timeout) for key in ("version", "pod")
    }


def test_landing_page_names_release_and_pod(browser, endpoints, app_images, deployed_app):
    started = time.monotonic()
    page = browser.open(app_url(endpoints), shot="app-landing")
    facts = landing_facts(browser, page, "app-landing")
    browser.screenshot(page, "app-landing")
    page.close()
    assert facts["version"] == app_images["v1"].rsplit(":", 1)[1]
    assert facts["pod"] in {p.metadata.name for p in live_app_pods(deployed_app.kube)}
    say(f"  landing page read in {time.monotonic() - started:.1f}s: {facts}")


def test_landing_page_shows_new_pods_during_a_scale_out(
    browser, endpoints, restore_app, run_report
):
    """The page reloads by itself (the test never reloads it) and shows the pods answering."""
    kube = restore_app.kube
    before = {p.metadata.name for p in live_app_pods(kube)}
    page = browser.open(app_url(endpoints), shot="app-scale-out")
    autoscaling.pause(kube)  # replicas set by hand must stay; restore_app brings it back
    started = time.monotonic()
    appops.scale(kube, len(before) + EXTRA_PODS)
    seen: list[str] = [landing_facts(browser, page, "app-scale-out")["pod"]]
    while time.monotonic() - started < WATCH_SECONDS and not set(seen) - before:
        browser.next_load(page, shot="app-scale-out", timeout=RELOAD_TIMEOUT_SECONDS)
        seen.append(landing_facts(browser, page, "app-scale-out")["pod"])
    new = sorted(set(seen) - before)
    browser.screenshot(page, "app-scale-out-new-pod")
    page.close()
    run_report.record(
        "browser_scale_out",
        reloads=len(seen) - 1,
        distinct_pods=len(set(seen)),
        first_new_pod_seconds=round(time.monotonic() - started, 1),
    )
    assert len(set(seen)) > 1, f"the page showed only {seen[0]} in {len(seen)} loads"
    assert new, f"no new pod appeared in {WATCH_SECONDS}s of reloads; pods shown: {set(seen)}"


def test_page_checks_fail_on_a_page_that_is_not_the_landing_page(browser, endpoints, deployed_app):
    """Negative controls: /health answers 200 but shows neither release nor pod, and does not
    reload itself; both checks must say so."""
    page = browser.open(app_url(endpoints, "/health"), shot="negative-control-health")
    with pytest.raises(BrowserCheckFailed, match=r"shows no '#version'.*healthy"):
        landing_facts(browser, page, "negative-control-health", timeout=3)
    with pytest.raises(BrowserCheckFailed, match=r"did not reload itself within 5s"):
        browser.next_load(page, shot="negative-control-health", timeout=5)
    page.close()


def test_prometheus_ui_runs_a_query(browser, endpoints, deployed_app):
    """The UI loads (offline too), a typed query executes, and its table lists the app's pods.

    The query `up` does not name the app, so "kindlab-app" can only come from the result.
    """
    page = browser.open(endpoints.prometheus + "/", shot="prometheus-ui")
    browser.text(page, ".cm-content", shot="prometheus-ui")  # the expression editor is there
    page.locator(".cm-content").first.click()
    page.keyboard.type(PROMETHEUS_QUERY)
    page.keyboard.press("Escape")  # closes the autocompletion list
    page.get_by_role("button", name="Execute", exact=True).click()
    browser.text(page, "table", shot="prometheus-query", contains="kindlab-app")
    browser.screenshot(page, "prometheus-query-up")
    page.close()

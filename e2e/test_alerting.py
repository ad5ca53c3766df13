"""The alert drill: 5xx on the app reaches a receiver as a page, and its resolution follows.

Fault → KindlabHighErrorRatio pending, then firing in Prometheus → held by Alertmanager → a
webhook notification at the receiver with the rule's labels and runbook → fault cleared →
inactive → a resolved notification of the same episode. The seconds of each hop go to the run
report. The lab's timings are short (`for: 1m`, a 1m window, group_wait 5s, group_interval
10s); monitoring/README.md lists them beside production-like values.

Negative control, in the same window and under the same fault: a copy of the rule whose
expression names a metric the app does not export (`flask_http_requests_total`, a plural too
many) is loaded beside it; the drill's checks must find it at no hop at all.
"""

from __future__ import annotations

import pytest
import requests
import yaml

from kindlab.clients.alertmanager import Alertmanager
from kindlab.core.paths import REPO_ROOT
from kindlab.core.wait import wait_for
from kindlab.drills.alertdrill import AlertDrill, reached_anywhere, rule_in_state
from kindlab.load.traffic import traffic
from labs import actions
from labs.session import Session

RULES = REPO_ROOT / "monitoring" / "prometheus" / "rules" / "kindlab-golden-signals.yml"
ALERT = "KindlabHighErrorRatio"
CONTROL = "KindlabDrillControlNeverMatches"
CONTROL_FILE = "alert-drill-control.yml"
RATE = 10.0


def rule(name: str) -> dict:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return next(r for g in groups for r in g["rules"] if r.get("alert") == name)


def control_rules() -> str:
    """The drilled rule with one misspelled metric name: valid PromQL that matches nothing."""
    broken = rule(ALERT) | {"alert": CONTROL}
    broken["expr"] = broken["expr"].replace("flask_http_request_total", "flask_http_requests_total")
    assert broken["expr"] != rule(ALERT)["expr"]
    return yaml.safe_dump({"groups": [{"name": "alert-drill-control", "rules": [broken]}]})


@pytest.fixture
def alertmanager(deployed_app) -> Alertmanager:
    """Through the API server: the drill must not depend on the host port (tested apart)."""
    return Alertmanager.through_api_server(deployed_app.kube)


def test_alertmanager_ui_answers_on_the_host(endpoints):
    """The URL `tox -e up` prints, where a browser (and a browser check) opens the UI."""
    url = endpoints.alertmanager
    assert url, "Alertmanager has no host URL: is k8s/addons/alertmanager applied?"
    try:
        page = requests.get(f"{url}/", timeout=10)
    except requests.ConnectionError:
        page = None
    if page is None:
        pytest.fail(
            f"nothing answers at {url}: a cluster created before k8s/kind/cluster.yaml mapped "
            "port 9093 lacks it; recreate it (tox -e down, then tox -e up)",
            pytrace=False,
        )
    assert page.status_code == 200 and "<title>Alertmanager</title>" in page.text


@pytest.fixture
def control_rule(deployed_app, endpoints, tmp_path):
    """The never-matching copy, loaded into Prometheus for the test (lab 8's rules slot)."""
    session = Session.from_cluster(deployed_app, endpoints, tmp_path)
    actions.set_lab_rules(session, control_rules(), CONTROL_FILE)
    actions.wait_lab_rules(session, CONTROL_FILE, present=True)
    yield CONTROL
    actions.set_lab_rules(session, None)


def _alertmanager_ui_shows(browser, url: str, alert: str) -> None:
    """What a person on call opens: the Alertmanager UI lists the firing alert."""
    page = browser.open(f"{url}/#/alerts", shot="alertmanager-firing")
    browser.text(page, "body", shot="alertmanager-firing", contains=alert, timeout=30)
    browser.screenshot(page, "alertmanager-firing")


def test_error_alert_fires_notifies_and_resolves(
    deployed_app, ingress, prom, alertmanager, control_rule, run_report, browser, endpoints
):
    kube = deployed_app.kube
    drill = AlertDrill(kube, prom, alertmanager, ALERT)
    wait_for(rule_in_state(prom, CONTROL, "inactive"), "the control rule to be evaluated", 60)
    drill.wait_quiet()
    expected = rule(ALERT)
    # Nobody counts these answers (every pod fails them on purpose): no need of the load slot.
    with traffic(ingress, rate=RATE, measured=False):
        try:
            drill.inject()
            firing = drill.wait_notified()
            # The checker, at one instant, on the drilled rule and on the never-matching copy.
            seen = reached_anywhere(prom, alertmanager, kube, ALERT, drill.start_seq)
            never = reached_anywhere(prom, alertmanager, kube, CONTROL, drill.start_seq)
            _alertmanager_ui_shows(browser, endpoints.alertmanager, ALERT)
        finally:
            drill.clear()
        resolved = drill.wait_resolved()

    assert expected["labels"].items() <= firing["labels"].items()
    assert firing["annotations"]["runbook"] == expected["annotations"]["runbook"]
    assert "of kindlab requests fail with 5xx" in firing["annotations"]["summary"]
    assert resolved["labels"] == firing["labels"]
    assert seen == ["Prometheus (firing)", "Alertmanager", "the receiver"], seen
    assert never == [], f"a rule matching no app series fired: seen at {never}"
    run_report.record(
        "alerting",
        alert=ALERT,
        traffic_rate=RATE,
        rule_for=expected["for"],
        **drill.seconds,
    )

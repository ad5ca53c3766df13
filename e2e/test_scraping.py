"""Prometheus scrapes every app pod exactly once and its numbers match the traffic we sent."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import yaml

from kindlab.bringup.health import clear_faults, fault_call, live_app_pods
from kindlab.core import wait
from kindlab.core.paths import REPO_ROOT
from kindlab.core.versions import image_tag, pin
from kindlab.drills import appops, autoscaling
from tests.lint.promql import (
    dashboard_queries,
    edge_queries,
    load_dashboard,
    rule_queries,
    selectors,
)
from tests.lint.rules import rules

JOB = "kindlab-app"
RULES_DIR = REPO_ROOT / "monitoring" / "prometheus" / "rules"
REQUESTS = 200
TOLERANCE = 0.02
PROCESSED = f'sum(kindlab_data_items_processed_total{{job="{JOB}"}})'


def _alert_names(rules_dir: Path) -> set[str]:
    names = set()
    for path in rules_dir.glob("*.yml"):
        for group in yaml.safe_load(path.read_text())["groups"]:
            names |= {rule["alert"] for rule in group["rules"] if "alert" in rule}
    return names


def one_target_per_pod(kube, prom) -> wait.Condition:
    def check() -> tuple[bool, str]:
        pods = {p.metadata.name for p in live_app_pods(kube) if p.status.pod_ip}
        targets = prom.targets(JOB)
        up = [t["labels"].get("pod") for t in targets if t["health"] == "up"]
        done = len(targets) == len(pods) and sorted(up) == sorted(pods)
        return done, f"{len(up)} healthy of {len(targets)} targets for {len(pods)} pods"

    return check


def test_prometheus_is_the_pinned_release_and_its_ui_works(prom):
    # The URL `tox -e up` prints must be usable by a person: the UI, not only the API.
    assert prom.build_version() == image_tag(pin("PROMETHEUS_IMAGE")).lstrip("v")
    assert prom.ui_problems() == []


def test_every_pod_is_one_healthy_target(deployed_app, prom, run_report):
    wait.wait_for(one_target_per_pod(deployed_app.kube, prom), "one target per pod", 120)
    ages = [time.time() - _epoch(t["lastScrape"]) for t in prom.targets(JOB)]
    run_report.record("scraping", targets=len(ages), max_scrape_age_seconds=round(max(ages), 1))


def test_targets_follow_scaling(restore_app, prom, run_report):
    kube = restore_app.kube
    autoscaling.pause(kube)  # replicas set by hand must stay; restore_app brings it back
    appops.scale(kube, 5)
    appops.wait_rolled_out(kube)
    started = time.monotonic()
    wait.wait_for(one_target_per_pod(kube, prom), "5 targets after scale-out", 120)
    run_report.record("scraping", discover_new_pods_seconds=round(time.monotonic() - started, 1))


def test_request_counter_matches_traffic(deployed_app, ingress, prom, run_report):
    wait.wait_for(one_target_per_pod(deployed_app.kube, prom), "one target per pod", 120)
    before = prom.scalar(PROCESSED) or 0.0
    for i in range(REQUESTS):
        assert ingress.post("/data", json={"n": i}).status_code == 201

    def counted() -> tuple[bool, str]:
        value = prom.scalar(PROCESSED) or 0.0
        return abs((value - before) - REQUESTS) <= REQUESTS * TOLERANCE, f"+{value - before:.0f}"

    started = time.monotonic()
    state = wait.wait_for(counted, f"Prometheus to count {REQUESTS} requests", 120)
    run_report.record(
        "scraping",
        counter_delta=state,
        counter_visible_after_seconds=round(time.monotonic() - started, 1),
    )


def test_latency_quantile_is_a_number(deployed_app, ingress, prom):
    for _ in range(50):
        ingress.get("/version")
    expr = (
        "histogram_quantile(0.99, sum by (le) "
        f'(rate(flask_http_request_duration_seconds_bucket{{job="{JOB}"}}[1m])))'
    )

    def numeric() -> tuple[bool, str]:
        value = prom.scalar(expr)
        return value is not None and value == value and value > 0, f"p99={value}"

    wait.wait_for(numeric, "a p99 latency", 120)


def test_alert_rules_are_loaded(prom):
    expected = _alert_names(RULES_DIR)
    assert expected, f"no alert rules found under {RULES_DIR}"
    assert expected <= prom.rule_names()


def _epoch(timestamp: str) -> float:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()


def test_every_edge_query_returns_data(deployed_app, ingress, prom, run_report):
    """The dashboard's and the rules' queries on Traefik's series, on the cluster's Prometheus.

    The lint tier runs them against a Traefik on loopback scraped by a static job; here they
    prove that the cluster's `traefik` job finds the add-on by Kubernetes service discovery and
    that its labels match. A misspelled copy must come back empty, or the check proves nothing.
    """
    for _ in range(50):
        ingress.get("/version")
    # The 5xx selectors need some 5xx at the edge: a moment of forced 500s in every pod.
    try:
        for pod in live_app_pods(deployed_app.kube):
            fault_call(deployed_app.kube, pod.metadata.name, "PUT", {"status_code": 500})
        for _ in range(20):
            ingress.get("/version")
    finally:
        clear_faults(deployed_app.kube)
    queries = edge_queries(dashboard_queries(load_dashboard()) + rule_queries(rules()))
    queries += selectors(queries)
    assert queries

    def answered() -> tuple[bool, str]:
        empty = [q.source for q in queries if not prom.query(q.expr)]
        return not empty, f"no data yet for {empty}"

    wait.wait_for(answered, "every edge query to return data", 120)
    misspelled = queries[0].expr.replace("traefik_service_", "traefik_services_")
    assert misspelled != queries[0].expr and prom.query(misspelled) == []
    run_report.record("scraping", edge_queries=len(queries))

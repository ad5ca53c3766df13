"""Every dashboard and rule expression returns data from a real Prometheus scraping the real app.

A misspelled metric or label name passes promtool (it is valid PromQL) but returns nothing
here. Queries run against monitoring/prometheus/prometheus.yml (the compose config) aimed at a
gunicorn on loopback, plus a job "traefik" scraping the Traefik in front of it (the edge), after
ordinary, failing and fault-injected requests went through that Traefik. The e2e tier runs the
edge queries once more on the cluster's Prometheus (e2e/test_scraping.py), where Traefik is found
by Kubernetes service discovery.
"""

import contextlib
import dataclasses
import json

import pytest
import requests

from kindlab.core.wait import WaitTimeout

from .live import gunicorn, instant_query, prometheus, traefik, wait_until
from .promql import (
    QueryError,
    dashboard_queries,
    edge_queries,
    load_dashboard,
    rule_queries,
    selectors,
)
from .rules import rules


def call(method, url, status, **kwargs):
    response = requests.request(method, url, timeout=5, **kwargs)
    assert response.status_code == status, f"{method} {url}: {response.status_code}"


def send_traffic(url):
    """Successes, client errors and forced 500s, so every panel and alert has its series."""
    for size in (10, 500, 5000) * 4:
        call("POST", f"{url}/data", 201, json={"blob": "x" * size})
    for _ in range(10):
        call("GET", f"{url}/version", 200)
    call("POST", f"{url}/data", 400, data="{oops", headers={"Content-Type": "application/json"})
    call("GET", f"{url}/no-such-page", 404)
    call("PUT", f"{url}/fault", 200, json={"status_code": 500})
    for _ in range(5):
        call("GET", f"{url}/version", 500)
    call("DELETE", f"{url}/fault", 200)


def still_empty(url, queries, timeout: float) -> list[str]:
    """Wait up to `timeout` for every query to return data; the ones that never did, named.

    A timeout is an answer here, not an error: the test then says which queries stayed empty.
    """
    with contextlib.suppress(WaitTimeout):
        wait_until(lambda: not empty(url, queries), "every query to return data", timeout=timeout)
    return empty(url, queries)


def all_queries(dashboard, rule_list):
    queries = dashboard_queries(dashboard) + rule_queries(rule_list)
    return queries + selectors(queries)


def empty(url, queries):
    """The queries that fail or return no series: each names where it came from."""
    found = []
    for query in queries:
        try:
            if not instant_query(url, query.expr):
                found.append(f"{query.source}: no data for {query.expr}")
        except ValueError as err:
            found.append(f"{query.source}: {err}")
    return found


@pytest.fixture(scope="module")
def prom(tmp_path_factory):
    """Prometheus URL, once every repo query has data (or the wait times out, naming them)."""
    workdir = tmp_path_factory.mktemp("live")
    with (
        gunicorn(workdir) as app,
        traefik(workdir, app) as edge,
        prometheus(workdir, app.removeprefix("http://"), edge.metrics_target) as url,
    ):
        wait_until(lambda: len(instant_query(url, "up == 1")) == 2, "a first scrape of both jobs")
        send_traffic(edge.url)
        still_empty(url, all_queries(load_dashboard(), rules()), timeout=45)
        yield url


def test_every_dashboard_and_rule_query_returns_data(prom):
    queries = all_queries(load_dashboard(), rules())
    assert len(queries) > 20
    assert empty(prom, queries) == []


def test_a_query_that_never_has_data_is_named_not_raised(prom):
    """The wait gives up with the names of what stayed empty, so the real test can report them."""
    queries = [*all_queries(load_dashboard(), rules())[:1], *misspelled_edge()[:1]]
    assert still_empty(prom, queries, timeout=2) == empty(prom, queries[1:])


def misspelled_edge():
    edge = edge_queries(dashboard_queries(load_dashboard()) + rule_queries(rules()))
    return [
        dataclasses.replace(q, expr=q.expr.replace("traefik_service_", "traefik_services_"))
        for q in edge
    ]


def test_the_edge_is_queried_by_the_dashboard_and_the_rules(prom):
    """Both read Traefik's series; a misspelled edge metric returns nothing here."""
    edge = edge_queries(dashboard_queries(load_dashboard()) + rule_queries(rules()))
    assert {q.source.split()[0] for q in edge} == {"panel", "alert"}, edge
    assert len(empty(prom, misspelled_edge())) == len(edge)


def test_every_app_series_has_a_pod_label(prom):
    assert instant_query(prom, 'count({job="kindlab-app", pod=""})') == []
    # The same check with a label nobody sets must fail, or it proves nothing.
    assert instant_query(prom, 'count({job="kindlab-app", podname=""})') != []


def test_query_check_rejects_broken_copies(prom):
    text = json.dumps(load_dashboard())
    # A misspelled business metric, and a misspelled label that `or vector(0)` hides from the
    # error-ratio panel query itself: only its selector, checked alone, shows it.
    text = text.replace("kindlab_data_items_processed_total", "kindlab_data_item_processed_total")
    text = text.replace('status=~\\"5..\\"', 'stauts=~\\"5..\\"')
    problems = empty(prom, all_queries(json.loads(text), []))
    assert any(p.startswith("panel 'Data items processed'") for p in problems), problems
    assert not any(p.startswith("panel 'Error ratio") for p in problems), problems
    assert any(p.startswith("selector") and "stauts" in p for p in problems), problems

    # A misspelled metric in an alert, and shapes the checker refuses to guess about.
    alert = rules()[0]
    misspelled = alert | {"expr": alert["expr"].replace("_request_total", "_requests_total")}
    assert empty(prom, rule_queries([misspelled]))
    with pytest.raises(QueryError, match="expected '<signal> <op> <number>'"):
        rule_queries([{"alert": "Odd", "expr": "absent(up)"}])
    unknown_variable = {"title": "t", "targets": [{"refId": "A", "expr": 'up{node=~"$node"}'}]}
    with pytest.raises(QueryError, match=r"no test value for \$node"):
        dashboard_queries({"panels": [unknown_variable]})

"""Prometheus metrics, correct under a multi-worker gunicorn.

Names are a contract with the alerting rules and dashboards: prometheus-flask-exporter's
defaults grouped by endpoint (bounded label cardinality, unlike raw paths), plus business
metrics. /health, /ready and /metrics are excluded from the HTTP metrics: probes and scrapes
arrive every few seconds and would drown the latency histograms of real traffic.

With PROMETHEUS_MULTIPROC_DIR set (gunicorn.conf.py sets it before prometheus_client is
imported), every worker writes its samples to files there and /metrics aggregates them, so a
scrape sees the whole pod whichever worker answers it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_flask_exporter import PrometheusMetrics
from prometheus_flask_exporter.multiprocess import GunicornInternalPrometheusMetrics

from app.settings import Settings

UNTRACKED_PATHS = ["^/health$", "^/ready$", "^/metrics$"]
PAYLOAD_BUCKETS = (64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304)


@dataclass(frozen=True)
class BusinessMetrics:
    items_processed: Counter
    payload_bytes: Histogram
    unhandled_exceptions: Counter
    work_cpu_seconds: Counter


def init_metrics(app: Flask, settings: Settings) -> BusinessMetrics:
    """Expose /metrics on `app` and create the business metrics in the same registry."""
    options = {"group_by": "endpoint", "excluded_paths": UNTRACKED_PATHS}
    if settings.multiproc_dir is not None:
        exporter: PrometheusMetrics = GunicornInternalPrometheusMetrics(app, **options)
    else:
        exporter = PrometheusMetrics(app, registry=CollectorRegistry(), **options)
    registry = exporter.registry
    return BusinessMetrics(
        items_processed=Counter(
            "kindlab_data_items_processed",
            "Payloads accepted by POST /data",
            registry=registry,
        ),
        payload_bytes=Histogram(
            "kindlab_data_payload_bytes",
            "Size in bytes of payloads accepted by POST /data",
            buckets=PAYLOAD_BUCKETS,
            registry=registry,
        ),
        unhandled_exceptions=Counter(
            "kindlab_unhandled_exceptions",
            "Requests that failed with an unexpected exception (answered 500)",
            registry=registry,
        ),
        work_cpu_seconds=Counter(
            "kindlab_work_cpu_seconds",
            "CPU seconds burned on request by GET /work",
            registry=registry,
        ),
    )

"""The alert rules and their promtool unit tests, as data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from kindlab.core.paths import REPO_ROOT

PROMETHEUS_DIR = REPO_ROOT / "monitoring/prometheus"
RULE_FILES = sorted((PROMETHEUS_DIR / "rules").glob("*.yml"))
RULE_TESTS = sorted((PROMETHEUS_DIR / "tests").glob("*.test.yml"))


def rules(paths: list[Path] = RULE_FILES) -> list[dict[str, Any]]:
    """Every rule (alerting and recording) of the given rule files."""
    return [
        rule
        for path in paths
        for group in yaml.safe_load(path.read_text())["groups"]
        for rule in group["rules"]
    ]


def untested_alerts(alerts: list[str], test_docs: list[dict[str, Any]]) -> list[str]:
    """Alerts lacking a promtool case where they fire, or one where they must stay silent."""
    cases = [
        (case["alertname"], bool(case.get("exp_alerts")))
        for doc in test_docs
        for test in doc["tests"]
        for case in test.get("alert_rule_test", [])
    ]
    return [
        f"{alert}: no case where it {'fires' if fires else 'stays silent'}"
        for alert in alerts
        for fires in (True, False)
        if (alert, fires) not in cases
    ]

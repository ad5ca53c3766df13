"""The e2e run's measured figures, written as JSON: tests record numbers, never assert timings."""

from __future__ import annotations

import json
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kindlab.load.traffic import TrafficReport


class RunReport:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.figures: dict[str, Any] = {}

    def record(self, scenario: str, **figures: Any) -> None:
        self.figures.setdefault(scenario, {}).update(figures)

    def record_traffic(self, scenario: str, traffic: TrafficReport, **figures: Any) -> None:
        """The traffic's summary and its second-by-second series (what the HTML report charts)."""
        self.record(
            scenario,
            traffic={"summary": traffic.summary(), "per_second": traffic.per_second()},
            **figures,
        )

    def has_traffic(self) -> bool:
        return any("traffic" in figures for figures in self.figures.values())

    def write(self, context: dict[str, Any]) -> Path:
        document = {
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "host": platform.node(),
            **context,
            "scenarios": self.figures,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(document, indent=2, default=str) + "\n")
        return self.path

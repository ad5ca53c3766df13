"""A bounded background load generator that remembers every request it made.

Rollout, self-healing and scaling checks all ask the same question: while something changed,
did any request fail, and who answered? Each record keeps status, latency, pod and version.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

import requests

from kindlab.ingress import SERVED_BY_HEADER, IngressClient
from kindlab.progress import say

MAX_RATE = 200.0
MAX_DURATION_SECONDS = 900.0


@dataclass(frozen=True)
class Record:
    sent_at: float
    status: int | None
    latency: float
    pod: str | None
    version: str | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class TrafficReport:
    records: list[Record] = field(default_factory=list)

    @property
    def sent(self) -> int:
        return len(self.records)

    @property
    def failed(self) -> list[Record]:
        return [r for r in self.records if not r.ok]

    @property
    def availability(self) -> float:
        return 1.0 if not self.records else 1 - len(self.failed) / len(self.records)

    @property
    def pods(self) -> set[str]:
        return {r.pod for r in self.records if r.ok and r.pod}

    def versions(self) -> Counter[str]:
        return Counter(r.version for r in self.records if r.ok and r.version)

    def rate(self) -> float:
        if len(self.records) < 2:
            return 0.0
        span = self.records[-1].sent_at - self.records[0].sent_at
        return (len(self.records) - 1) / span if span > 0 else 0.0

    def summary(self) -> dict:
        return {
            "sent": self.sent,
            "failed": len(self.failed),
            "availability": round(self.availability, 5),
            "rate_per_second": round(self.rate(), 1),
            "distinct_pods": len(self.pods),
            "versions": dict(self.versions()),
            "failure_samples": [f"{r.status} {r.error}" for r in self.failed[:5]],
        }


class TrafficGenerator:
    """Sends GET `path` at a fixed rate from a small thread pool until stopped."""

    def __init__(
        self, client: IngressClient, rate: float = 25.0, path: str = "/version", workers: int = 8
    ) -> None:
        if not 0 < rate <= MAX_RATE:
            raise ValueError(f"rate must be in (0, {MAX_RATE}] requests/s, got {rate}")
        self.client, self.rate, self.path, self.workers = client, rate, path, workers
        self.report = TrafficReport()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="traffic", daemon=True)
        self._thread.start()

    def stop(self) -> TrafficReport:
        self._stop.set()
        if self._thread:
            self._thread.join()
        self.report.records.sort(key=lambda r: r.sent_at)
        return self.report

    def _run(self) -> None:
        interval = 1.0 / self.rate
        started = time.monotonic()
        next_send = started
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            while not self._stop.is_set():
                if time.monotonic() - started > MAX_DURATION_SECONDS:
                    say(f"traffic stopped itself after {MAX_DURATION_SECONDS:.0f}s (bound)")
                    break
                pool.submit(self._one)
                next_send += interval
                self._stop.wait(max(0.0, next_send - time.monotonic()))

    def _one(self) -> None:
        sent = time.monotonic()
        try:
            response = self.client.get(self.path, timeout=5)
            record = Record(
                sent,
                response.status_code,
                time.monotonic() - sent,
                response.headers.get(SERVED_BY_HEADER),
                response.headers.get("X-App-Version"),
                None if response.ok else response.text[:200],
            )
        except requests.RequestException as exc:
            record = Record(sent, None, time.monotonic() - sent, None, None, type(exc).__name__)
        with self._lock:
            self.report.records.append(record)


@contextmanager
def traffic(
    client: IngressClient, rate: float = 25.0, path: str = "/version"
) -> Iterator[TrafficReport]:
    """`with traffic(client) as report:` load runs for the block; the report fills on exit."""
    generator = TrafficGenerator(client, rate=rate, path=path)
    generator.start()
    try:
        yield generator.report
    finally:
        generator.stop()

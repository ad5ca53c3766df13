"""Bounded constant-rate load through the ingress that remembers every request it made.

Rollout, self-healing and scaling checks all ask the same question: while something changed,
did any request fail, how slow were they, and who answered? vegeta sends the load (see
kindlab.load.vegeta for why); each record keeps status, latency, pod and version, and an optional
observer samples the cluster (ready replicas) once a second beside it.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field

from kindlab.clients.ingress import SERVED_BY_HEADER, IngressClient
from kindlab.core.output import say
from kindlab.host.loadslot import load_slot
from kindlab.load.vegeta import Attack, Hit, Target

MAX_RATE = 300.0
MAX_DURATION_SECONDS = 900.0
OBSERVE_INTERVAL_SECONDS = 1.0
VERSION_HEADER = "X-App-Version"


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
        return _is_ok(self.status)

    @classmethod
    def from_hit(cls, hit: Hit) -> Record:
        return cls(
            sent_at=hit.sent_at,
            status=hit.status,
            latency=hit.latency,
            pod=hit.headers.get(SERVED_BY_HEADER),
            version=hit.headers.get(VERSION_HEADER),
            error=None if _is_ok(hit.status) else (hit.error or hit.body[:200]),
        )


def _is_ok(status: int | None) -> bool:
    return status is not None and 200 <= status < 300


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile: a value that was really observed, never an interpolation."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


@dataclass
class TrafficReport:
    records: list[Record] = field(default_factory=list)
    # (Unix time, value) pairs from the observer, e.g. ready replicas.
    observed: list[tuple[float, int]] = field(default_factory=list)
    target: str = ""
    rate_asked: float = 0.0

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

    @property
    def started_at(self) -> float:
        return self.records[0].sent_at if self.records else 0.0

    def versions(self) -> Counter[str]:
        return Counter(r.version for r in self.records if r.ok and r.version)

    def rate(self) -> float:
        if len(self.records) < 2:
            return 0.0
        span = self.records[-1].sent_at - self.records[0].sent_at
        return (len(self.records) - 1) / span if span > 0 else 0.0

    def latency_ms(self) -> dict[str, float]:
        """p50/p95/p99/max over every request, failed ones included: a timeout is slow too."""
        latencies = [r.latency * 1000 for r in self.records]
        quantiles = {"p50": 0.50, "p95": 0.95, "p99": 0.99}
        summary = {name: round(percentile(latencies, q), 2) for name, q in quantiles.items()}
        summary["max"] = round(max(latencies, default=0.0), 2)
        return summary

    def serving_window(self, first: str, second: str) -> dict[str, float] | None:
        """When both releases answered: from `second`'s first answer to `first`'s last one."""
        first_times = [r.sent_at for r in self.records if r.ok and r.version == first]
        second_times = [r.sent_at for r in self.records if r.ok and r.version == second]
        if not first_times or not second_times:
            return None
        start, end = min(second_times), max(first_times)
        return {
            "from_seconds": round(start - self.started_at, 2),
            "to_seconds": round(end - self.started_at, 2),
            "both_serving_seconds": round(max(0.0, end - start), 2),
        }

    def per_second(self) -> list[dict]:
        """The run second by second, as the HTML report charts it."""
        seconds: dict[int, list[Record]] = defaultdict(list)
        for record in self.records:
            seconds[int(record.sent_at - self.started_at)].append(record)
        observed = {int(t - self.started_at): value for t, value in self.observed}
        rows = []
        for second in range(max(seconds, default=-1) + 1):
            batch = seconds.get(second, [])
            rows.append(
                {
                    "second": second,
                    "sent": len(batch),
                    "failed": sum(not r.ok for r in batch),
                    "by_version": dict(Counter(r.version for r in batch if r.ok and r.version)),
                    "by_pod": dict(Counter(r.pod for r in batch if r.ok and r.pod)),
                    "p99_ms": round(percentile([r.latency * 1000 for r in batch], 0.99), 2),
                    "observed": observed.get(second),
                }
            )
        return rows

    def summary(self) -> dict:
        return {
            "target": self.target,
            "rate_asked": self.rate_asked,
            "sent": self.sent,
            "failed": len(self.failed),
            "availability": round(self.availability, 5),
            "rate_per_second": round(self.rate(), 1),
            "latency_ms": self.latency_ms(),
            "distinct_pods": len(self.pods),
            "versions": dict(self.versions()),
            "failure_samples": [f"{r.status} {r.error}" for r in self.failed[:5]],
            "failures_window": self.failures_window(),
        }

    def failures_window(self) -> dict | None:
        """When requests failed, and the fewest ready pods the observer saw from a second
        before until a second after: the one line that tells a lost route from slow pods."""
        failed = self.failed
        if not failed:
            return None
        first, last = failed[0].sent_at, failed[-1].sent_at
        margin = OBSERVE_INTERVAL_SECONDS
        ready = [v for t, v in self.observed if first - margin <= t <= last + margin]
        return {
            "from_seconds": round(first - self.started_at, 2),
            "to_seconds": round(last - self.started_at, 2),
            "fewest_ready": min(ready, default=None),
        }


class TrafficGenerator:
    """`method path` at a fixed rate through the ingress until stopped (bounded in both)."""

    def __init__(
        self,
        client: IngressClient,
        rate: float = 25.0,
        path: str = "/version",
        *,
        method: str = "GET",
        body: bytes = b"",
        observe: Callable[[], int] | None = None,
    ) -> None:
        if not 0 < rate <= MAX_RATE:
            raise ValueError(f"rate must be in (0, {MAX_RATE:g}] requests/s, got {rate}")
        target = Target(client.base_url + path, client.host, method, body, _json_body(body))
        self.attack = Attack(target, rate, MAX_DURATION_SECONDS)
        self.report = TrafficReport(target=f"{method} {path}", rate_asked=rate)
        self._observe = observe
        self._stop = threading.Event()
        self._observer: threading.Thread | None = None

    def start(self) -> None:
        say(
            f"traffic: {self.report.target} at {self.report.rate_asked:g} req/s through the ingress"
        )
        self.attack.start()
        if self._observe:
            self._observer = threading.Thread(target=self._sample, name="observe", daemon=True)
            self._observer.start()

    def stop(self) -> TrafficReport:
        self._stop.set()
        if self._observer:
            self._observer.join()
        hits = self.attack.stop()
        self.report.records[:] = sorted((Record.from_hit(h) for h in hits), key=_sent_at)
        summary = self.report.summary()
        say(f"traffic: {summary['sent']} sent, {summary['failed']} failed, {summary['latency_ms']}")
        return self.report

    def _sample(self) -> None:
        while not self._stop.wait(OBSERVE_INTERVAL_SECONDS):
            try:
                self.report.observed.append((time.time(), self._observe()))
            except Exception as exc:
                say(f"traffic: sampling the cluster failed once ({type(exc).__name__})")


def _json_body(body: bytes) -> dict[str, str]:
    return {"Content-Type": "application/json"} if body else {}


def _sent_at(record: Record) -> float:
    return record.sent_at


@contextmanager
def traffic(
    client: IngressClient,
    rate: float = 25.0,
    path: str = "/version",
    observe: Callable[[], int] | None = None,
    measured: bool = True,
    **request: bytes | str,
) -> Iterator[TrafficReport]:
    """`with traffic(client) as report:` load runs for the block; the report fills on exit.

    Traffic whose failures or latency a test judges holds the machine's load slot, so no other
    load skews them. `measured=False` is for a light background nobody counts (an alert drill's
    few requests a second, as lab 8's): waiting for the slot would only delay it, by minutes."""
    generator = TrafficGenerator(client, rate=rate, path=path, observe=observe, **request)
    slot = load_slot(f"traffic {generator.report.target}") if measured else nullcontext()
    with slot:
        generator.start()
        try:
            yield generator.report
        finally:
            generator.stop()

"""Each job's outcome and duration, read from gitlab-ci-local's output as it arrives.

gitlab-ci-local keeps no machine-readable record of a run: its state directory holds each job's
log and artifacts, but whether a job passed and how long it took are only in what it prints
(with --timestamps --no-color):

    [04:31:35    0 ms] lint   starting docker.io/library/python:3.11.14-slim-bookworm (lint)
    [04:33:02 1.45 min] lint   finished in 1.45 min
     PASS  [1.45 min] lint

Its durations are rounded for people ("1.45 min"), so the lines are timed here, on arrival:
a job's seconds run from its "starting" line to its "finished in" line. Its status is the
closing summary's (PASS, WARN for an allowed failure, FAIL). A job name is one word, as every
job of .gitlab-ci.yml is.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

PREFIX = r"^(?:\[[^\]]*\]\s+)?(?P<job>\S+)\s+"
STARTED = re.compile(PREFIX + r"starting\s")
FINISHED = re.compile(PREFIX + r"finished in\s")
SUMMARY = re.compile(
    r"^\s*(?P<verdict>PASS|WARN|FAIL)\s+(?:\[[^\]]*\]\s+)?(?P<job>\S+)(?P<rest>.*)$"
)
STATUS = {"PASS": "success", "WARN": "warning", "FAIL": "failed"}
# A job that started but has no line in the summary (gitlab-ci-local stopped before it).
UNKNOWN = "unknown"


@dataclass(frozen=True)
class JobResult:
    name: str
    status: str
    seconds: float | None

    @property
    def passed(self) -> bool:
        return self.status == "success"


def job_results(timed_lines: Iterable[tuple[float, str]]) -> list[JobResult]:
    """Every job that started, in the order it started, from (arrival time, line) pairs."""
    started: dict[str, float] = {}
    finished: dict[str, float] = {}
    status: dict[str, str] = {}
    for at, line in timed_lines:
        if match := STARTED.match(line):
            started.setdefault(match["job"], at)
        elif match := FINISHED.match(line):
            finished.setdefault(match["job"], at)
        elif (match := SUMMARY.match(line)) and "after_script" not in match["rest"]:
            status[match["job"]] = STATUS[match["verdict"]]
    return [
        JobResult(
            name,
            status.get(name, UNKNOWN),
            round(finished[name] - begun, 1) if name in finished else None,
        )
        for name, begun in started.items()
    ]


class JobClock:
    """A line sink (kindlab.progress.run's on_line) that remembers when each line came."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.lines: list[tuple[float, str]] = []

    def __call__(self, line: str) -> None:
        self.lines.append((self._clock(), line))

    def results(self) -> list[JobResult]:
        return job_results(self.lines)

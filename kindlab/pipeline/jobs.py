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
from collections.abc import Callable, Iterable, Mapping, Sequence
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
    """`seconds`: how long the job ran; `started`: when, in seconds after the first job started
    (jobs of a `needs` graph overlap, so the pipeline's wall time is not their sum)."""

    name: str
    status: str
    seconds: float | None
    started: float | None = None

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
    first = min(started.values(), default=0.0)
    return [
        JobResult(
            name,
            status.get(name, UNKNOWN),
            round(finished[name] - begun, 1) if name in finished else None,
            round(begun - first, 1),
        )
        for name, begun in started.items()
    ]


class JobClock:
    """A line sink (kindlab.core.process.run's on_line) that remembers when each line came."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.lines: list[tuple[float, str]] = []

    def __call__(self, line: str) -> None:
        self.lines.append((self._clock(), line))

    def results(self) -> list[JobResult]:
        return job_results(self.lines)


def independent_groups(listing: Mapping[str, Mapping], stages: Sequence[str]) -> list[list[str]]:
    """The jobs a pipeline runs, in groups that wait on nothing outside themselves.

    Why: gitlab-ci-local starts jobs in waves, each wave when every job of the previous one has
    finished, so the e2e job (`needs: [build]`) waited for lint as well (4-6 min). GitLab starts a
    job when what it waits for is done: a job with `needs` waits for those, one without for
    every job of the earlier stages. Run as one gitlab-ci-local each, the groups keep GitLab's
    order within and lose none across. Empty when some job runs other than `on_success` (a
    manual job named on the command line would run): then the pipeline runs as one.
    """
    active = [name for name, job in listing.items() if job.get("when") != "never"]
    if any(listing[name].get("when") != "on_success" for name in active):
        return []
    rank = {stage: index for index, stage in enumerate(stages)}
    parent = {name: name for name in active}

    def root(name: str) -> str:
        while parent[name] != name:
            name = parent[name]
        return name

    for name in active:
        job = listing[name]
        if "needs" in job:
            waits = [n["job"] if isinstance(n, Mapping) else n for n in job["needs"]]
        else:
            waits = [o for o in active if rank[listing[o]["stage"]] < rank[job["stage"]]]
        for other in waits:
            if other in parent:
                parent[root(name)] = root(other)
    groups: dict[str, list[str]] = {}
    for name in active:
        groups.setdefault(root(name), []).append(name)
    return list(groups.values())

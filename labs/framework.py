"""A lab, and its checker as a list of named steps run in order.

The first failing step stops the check: later steps usually depend on it (no point timing a
rollout whose pods are never Ready), and one clear next action teaches better than ten red
lines. Every step names the section of hints.md that helps with it.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from labs.session import LABS_DIR, Session


class Status(Enum):
    PASS = "pass"
    FAIL = "fail"
    NOT_RUN = "not run"


@dataclass(frozen=True)
class Verdict:
    """What one step found: `detail` says it in plain words either way."""

    ok: bool
    detail: str = ""


def passed(detail: str = "") -> Verdict:
    return Verdict(True, detail)


def failed(detail: str) -> Verdict:
    return Verdict(False, detail)


class StepFailed(Exception):
    """Raised inside a check to fail the step with a message (handy deep in helpers)."""


@dataclass
class CheckContext:
    """Handed to every step of one check run: the session, scratch space shared between the
    steps of this run, and cleanups that run when the check ends however it ends."""

    session: Session
    memo: dict[str, Any] = field(default_factory=dict)
    _cleanups: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    def defer(self, callback: Callable[[], object]) -> None:
        self._cleanups.callback(callback)

    def close(self) -> None:
        self._cleanups.close()


Check = Callable[[CheckContext], Verdict]


@dataclass(frozen=True)
class Step:
    name: str
    check: Check
    # The section of the lab's hints.md that helps with this step (labs/hints.py).
    hint: str


@dataclass(frozen=True)
class Lab:
    number: int
    slug: str
    title: str
    steps: tuple[Step, ...]
    start: Callable[[Session], None]
    solve: Callable[[Session], None]
    # Lab 1 runs on Docker alone, lab 10 on files alone; the others act on the cluster.
    needs_cluster: bool = True
    needs_docker: bool = True
    # Writes the learner's start files into a folder, for a lab whose start files are made
    # from the repository as it is now (lab 10 breaks a copy of .gitlab-ci.yml); by default
    # the workspace gets a copy of the lab's start/ folder.
    start_files: Callable[[Path], None] | None = None
    # Writes the reference versions of the learner's files into a folder (lab 10: the project's
    # own pipeline); by default the files of solution/ that the learner edits (not its README).
    reference_files: Callable[[Path], None] | None = None

    @property
    def folder(self) -> Path:
        return LABS_DIR / self.slug

    @property
    def has_start_files(self) -> bool:
        return self.start_files is not None or (self.folder / "start").is_dir()

    # For `labctl list` and labs/README.md: what the lab teaches, how hard it is, how long its
    # check takes when the work is right (measured on the labs tier), and what it needs
    # besides the cluster.
    teaches: str = ""
    difficulty: str = "core"
    check_duration: str = ""
    needs: tuple[str, ...] = ()
    # Its start leaves traffic running in the background (lab 11): a load no single check owns,
    # so the self-test holds the machine's load slot (kindlab.host.loadslot) for the whole lab.
    steady_traffic: bool = False


@dataclass(frozen=True)
class StepResult:
    step: Step
    status: Status
    detail: str = ""
    seconds: float = 0.0


@dataclass
class CheckReport:
    lab: Lab
    results: list[StepResult]

    @property
    def passed(self) -> bool:
        return all(r.status is Status.PASS for r in self.results)

    @property
    def first_failure(self) -> StepResult | None:
        return next((r for r in self.results if r.status is Status.FAIL), None)

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status is status)


def run_check(lab: Lab, session: Session, on_result: Callable[[StepResult], None]) -> CheckReport:
    """Run the steps in order; the first failure stops the run, the rest are reported not run.

    A step that raises fails with the exception's message: the learner sees which step could
    not be checked and why, never a traceback.
    """
    context = CheckContext(session)
    results: list[StepResult] = []
    stopped = False
    try:
        for step in lab.steps:
            if stopped:
                result = StepResult(step, Status.NOT_RUN)
            else:
                result = _run_step(step, context)
                stopped = result.status is Status.FAIL
            results.append(result)
            on_result(result)
    finally:
        context.close()
    return CheckReport(lab, results)


def _run_step(step: Step, context: CheckContext) -> StepResult:
    started = time.monotonic()
    try:
        verdict = step.check(context)
    except StepFailed as exc:
        verdict = failed(str(exc))
    except Exception as exc:
        verdict = failed(f"could not be checked: {type(exc).__name__}: {_first_line(exc)}")
    status = Status.PASS if verdict.ok else Status.FAIL
    return StepResult(step, status, verdict.detail, time.monotonic() - started)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip() or repr(exc)
    return text.splitlines()[0][:300]

"""labctl: start, check, hint, solve and reset the guided labs (also `python -m labs`).

Exit codes: 0 done (for `check`: every step passes), 1 a check step fails, 2 bad usage (such as
an unknown lab number), 3 the lab cluster or Docker is not there, 4 a confirmation was declined,
5 starting, solving or resetting a lab could not finish.
"""

from __future__ import annotations

import argparse
import itertools
import shlex
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TextIO

from kubernetes.client.exceptions import ApiException

from kindlab.cluster.identity import BadClusterName, kubeconfig_path
from kindlab.core.errors import KindlabError
from kindlab.core.paths import REPO_ROOT
from kindlab.host.docker_engine import engine_running
from labs import actions, backup, catalog, hints
from labs.framework import CheckReport, Lab, Status, StepResult, run_check
from labs.session import NoCluster, Session
from labs.state import Progress
from labs.term import Painter

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_USAGE = 2
EXIT_NO_ENVIRONMENT = 3
EXIT_DECLINED = 4
EXIT_NOT_FINISHED = 5
WATCH_SECONDS = 5.0
CLEAR_SCREEN = "\033[H\033[2J\033[3J"


class Declined(Exception):
    """The learner answered no (or could not be asked) to a confirmation."""


class NoDocker(RuntimeError):
    """Docker does not answer; labctl never starts an engine itself."""


class Console:
    """Where labctl writes: results on stdout, questions on stderr, colour only on a TTY."""

    def __init__(self, out: TextIO, err: TextIO, stdin: TextIO) -> None:
        self.out, self.err, self.stdin = out, err, stdin
        self.paint = Painter(out)

    def print(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def confirm(self, question: str, assume_yes: bool) -> None:
        if assume_yes:
            return
        if not (getattr(self.stdin, "isatty", None) and self.stdin.isatty()):
            raise Declined(f"{question} Not asked: no terminal to answer on; pass --yes.")
        print(f"{question} [y/N] ", end="", file=self.err, flush=True)
        answer = self.stdin.readline().strip().lower()
        if answer not in {"y", "yes"}:
            raise Declined("nothing changed")


# --- commands ------------------------------------------------------------------------------


def cmd_list(args: argparse.Namespace, console: Console) -> int:
    """Each lab with what it teaches, how hard it is, how long its check takes when the work is
    right, what it needs, and the learner's progress: enough to plan a session."""
    progress = Progress()
    paint = console.paint
    for number, lab in catalog.all_labs().items():
        summary = progress.summary(number)
        colour = (
            "green"
            if summary.startswith("passed")
            else "dim"
            if summary == "not started"
            else "yellow"
        )
        facts = [lab.difficulty]
        if lab.check_duration:
            facts.append(f"check {lab.check_duration}")
        console.print(f"{number:>2}  {paint(lab.title, 'bold')} ({', '.join(facts)})")
        console.print(f"    teaches:  {lab.teaches.replace('`', '')}")
        console.print(f"    needs:    {'; '.join(lab.needs) or 'nothing more'}")
        console.print(f"    progress: {paint(summary, colour)}")
    console.print()
    console.print(f"Progress file: {progress.path}. Start with: labctl start 1")
    return EXIT_OK


def cmd_start(args: argparse.Namespace, console: Console) -> int:
    lab = catalog.get(args.lab)
    session = _session(args, lab)
    if actions.workspace_changed(session, lab):
        console.confirm(
            f"{session.workspace(lab.slug)} holds your edits; starting over replaces them "
            f"(after a copy to {_relative(backup.backup_root(session, lab))}/).",
            args.yes,
        )
    _back_up(session, lab, console)
    lab.start(session)
    Progress().started(lab.number)
    console.print(console.paint(f"Lab {lab.number} started: {lab.title}", "bold"))
    console.print(f"  Instructions: {_relative(lab.folder / 'README.md')}")
    if lab.has_start_files:
        console.print(f"  Your files:   {_relative(session.workspace(lab.slug))}")
    console.print(f"  Check your work with: labctl check {lab.number}")
    return EXIT_OK


def cmd_reset(args: argparse.Namespace, console: Console) -> int:
    lab = catalog.get(args.lab)
    session = _session(args, lab)
    console.confirm(
        f"Reset lab {lab.number}: the cluster and {session.workspace(lab.slug)} go back to the "
        f"start state (your files are copied to {_relative(backup.backup_root(session, lab))}/ "
        "first).",
        args.yes or not actions.workspace_changed(session, lab),
    )
    _back_up(session, lab, console)
    lab.start(session)
    Progress().started(lab.number)
    console.print(f"Lab {lab.number} is back at its start state. Check: labctl check {lab.number}")
    return EXIT_OK


def cmd_check(args: argparse.Namespace, console: Console) -> int:
    lab = catalog.get(args.lab)
    session = _session(args, lab)
    if args.watch:
        return watch(lab, session, console, args.every)
    return EXIT_OK if check_once(lab, session, console).passed else EXIT_CHECK_FAILED


def check_once(lab: Lab, session: Session, console: Console, title: str = "") -> CheckReport:
    """One run of the lab's steps, shown as they finish, kept in the progress file."""
    paint = console.paint
    console.print(paint(title or f"Checking lab {lab.number}: {lab.title}", "bold"))
    report = run_check(lab, session, lambda result: _show_ran(result, lab, console))
    failure = report.first_failure
    Progress().checked(lab.number, report.passed, failure.step.name if failure else None)
    console.print()
    console.print(_verdict(report, paint))
    return report


def watch(
    lab: Lab,
    session: Session,
    console: Console,
    every: float,
    sleep: Callable[[float], None] | None = None,
) -> int:
    """Check again every `every` seconds while the learner works, each round redrawn (on a
    terminal the screen is cleared first), until every step passes; Ctrl-C stops it."""
    for round_number in itertools.count(1):
        if console.paint.enabled:
            console.out.write(CLEAR_SCREEN)
        at = datetime.now().strftime("%H:%M:%S")
        title = (
            f"Watching lab {lab.number}: {lab.title} (check {round_number} at {at}; "
            f"again {every:g} s after each, Ctrl-C stops)"
        )
        if check_once(lab, session, console, title).passed:
            return EXIT_OK
        console.print()
        (sleep or time.sleep)(every)
    raise AssertionError("unreachable")


def cmd_hint(args: argparse.Namespace, console: Console) -> int:
    """The next hint level for the step that failed at the last check (the first step when
    there was no check yet): where to look, then the concept, then the answer."""
    lab = catalog.get(args.lab)
    sections = hints.of(lab)
    progress = Progress()
    entry = progress.entry(lab.number)
    step = hints.step_named(lab, entry.get("failed_step"))
    if step is None:
        step = lab.steps[0]
        if entry.get("last_check_passed"):
            console.print(f"Your last check of lab {lab.number} passed: no step fails.")
            return EXIT_OK
        console.print(
            f"No failing step on record (run labctl check {lab.number}): help with the first step."
        )
    levels = sections[step.hint]
    seen = progress.hints_seen(lab.number).get(step.hint, 0)
    level = args.level or min(seen + 1, len(levels))
    progress.hint_seen(lab.number, step.hint, level)
    title = f"Lab {lab.number}, hint {level} of {len(levels)} ({hints.LEVELS[level - 1]})"
    console.print(console.paint(title, "bold") + f' for "{step.name}"')
    console.print(levels[level - 1])
    console.print()
    if level < len(levels):
        console.print(
            f"More help: labctl hint {lab.number} (shows {hints.LEVELS[level]} for this step)"
        )
    else:
        console.print(
            f"That was the last hint for this step. The reference: labctl solve {lab.number}"
        )
    return EXIT_OK


def cmd_solve(args: argparse.Namespace, console: Console) -> int:
    lab = catalog.get(args.lab)
    session = _session(args, lab)
    console.confirm(
        f"Apply the reference solution of lab {lab.number}? Your files in "
        f"{_relative(session.workspace(lab.slug))} are copied to "
        f"{_relative(backup.backup_root(session, lab))}/, then replaced by the reference.",
        args.yes,
    )
    _back_up(session, lab, console)
    lab.solve(session)
    Progress().solved(lab.number)
    reference = _relative(lab.folder / "solution")
    console.print(f"Reference solution of lab {lab.number} applied (see {reference}).")
    console.print(f"See it pass: labctl check {lab.number}")
    return EXIT_OK


def cmd_diff(args: argparse.Namespace, console: Console) -> int:
    """The learner's files against the start state and the reference solution (no cluster)."""
    lab = catalog.get(args.lab)
    session = Session(cluster_name=args.cluster) if args.cluster else Session()
    console.print(backup.diff(session, lab).rstrip("\n"))
    return EXIT_OK


def cmd_env(args: argparse.Namespace, console: Console) -> int:
    """Shell lines that point kubectl at the lab cluster: `eval "$(labctl env)"`."""
    session = Session(cluster_name=args.cluster) if args.cluster else Session()
    _require_docker()
    kubeconfig = kubeconfig_path(session.cluster_name)
    for line in env_lines(kubeconfig, session.platform.kubectl, session.platform.kind):
        console.print(line)
    return EXIT_OK


def env_lines(kubeconfig: Path, kubectl: Path, kind: Path) -> list[str]:
    """Quoted for the shell that evals them: a checkout path may hold spaces or quotes. An
    alias's value is parsed again each time it is used, so it is quoted twice."""
    lines = [f"export KUBECONFIG={shlex.quote(str(kubeconfig))}"]
    for alias, tool in (("kubectl", kubectl), ("kind", kind)):
        lines.append(f"alias {alias}={shlex.quote(shlex.quote(str(tool)))}")
    return lines


# --- plumbing ------------------------------------------------------------------------------


def _session(args: argparse.Namespace, lab: Lab) -> Session:
    session = Session(cluster_name=args.cluster) if args.cluster else Session()
    if lab.needs_docker:
        _require_docker()
    if lab.needs_cluster:
        session.cluster  # noqa: B018  (fails early, with the command to run, when there is none)
    return session


def _back_up(session: Session, lab: Lab, console: Console) -> None:
    """Before anything replaces the learner's files: a copy, and where it is."""
    saved = backup.back_up(session, lab)
    if saved is not None:
        console.print(f"Your files were copied to {_relative(saved)}")


def _require_docker() -> None:
    if not engine_running():
        raise NoDocker(
            "Docker does not answer. Start it (Docker Desktop, or `sudo systemctl start docker`) "
            "and try again; see Troubleshooting in README.md."
        )


def _relative(path: Path) -> str:
    """Paths inside the repository as the learner types them (from its root)."""
    return str(path).removeprefix(str(REPO_ROOT) + "/")


def _show_ran(result: StepResult, lab: Lab, console: Console) -> None:
    """Only the steps that ran: the names of later steps would tell the answer before the
    learner has found the problem."""
    if result.status is not Status.NOT_RUN:
        console.print(_line(result, lab, console.paint))


def _line(result: StepResult, lab: Lab, paint: Callable[..., str]) -> str:
    if result.status is Status.PASS:
        lines = [f"  {paint('PASS', 'green', 'bold')}  {result.step.name}"]
        if result.detail:
            lines.append(f"        {paint(result.detail, 'dim')}")
        return "\n".join(lines)
    hint = f"help, one level at a time: labctl hint {lab.number}"
    return "\n".join(
        [
            f"  {paint('FAIL', 'red', 'bold')}  {result.step.name}",
            f"        {result.detail}",
            f"        {paint(hint, 'yellow')}",
        ]
    )


def _verdict(report: CheckReport, paint: Callable[..., str]) -> str:
    total = len(report.results)
    good = report.count(Status.PASS)
    if report.passed:
        return paint(f"Lab {report.lab.number} passed: all {total} steps pass.", "green", "bold")
    failure = report.first_failure
    assert failure is not None
    later = report.count(Status.NOT_RUN)
    after = f", {later} more after it" if later else ""
    return "\n".join(
        [
            paint(f"{good} of {total} steps pass.", "red"),
            f'next: find why "{failure.step.name}" fails{after} '
            f"(labctl hint {report.lab.number}), then labctl check {report.lab.number} again.",
        ]
    )


def _lab_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"lab number must be a number, got {text!r}") from None


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="labctl",
        description="Guided labs on the kindlab cluster, checked automatically.",
        epilog=__doc__.split("\n\n", 1)[1],
    )
    top.add_argument(
        "--cluster",
        help="kind cluster name (default: $KINDLAB_CLUSTER_NAME or kindlab, as `tox -e up`)",
    )
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("list", help="every lab with your progress")
    for name, text in (
        ("start", "apply the lab's start state and copy its files to your workspace"),
        ("check", "check your work, step by step"),
        ("hint", "the next hint (or --level N)"),
        ("solve", "apply the reference solution (asks first)"),
        ("reset", "back to the start state (asks first if you edited files)"),
        ("diff", "your files against the start state and the reference solution"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("lab", type=_lab_number, help="lab number, as `labctl list` shows")
        if name in {"start", "solve", "reset"}:
            command.add_argument("-y", "--yes", action="store_true", help="do not ask")
        if name == "check":
            command.add_argument(
                "--watch",
                action="store_true",
                help="check again every few seconds until every step passes (Ctrl-C stops)",
            )
            command.add_argument(
                "--every", type=float, default=WATCH_SECONDS, help="seconds between checks"
            )
        if name == "hint":
            command.add_argument(
                "--level",
                type=int,
                choices=(1, 2, 3),
                help="which level: 1 where to look, 2 the concept, 3 the answer",
            )
    commands.add_parser("env", help='shell lines for kubectl on the lab: eval "$(labctl env)"')
    return top


COMMANDS = {
    "list": cmd_list,
    "start": cmd_start,
    "check": cmd_check,
    "hint": cmd_hint,
    "solve": cmd_solve,
    "reset": cmd_reset,
    "diff": cmd_diff,
    "env": cmd_env,
}


def main(
    argv: list[str] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    console = Console(out or sys.stdout, err or sys.stderr, stdin or sys.stdin)
    args = parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args, console)
    except (catalog.UnknownLab, BadClusterName) as exc:
        print(f"labctl: {exc}", file=console.err)
        return EXIT_USAGE
    except (NoCluster, NoDocker) as exc:
        print(f"labctl: {exc}", file=console.err)
        return EXIT_NO_ENVIRONMENT
    except Declined as exc:
        print(f"labctl: {exc}", file=console.err)
        return EXIT_DECLINED
    except (KindlabError, ApiException) as exc:
        print(f"labctl: {args.command} did not finish: {exc}", file=console.err)
        return EXIT_NOT_FINISHED
    except KeyboardInterrupt:
        print("labctl: interrupted", file=console.err)
        return 130

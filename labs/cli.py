"""labctl: start, check, hint, solve and reset the guided labs (also `python -m labs`).

Exit codes: 0 done (for `check`: every step passes), 1 a check step fails, 2 bad usage (such as
an unknown lab number), 3 the lab cluster or Docker is not there, 4 a confirmation was declined,
5 starting, solving or resetting a lab could not finish.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from kubernetes.client.exceptions import ApiException

from kindlab.cluster.lifecycle import kubeconfig_path
from kindlab.docker_engine import engine_running
from kindlab.errors import KindlabError
from kindlab.versions import REPO_ROOT
from labs import actions, catalog
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
    progress = Progress()
    paint = console.paint
    console.print(paint(f"{'#':>2}  {'lab':<44} progress", "bold"))
    for number, lab in catalog.all_labs().items():
        summary = progress.summary(number)
        colour = (
            "green"
            if summary.startswith("passed")
            else "dim"
            if summary == "not started"
            else "yellow"
        )
        console.print(f"{number:>2}  {lab.title:<44} {paint(summary, colour)}")
    console.print()
    console.print(f"Progress file: {progress.path}. Start with: labctl start 1")
    return EXIT_OK


def cmd_start(args: argparse.Namespace, console: Console) -> int:
    lab = catalog.get(args.lab)
    session = _session(args, lab)
    if actions.workspace_changed(session, lab):
        console.confirm(
            f"{session.workspace(lab.slug)} holds your edits; starting over replaces them.",
            args.yes,
        )
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
        "start state.",
        args.yes or not actions.workspace_changed(session, lab),
    )
    lab.start(session)
    Progress().started(lab.number)
    console.print(f"Lab {lab.number} is back at its start state. Check: labctl check {lab.number}")
    return EXIT_OK


def cmd_check(args: argparse.Namespace, console: Console) -> int:
    lab = catalog.get(args.lab)
    session = _session(args, lab)
    paint = console.paint
    console.print(paint(f"Checking lab {lab.number}: {lab.title}", "bold"))
    report = run_check(lab, session, lambda result: console.print(_line(result, lab, paint)))
    failure = report.first_failure
    Progress().checked(lab.number, report.passed, failure.step.name if failure else None)
    console.print()
    console.print(_verdict(report, paint))
    return EXIT_OK if report.passed else EXIT_CHECK_FAILED


def cmd_hint(args: argparse.Namespace, console: Console) -> int:
    lab = catalog.get(args.lab)
    hints = lab.hints()
    progress = Progress()
    level = args.level or min(int(progress.entry(lab.number).get("hints_seen", 0)) + 1, len(hints))
    if level not in hints:
        print(f"labctl: lab {lab.number} has hints 1 to {len(hints)}", file=console.err)
        return EXIT_USAGE
    progress.hint_seen(lab.number, level)
    console.print(console.paint(f"Lab {lab.number}, hint {level} of {len(hints)}", "bold"))
    console.print(hints[level])
    console.print()
    if level < len(hints):
        console.print(f"More help: labctl hint {lab.number} (shows hint {level + 1})")
    else:
        console.print(f"That was the last hint. The reference: labctl solve {lab.number}")
    return EXIT_OK


def cmd_solve(args: argparse.Namespace, console: Console) -> int:
    lab = catalog.get(args.lab)
    session = _session(args, lab)
    console.confirm(
        f"Apply the reference solution of lab {lab.number} to your cluster? Your files in "
        f"{session.workspace(lab.slug)} stay as they are.",
        args.yes,
    )
    lab.solve(session)
    Progress().solved(lab.number)
    reference = _relative(lab.folder / "solution")
    console.print(f"Reference solution of lab {lab.number} applied (see {reference}).")
    console.print(f"See it pass: labctl check {lab.number}")
    return EXIT_OK


def cmd_env(args: argparse.Namespace, console: Console) -> int:
    """Shell lines that point kubectl at the lab cluster: `eval "$(labctl env)"`."""
    session = Session(cluster_name=args.cluster) if args.cluster else Session()
    _require_docker()
    console.print(f"export KUBECONFIG={kubeconfig_path(session.cluster_name)}")
    console.print(f"alias kubectl={session.platform.kubectl}")
    console.print(f"alias kind={session.platform.kind}")
    return EXIT_OK


# --- plumbing ------------------------------------------------------------------------------


def _session(args: argparse.Namespace, lab: Lab) -> Session:
    session = Session(cluster_name=args.cluster) if args.cluster else Session()
    if lab.needs_docker:
        _require_docker()
    if lab.needs_cluster:
        session.cluster  # noqa: B018  (fails early, with the command to run, when there is none)
    return session


def _require_docker() -> None:
    if not engine_running():
        raise NoDocker(
            "Docker does not answer. Start it (Docker Desktop, or `sudo systemctl start docker`) "
            "and try again; see Troubleshooting in README.md."
        )


def _relative(path: Path) -> str:
    """Paths inside the repository as the learner types them (from its root)."""
    return str(path).removeprefix(str(REPO_ROOT) + "/")


def _line(result: StepResult, lab: Lab, paint: Callable[..., str]) -> str:
    if result.status is Status.NOT_RUN:
        return f"  {paint('----', 'dim')}  {paint(result.step.name + ' (not run)', 'dim')}"
    if result.status is Status.PASS:
        lines = [f"  {paint('PASS', 'green', 'bold')}  {result.step.name}"]
        if result.detail:
            lines.append(f"        {paint(result.detail, 'dim')}")
        return "\n".join(lines)
    hint = f"hint {result.step.hint} helps: labctl hint {lab.number} --level {result.step.hint}"
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
    return paint(
        f'{good} of {total} steps pass. Fix "{failure.step.name}", then run '
        f"labctl check {report.lab.number} again.",
        "red",
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
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("lab", type=_lab_number, help="lab number, as `labctl list` shows")
        if name in {"start", "solve", "reset"}:
            command.add_argument("-y", "--yes", action="store_true", help="do not ask")
        if name == "hint":
            command.add_argument("--level", type=int, choices=(1, 2, 3), help="which hint")
    commands.add_parser("env", help='shell lines for kubectl on the lab: eval "$(labctl env)"')
    return top


COMMANDS = {
    "list": cmd_list,
    "start": cmd_start,
    "check": cmd_check,
    "hint": cmd_hint,
    "solve": cmd_solve,
    "reset": cmd_reset,
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
    except catalog.UnknownLab as exc:
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

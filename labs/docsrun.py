"""Run the commands a lab's README, hints and solution print, as a learner would type them, on
the self-test's cluster: a removed module, a wrong flag or a path that moved fails the labs tier,
not the learner.

What the learner types names the default cluster (`kindlab`, host ports 8080 and 9090, files
in `labs/work/`); the self-test's cluster has another name, ports moved by KINDLAB_PORT_OFFSET,
and a workspace of its own, so each command is rewritten to match (`for_shell`). kubectl and
kind are the binaries `labctl env` names, on PATH.

A ```sh watch block (`kubectl get pods --watch`, a loop of requests) never finishes by itself: it
runs for WATCH_SECONDS under timeout(1), which stops its whole process group, and passes if it
was still running then (a wrong flag or resource fails at once). Some commands are not run,
each for a stated reason (`skipped`): ```sh norun blocks, commands with a `<placeholder>` the
learner fills in, and `labctl start|check|solve|reset N`, which the self-test itself runs around
these commands.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from kindlab.testing import docblocks
from labs.docs import Command

INGRESS_PORT, PROMETHEUS_PORT, APP_PORT = 8080, 9090, 5000
SELF_TESTED = re.compile(r"^labctl (start|check|solve|reset) \d+\b")
PLACEHOLDER = re.compile(r"<[a-z][^<>]*>")
TIMEOUT = 90
WATCH_SECONDS = 3
STILL_RUNNING = 124


@dataclass(frozen=True)
class Environment:
    """Where the self-test's lab lives, against what the docs say (the learner's default)."""

    cluster: str
    port_offset: int
    workdir: Path
    state: Path
    kubeconfig: Path
    tools: tuple[Path, ...]
    # Lab 1 publishes the app on host port 5000, which another tier may hold: a free one here.
    app_port: int = APP_PORT

    def variables(self) -> dict[str, str]:
        path = os.pathsep.join(
            [*(str(t.parent) for t in self.tools), str(Path(sys.executable).parent)]
        )
        return os.environ | {
            "PATH": f"{path}{os.pathsep}{os.environ.get('PATH', '')}",
            "KUBECONFIG": str(self.kubeconfig),
            "KINDLAB_CLUSTER_NAME": self.cluster,
            "KINDLAB_PORT_OFFSET": str(self.port_offset),
            "KINDLAB_LABS_WORKDIR": str(self.workdir),
            "KINDLAB_LABS_STATE": str(self.state),
        }


def skipped(command: Command) -> str | None:
    """Why a documented command is not run, or None when it is."""
    if not command.fenced:
        return "a command in a sentence (checked statically)"
    if command.watch:
        return None
    if not command.runnable:
        return "marked norun: it does not finish by itself, or the README says why"
    if PLACEHOLDER.search(command.text):
        return "has a <placeholder> the learner fills in"
    if SELF_TESTED.match(command.text):
        return "run by the self-test itself"
    return None


def for_shell(text: str, env: Environment) -> str:
    """The command as it reads on the self-test's cluster."""
    for port in (INGRESS_PORT, PROMETHEUS_PORT):
        text = text.replace(f"127.0.0.1:{port}", f"127.0.0.1:{port + env.port_offset}")
    text = text.replace(f"127.0.0.1:{APP_PORT}:", f"127.0.0.1:{env.app_port}:")
    text = text.replace(f"//127.0.0.1:{APP_PORT}/", f"//127.0.0.1:{env.app_port}/")
    text = re.sub(r"--name kindlab\b(?!-)", f"--name {env.cluster}", text)
    text = text.replace("kindlab-control-plane", f"{env.cluster}-control-plane")
    return re.sub(r"(?<![\w/.-])labs/work/", f"{env.workdir}/", text)


@dataclass(frozen=True)
class Outcome:
    command: Command
    typed: str
    code: int
    output: str
    seconds: float

    @property
    def ok(self) -> bool:
        if self.command.watch:
            return self.code in (0, STILL_RUNNING)
        # `kubectl diff` exits 1 when it found differences: what it is run to show.
        return self.code == 0 or (self.code == 1 and self.typed.startswith("kubectl diff "))

    def describe(self) -> str:
        tail = "\n".join(self.output.strip().splitlines()[-6:])
        return f"{self.command.where}: `{self.typed}` exited {self.code}:\n{tail}"


def run(command: Command, env: Environment, cwd: Path) -> Outcome:
    """One command in bash from the repository root, as the learner runs it there."""
    typed = for_shell(command.text, env)
    script = f"timeout {WATCH_SECONDS} bash -c {shlex.quote(typed)}" if command.watch else typed
    started = time.monotonic()
    code, output = docblocks.run_shell(script, cwd, env.variables(), TIMEOUT)
    return Outcome(command, typed, code, output, time.monotonic() - started)

"""Running external tools the way a person at a terminal needs it: alive, and explained on failure.

Every build and cluster step shells out (docker, kind, go, apt); a silent command looks hung and
a bare exit code explains nothing, so each command runs under a heartbeat and fails with its
last output lines.

A failure message names the whole command and echoes its output, so a secret a command
carries (the pipeline registry's password) is registered with `mask_secret` and appears as
*** in everything this module prints or raises.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from kindlab.core.errors import KindlabError
from kindlab.core.output import echo, heartbeat

MASK = "***"
_SECRETS: set[str] = set()


class CommandError(KindlabError):
    """A command failed; the message carries its last output lines, never a bare exit code,
    and never a registered secret (whoever raises it)."""

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))


def mask_secret(value: str) -> str:
    """Never show `value` in a command line, output line or error of this module; returns it."""
    if value:
        _SECRETS.add(value)
    return value


def redact(text: str) -> str:
    """`text` with every registered secret replaced by ***, longest first (one may hold another)."""
    for secret in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def run(
    cmd: Sequence[str | Path],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    input_bytes: bytes | None = None,
    quiet: bool = True,
    tail_lines: int = 40,
    label: str | None = None,
    on_line: Callable[[str], None] | None = None,
) -> str:
    """Run a command, echoing output (or heartbeats when quiet) and failing with its tail.

    Quiet mode keeps logs short for chatty tools (go, apt) while the heartbeat shows the
    command is alive, named by `label` (default: its first words); the last lines are printed
    when it fails. `on_line` sees each line as it arrives (e.g. to time it), failure or not.
    """
    argv = [str(c) for c in cmd]
    label = redact(label or "running " + " ".join(argv[:3]) + (" ..." if len(argv) > 3 else ""))
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env=dict(env) if env is not None else None,
        stdin=subprocess.PIPE if input_bytes is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    lines: list[str] = []
    with heartbeat(label):
        if input_bytes is not None:
            writer = threading.Thread(target=_feed, args=(proc, input_bytes), daemon=True)
            writer.start()
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.decode(errors="replace").rstrip()
            lines.append(line)
            if on_line is not None:
                on_line(line)
            if not quiet:
                echo(f"    {redact(line)}")
        code = proc.wait()
    if code != 0:
        tail = "\n".join(lines[-tail_lines:])
        raise CommandError(f"command failed (exit {code}): {' '.join(argv)}\n{tail}")
    return "\n".join(lines)


def _feed(proc: subprocess.Popen[bytes], data: bytes) -> None:
    assert proc.stdin is not None
    try:
        proc.stdin.write(data)
    finally:
        proc.stdin.close()

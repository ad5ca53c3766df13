"""Progress output for long operations: a user never stares at a silent terminal."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

HEARTBEAT_SECONDS = 10.0


def say(message: str) -> None:
    print(f"[kindlab] {message}", file=sys.stderr, flush=True)


@contextmanager
def step(title: str) -> Iterator[None]:
    """Announce a step, then report its duration, so slow steps are visible in any log."""
    say(f"{title} ...")
    started = time.monotonic()
    try:
        yield
    except BaseException:
        say(f"{title}: FAILED after {time.monotonic() - started:.1f}s")
        raise
    say(f"{title}: done in {time.monotonic() - started:.1f}s")


class CommandError(RuntimeError):
    """A command failed; the message carries its last output lines, never a bare exit code."""


def run(
    cmd: Sequence[str | Path],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    input_bytes: bytes | None = None,
    quiet: bool = True,
    tail_lines: int = 40,
) -> str:
    """Run a command, echoing output (or heartbeats when quiet) and failing with its tail.

    Quiet mode keeps logs short for chatty tools (go, apt) while a heartbeat line every few
    seconds shows the command is alive; the last lines are printed when it fails.
    """
    argv = [str(c) for c in cmd]
    label = " ".join(argv[:3]) + (" ..." if len(argv) > 3 else "")
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env=dict(env) if env is not None else None,
        stdin=subprocess.PIPE if input_bytes is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    lines: list[str] = []
    last_output = [time.monotonic()]
    started = time.monotonic()
    done = threading.Event()

    def heartbeat() -> None:
        while not done.wait(HEARTBEAT_SECONDS):
            if time.monotonic() - last_output[0] >= HEARTBEAT_SECONDS:
                say(f"  ... still running {label} ({time.monotonic() - started:.0f}s)")

    ticker = threading.Thread(target=heartbeat, daemon=True)
    ticker.start()
    if input_bytes is not None:
        writer = threading.Thread(target=_feed, args=(proc, input_bytes), daemon=True)
        writer.start()
    assert proc.stdout is not None
    for raw in proc.stdout:
        line = raw.decode(errors="replace").rstrip()
        lines.append(line)
        if not quiet:
            print(f"    {line}", file=sys.stderr, flush=True)
            last_output[0] = time.monotonic()
    code = proc.wait()
    done.set()
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

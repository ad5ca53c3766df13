"""Terminal output for long operations: a user never stares at a silent terminal.

Lines go to the terminal even while pytest captures output (the plugin in conftest.py points
them at a duplicate of the real stderr), and any step or command that runs longer than
HEARTBEAT_SECONDS without a line says it is still running, with the elapsed time.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

# Tools speak after 9 s of silence, so the 9.5 s safety net of kindlab.core.watch rarely has to.
HEARTBEAT_SECONDS = 9.0

_lock = threading.Lock()
_sink: list[TextIO | None] = [None]
_last_line = [time.monotonic()]
_active: list[object] = []
_mid_line = [False]


def send_to(stream: TextIO | None) -> None:
    """Write progress to `stream` from now on (None: whatever sys.stderr is at the time)."""
    _sink[0] = stream


def tag() -> str:
    """`[kindlab]`, or `[kindlab e2e]` inside a tox env: CI runs two tiers side by side."""
    tier = os.environ.get("TOX_ENV_NAME")
    return f"[kindlab {tier}]" if tier else "[kindlab]"


def say(message: str) -> None:
    echo(f"{tag()} {message}")


def echo(line: str) -> None:
    """One line as it is (a child's output passed through); it counts as progress."""
    passthrough(line + "\n")


def passthrough(text: str) -> None:
    """Output as it comes; a heartbeat in mid-line starts on a line of its own."""
    with _lock:
        out = _sink[0] or sys.stderr
        if _mid_line[0] and text.startswith("[kindlab"):
            text = "\n" + text
        out.write(text)
        out.flush()
        _mid_line[0] = not text.endswith("\n")
        _last_line[0] = time.monotonic()


@contextmanager
def heartbeat(label: str, every: float = HEARTBEAT_SECONDS) -> Iterator[None]:
    """While the body runs, say after every `every` seconds of silence that `label` still runs."""
    started = time.monotonic()
    done = threading.Event()
    token = object()

    def beat() -> None:
        # Only the innermost heartbeat speaks: it names what is actually running.
        while not done.wait(0.25):
            with _lock:
                due = _active[-1:] == [token]
                due = due and time.monotonic() - _last_line[0] >= every
            if due:
                say(f"  ... still {label} ({time.monotonic() - started:.0f}s)")

    ticker = threading.Thread(target=beat, daemon=True)
    with _lock:
        _active.append(token)
    ticker.start()
    try:
        yield
    finally:
        done.set()
        ticker.join()
        with _lock:
            _active.remove(token)


@contextmanager
def step(title: str) -> Iterator[None]:
    """Announce a step, keep it visible while it runs, then report its duration."""
    say(f"{title} ...")
    started = time.monotonic()
    try:
        with heartbeat(title[:1].lower() + title[1:]):
            yield
    except BaseException:
        say(f"{title}: FAILED after {time.monotonic() - started:.1f}s")
        raise
    say(f"{title}: done in {time.monotonic() - started:.1f}s")

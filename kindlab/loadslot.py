"""One load at a time on a machine.

The e2e, labs and gitlab tiers run side by side, and the gitlab tier's e2e job runs its own
load in Docker-in-Docker. 200 requests/s is what this 2-core machine carries; two loads at
once (400/s) saturate it, and a rollout then times out requests that no pod dropped (a cold
CI run: 21 of 10,199 at 5 s, p95 2.9 s). So every load takes the machine's slot, an flock on
a file that the pipeline's job containers share by a bind mount, and the others wait for it.
A plain loop rather than tenacity: it must say who holds the slot while it waits.
"""

from __future__ import annotations

import fcntl
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from kindlab.progress import say, tag

LOCK_DIR = Path(os.environ.get("KINDLAB_LOCK_DIR", "/tmp/kindlab-locks"))
LOCK_FILE = "load.lock"
WAIT_SECONDS = 1800.0
SAY_EVERY_SECONDS = 10.0


class SlotTimeout(RuntimeError):
    """Another load held the machine's slot for longer than anyone should wait."""


class _ProcessSlot:
    """This process's hold on the slot: taken by its first load, given back by its last."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._holders = 0
        self._file: TextIO | None = None

    def enter(self, label: str) -> None:
        with self._guard:
            if self._holders == 0:
                self._file = _acquire(label)
            self._holders += 1

    def leave(self) -> None:
        with self._guard:
            self._holders -= 1
            if self._holders == 0 and self._file is not None:
                self._file.close()
                self._file = None


_SLOT = _ProcessSlot()


@contextmanager
def load_slot(label: str) -> Iterator[None]:
    """The machine's load slot for the block; re-entrant within a process (the crash test
    runs two loads at once, which is one load of this process)."""
    _SLOT.enter(label)
    try:
        yield
    finally:
        _SLOT.leave()


def _acquire(label: str) -> TextIO:
    LOCK_DIR.mkdir(parents=True, exist_ok=True)
    handle = open(LOCK_DIR / LOCK_FILE, "a+")  # noqa: SIM115 - held until the slot is given back
    started = last_said = time.monotonic()
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            waited = time.monotonic() - started
            if waited > WAIT_SECONDS:
                holder = _holder(handle)
                handle.close()
                raise SlotTimeout(
                    f"{label}: another load ({holder}) held {LOCK_DIR / LOCK_FILE}"
                    f" for over {WAIT_SECONDS:.0f} s"
                ) from None
            if time.monotonic() - last_said >= SAY_EVERY_SECONDS:
                say(f"{label}: waiting for the machine's load slot, held by {_holder(handle)}"
                    f" ({waited:.0f} s)")  # fmt: skip
                last_said = time.monotonic()
            time.sleep(0.5)
            continue
        handle.seek(0)
        handle.truncate()
        handle.write(f"{tag()} {label} (pid {os.getpid()} on {socket.gethostname()})\n")
        handle.flush()
        return handle


def _holder(handle: TextIO) -> str:
    handle.seek(0)
    return handle.read().strip() or "another process"

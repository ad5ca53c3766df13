"""One load at a time on a machine.

The e2e, labs and gitlab tiers run side by side, and the gitlab tier's e2e job runs its own
load in Docker-in-Docker. 200 requests/s is what this 2-core machine carries; two loads at
once (400/s) saturate it, and a rollout then times out requests that no pod dropped (a cold
CI run: 21 of 10,199 at 5 s, p95 2.9 s). So every load takes the machine's slot, an flock on
a file that the pipeline's job containers share by a bind mount, and the others wait for it.
While it waits, kindlab.wait says who holds the slot.
"""

from __future__ import annotations

import fcntl
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from kindlab.progress import tag
from kindlab.wait import WaitTimeout, wait_for

LOCK_DIR = Path(os.environ.get("KINDLAB_LOCK_DIR", "/tmp/kindlab-locks"))
LOCK_FILE = "load.lock"
WAIT_SECONDS = 1800.0
POLL_SECONDS = 0.5


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

    def granted() -> tuple[bool, str]:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            return False, f"held by {handle.read().strip() or 'another process'}"
        return True, "granted"

    try:
        wait_for(granted, f"the machine's load slot ({label})", WAIT_SECONDS, POLL_SECONDS)
    except WaitTimeout:
        handle.close()
        raise
    handle.seek(0)
    handle.truncate()
    handle.write(f"{tag()} {label} (pid {os.getpid()} on {socket.gethostname()})\n")
    handle.flush()
    return handle

"""One load at a time on a machine.

The e2e, labs and gitlab tiers run side by side, and the gitlab tier's e2e job runs its own
load in Docker-in-Docker. 200 requests/s is what this 2-core machine carries; two loads at
once (400/s) saturate it, and a rollout then times out requests that no pod dropped (a cold
CI run: 21 of 10,199 at 5 s, p95 2.9 s). So every load takes the machine's slot, an flock on
a file that the pipeline's job containers share by a bind mount, and the others wait for it.
While it waits, kindlab.core.wait says who holds the slot.

The lock runs as root on machines with other users, so its folder is no fixed, shared /tmp
path: it is this user's own (/tmp/kindlab-locks-<uid>, or KINDLAB_LOCK_DIR), made 0700 if
missing and refused if someone else owns it, others may write in it, or it is a symlink. The
lock file is opened without following a symlink: a planted link can never make a root run
write to the file it points at. The pipeline's job containers (root) see the folder through a
bind mount, so the runner names its owner in KINDLAB_LOCK_OWNER.
"""

from __future__ import annotations

import fcntl
import os
import socket
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from kindlab.core.errors import KindlabError
from kindlab.core.output import tag
from kindlab.core.wait import WaitTimeout, wait_for

LOCK_DIR_VARIABLE = "KINDLAB_LOCK_DIR"
OWNER_VARIABLE = "KINDLAB_LOCK_OWNER"
LOCK_DIR = Path(os.environ.get(LOCK_DIR_VARIABLE) or f"/tmp/kindlab-locks-{os.geteuid()}")
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


class UnsafeLockDir(KindlabError):
    """The lock's folder or file could be another user's: nothing was written there."""


def trusted_owners() -> set[int]:
    """This user, root, and (in a pipeline job) the host user who owns the bind-mounted folder."""
    owners = {os.geteuid(), 0}
    raw = os.environ.get(OWNER_VARIABLE, "").strip()
    if raw.isdigit():
        owners.add(int(raw))
    return owners


def ensure_lock_dir(folder: Path) -> Path:
    """`folder`, made 0700 if missing, else checked: ours, not a symlink, no one else may write."""
    try:
        folder.mkdir(mode=0o700, parents=False)
    except FileExistsError:
        pass
    except FileNotFoundError:
        folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.mkdir(mode=0o700, exist_ok=True)
    info = folder.lstat()
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafeLockDir(f"the load slot's folder {folder} is not a directory (a symlink?)")
    if info.st_uid not in trusted_owners():
        raise UnsafeLockDir(
            f"the load slot's folder {folder} belongs to uid {info.st_uid}, not to you "
            f"(uid {os.geteuid()}): remove it or set {LOCK_DIR_VARIABLE} to a folder of yours"
        )
    if info.st_mode & 0o022:
        raise UnsafeLockDir(
            f"others may write in the load slot's folder {folder} (mode "
            f"{stat.S_IMODE(info.st_mode):04o}): chmod 0700 it or remove it"
        )
    return folder


def open_lock(folder: Path) -> TextIO:
    """The lock file in `folder`, opened (created 0600) without following a symlink."""
    path = ensure_lock_dir(folder) / LOCK_FILE
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(path, flags, 0o600)
    except OSError as exc:
        raise UnsafeLockDir(f"the load slot's lock {path} cannot be opened safely: {exc}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_uid not in trusted_owners():
        os.close(fd)
        raise UnsafeLockDir(f"the load slot's lock {path} is not a plain file of yours")
    return os.fdopen(fd, "r+")


def _acquire(label: str) -> TextIO:
    handle = open_lock(LOCK_DIR)

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

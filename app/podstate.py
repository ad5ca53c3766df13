"""Small pod-wide state shared by every gunicorn worker through files in APP_STATE_DIR.

Workers are separate processes, so in-memory state would make each worker answer differently.
A JSON file replaced atomically (write to a temp file, then rename) is never seen half-written,
and readers re-parse it only when its inode or mtime changes, so a per-request read costs one
stat() call.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class JsonFile:
    """One JSON object on disk, cached by (inode, mtime, size) per process."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int, int] | None = None
        self._cached: dict[str, Any] | None = None

    def read(self) -> dict[str, Any] | None:
        """The stored object, or None when nothing has been written (or it was removed)."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            self._stamp, self._cached = None, None
            return None
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        if stamp != self._stamp:
            self._cached = json.loads(self.path.read_bytes())
            self._stamp = stamp
        return self._cached

    def write(self, document: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
        try:
            with os.fdopen(fd, "w") as handle:
                json.dump(document, handle)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)

    def update(self, change: Callable[[dict[str, Any] | None], dict[str, Any]]) -> dict[str, Any]:
        """Read-modify-write under a file lock, so concurrent PUTs on two workers both land."""
        with _locked(self.path.with_name(self.path.name + ".lock")):
            document = change(self.read())
            self.write(document)
            return document


@contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

"""Small pod-wide state shared by every gunicorn worker through files in APP_STATE_DIR.

Workers are separate processes, so in-memory state would make each worker answer differently.
A JSON file replaced atomically (write to a temp file, then rename) is never seen half-written,
and readers re-parse it only when its inode or mtime changes, so a per-request read costs an
open() and an fstat(). The stamp and the bytes come from the same open file, so a rename or an
unlink by another worker between the two can never split them (a stat() of the path followed by
a read of the path could, and raised FileNotFoundError). A document that cannot be read as a
JSON object reads as absent and is logged once: pod state must never take every route down, and
the next write under the lock replaces it.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class JsonFile:
    """One JSON object on disk, cached by (inode, mtime, size) per process."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int, int] | None = None
        self._cached: dict[str, Any] | None = None
        self._warned: object = None

    def read(self) -> dict[str, Any] | None:
        """The stored object, or None when nothing (or nothing readable) is stored."""
        try:
            handle = self.path.open("rb")
        except FileNotFoundError:
            self._stamp, self._cached = None, None
            return None
        except OSError as err:
            return self._unreadable(None, err)
        with handle:
            st = os.fstat(handle.fileno())
            stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
            if stamp == self._stamp:
                return self._cached
            try:
                document = json.loads(handle.read(), parse_constant=_no_constant)
            except (OSError, ValueError, RecursionError) as err:
                return self._unreadable(stamp, err)
        if not isinstance(document, dict):
            return self._unreadable(stamp, f"not a JSON object but {type(document).__name__}")
        self._stamp, self._cached = stamp, document
        return document

    def _unreadable(self, stamp: tuple[int, int, int] | None, why: object) -> None:
        """Read as absent; warn once per version of the file (or per error), not per request."""
        seen = stamp or str(why)
        if seen != self._warned:
            log.warning("%s is unreadable (%s): treated as absent", self.path, why)
            self._warned = seen
        self._stamp, self._cached = stamp, None

    @property
    def _lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

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
        """Under the lock: an update in progress elsewhere must not write the document back."""
        with _locked(self._lock_path):
            self.path.unlink(missing_ok=True)

    def update(self, change: Callable[[dict[str, Any] | None], dict[str, Any]]) -> dict[str, Any]:
        """Read-modify-write under a file lock, so concurrent PUTs on two workers both land."""
        with _locked(self._lock_path):
            document = change(self.read())
            self.write(document)
            return document


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


@contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

"""Injectable faults: what a lab or a "bad rollout" test can break on purpose.

The same validation serves the PUT /fault body and the FAULT_* env seed (parsed in settings), so
a broken release configured through a Deployment is checked exactly like one set over HTTP.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from app.podstate import JsonFile

log = logging.getLogger(__name__)

MAX_DELAY_SECONDS = 300.0
FORCEABLE_STATUS = range(400, 600)
FAULT_NAMES = frozenset({"delay_seconds", "status_code", "ready", "hang_liveness", "path"})
_PATH = re.compile(r"/[A-Za-z0-9/_.-]{0,99}")


class FaultError(ValueError):
    """A fault setting is unknown or out of range; the message says which and why."""


@dataclass(frozen=True)
class Faults:
    delay_seconds: float = 0.0
    status_code: int | None = None
    ready: bool = True
    hang_liveness: bool = False
    # The one API path that delay and status hit (a release broken on one route); None: all.
    path: str | None = None

    def merged(self, changes: Mapping[str, Any]) -> Faults:
        """Return these faults with `changes` applied, refusing anything not exactly valid."""
        unknown = sorted(set(changes) - FAULT_NAMES)
        if unknown:
            raise FaultError(f"unknown fault(s) {unknown}; known: {sorted(FAULT_NAMES)}")
        checked = {name: _VALIDATORS[name](value) for name, value in changes.items()}
        return replace(self, **checked)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _delay(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise FaultError(f"delay_seconds must be a number, got {value!r}")
    if not 0 <= value <= MAX_DELAY_SECONDS:
        raise FaultError(f"delay_seconds must be within 0..{MAX_DELAY_SECONDS:g}, got {value}")
    return float(value)


def _status(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value not in FORCEABLE_STATUS:
        raise FaultError(f"status_code must be null or an integer 400..599, got {value!r}")
    return value


def _path(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _PATH.fullmatch(value):
        raise FaultError(f"path must be null or an API path such as /data, got {value!r}")
    return value


def _flag(name: str) -> Any:
    def check(value: Any) -> bool:
        if not isinstance(value, bool):
            raise FaultError(f"{name} must be true or false, got {value!r}")
        return value

    return check


_VALIDATORS = {
    "delay_seconds": _delay,
    "status_code": _status,
    "ready": _flag("ready"),
    "hang_liveness": _flag("hang_liveness"),
    "path": _path,
}


class FaultStore:
    """The pod's current faults: the env seed until someone PUTs, shared by all workers.

    A stored document that is not a valid set of faults (edited by hand, or by an older
    release) counts as the seed and is logged once: every route, the probes included, reads
    the faults, so refusing it would turn the whole pod into 500s.
    """

    def __init__(self, state_dir: Path, seed: Faults) -> None:
        self._file = JsonFile(state_dir / "faults.json")
        self._seed = seed
        self._parsed: tuple[Mapping[str, Any] | None, Faults] = (None, seed)

    def current(self) -> Faults:
        return self._of(self._file.read())

    def update(self, changes: Mapping[str, Any]) -> Faults:
        """Validate first, then merge under the lock: a bad request never touches the file."""
        self._seed.merged(changes)
        merged = self._file.update(lambda stored: self._of(stored).merged(changes).as_dict())
        return Faults(**merged)

    def reset(self) -> Faults:
        """Back to the startup state: no faults, unless the release was seeded broken via env."""
        self._file.remove()
        return self._seed

    def _of(self, stored: Mapping[str, Any] | None) -> Faults:
        """JsonFile hands back the same object until the file changes: validate each once."""
        if stored is None:
            return self._seed
        if stored is not self._parsed[0]:
            try:
                faults = Faults().merged(stored)
            except FaultError as err:
                log.warning(
                    "%s holds no valid faults (%s): using the startup faults", self._file.path, err
                )
                faults = self._seed
            self._parsed = (stored, faults)
        return self._parsed[1]

"""Progress through the labs, kept in one small JSON file on the learner's machine.

The file is a convenience, never the truth: `labctl check` asks the cluster every time. A
missing or unreadable file simply means no progress yet.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from labs.session import default_workdir

STATE_ENV = "KINDLAB_LABS_STATE"


def default_state_path() -> Path:
    return Path(os.environ.get(STATE_ENV) or default_workdir() / "progress.json")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Progress:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_state_path()
        self.labs: dict[str, dict[str, Any]] = {}
        try:
            document = json.loads(self.path.read_text())
            self.labs = dict(document.get("labs", {}))
        except (OSError, ValueError, AttributeError):
            self.labs = {}

    def entry(self, number: int) -> dict[str, Any]:
        return self.labs.get(str(number), {})

    def _update(self, number: int, **fields: Any) -> None:
        self.labs.setdefault(str(number), {}).update(fields)
        self.save()

    def started(self, number: int) -> None:
        """A (re)start: the lab is open again; that it passed before is kept as passed_at."""
        self._update(
            number,
            started_at=_now(),
            last_check_passed=False,
            failed_step=None,
            solved_with_reference=False,
        )

    def checked(self, number: int, passed: bool, failed_step: str | None) -> None:
        fields: dict[str, Any] = {"checked_at": _now(), "last_check_passed": passed}
        fields["failed_step"] = failed_step
        if passed:
            fields["passed_at"] = _now()
        self._update(number, **fields)

    def hints_seen(self, number: int) -> dict[str, int]:
        """The highest hint level seen, per hints.md section (a file from before hints were
        per step held one number: it counts as none seen)."""
        seen = self.entry(number).get("hints_seen")
        return {str(k): int(v) for k, v in seen.items()} if isinstance(seen, dict) else {}

    def hint_seen(self, number: int, section: str, level: int) -> None:
        seen = self.hints_seen(number)
        seen[section] = max(level, seen.get(section, 0))
        self._update(number, hints_seen=seen)

    def solved(self, number: int) -> None:
        self._update(number, solved_with_reference=True)

    def save(self) -> None:
        """Write atomically: an interrupted labctl never leaves half a file behind."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
        with os.fdopen(fd, "w") as handle:
            json.dump({"version": 1, "labs": self.labs}, handle, indent=2, sort_keys=True)
            handle.write("\n")
        os.replace(tmp, self.path)

    def summary(self, number: int) -> str:
        """One line for `labctl list`."""
        entry = self.entry(number)
        if not entry:
            return "not started"
        once = f" (passed on {entry['passed_at'][:10]})" if entry.get("passed_at") else ""
        if entry.get("last_check_passed"):
            text = f"passed {entry['passed_at'][:16].replace('T', ' ')}"
            if entry.get("solved_with_reference"):
                text += " with the reference solution"
        elif entry.get("failed_step"):
            text = f"in progress: failing at {entry['failed_step']!r}{once}"
        else:
            text = f"started, not checked yet{once}"
        hints = sum(self.hints_seen(number).values())
        return f"{text}; {hints} hint{'s' if hints > 1 else ''} seen" if hints else text

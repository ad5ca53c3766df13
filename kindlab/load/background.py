"""Steady traffic that outlives the command that started it: a detached `vegeta attack` whose
results land in a folder, for a lab where users keep calling while the learner works for
minutes between commands (lab 11).

vegeta writes its result file whole only when it stops, so reading means ending the running
segment (SIGINT: in-flight requests finish and are recorded) and starting the next at once;
the gap between segments is a few milliseconds, and `gaps` shows any longer one. The attack
runs in its own session, so a closed terminal does not stop it, and ends by itself after
MAX_SECONDS. It does not take the machine's load slot (kindlab.host.loadslot): it lasts for
minutes, and its few requests a second cost next to nothing.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from kindlab.core.errors import KindlabError
from kindlab.load.vegeta import Hit, Target, attack_command, decode_file

MAX_SECONDS = 2 * 3600
# Long enough that a slow answer under a busy machine is recorded as slow, not as failed.
REQUEST_TIMEOUT = "30s"
STOP_SECONDS = 35.0
PID, SETTINGS, SEGMENTS = "attack.pid", "attack.json", "segment-*.bin"


class BackgroundTrafficError(KindlabError):
    """The background attack could not be started, stopped or read."""


@dataclass(frozen=True)
class BackgroundTraffic:
    """The attack kept in `folder`: its targets and rate, its pid, its result segments."""

    folder: Path

    def start(self, targets: list[Target], rate: float) -> None:
        """A new attack, replacing one kept here (its results are deleted)."""
        self.end()
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "targets.json").write_text("".join(t.as_json() + "\n" for t in targets))
        (self.folder / SETTINGS).write_text(json.dumps({"rate": rate}))
        self._launch()

    def running(self) -> bool:
        pid = self._pid()
        return pid is not None and _alive(pid)

    def hits(self) -> list[Hit]:
        """Every request sent since `start`, in order; the attack goes on (a new segment)."""
        if not (self.folder / SETTINGS).is_file():
            return []
        if self.running():
            self._stop()
            self._launch()
        live = self._pid_segment()
        found: list[Hit] = []
        for segment in sorted(self.folder.glob(SEGMENTS), key=_number):
            if segment != live:
                found.extend(decode_file(segment))
        return sorted(found, key=lambda hit: hit.sent_at)

    def end(self) -> None:
        """Stop the attack and forget its results."""
        self._stop()
        if self.folder.is_dir():
            for path in self.folder.iterdir():
                path.unlink()
            self.folder.rmdir()

    def _launch(self) -> None:
        rate = json.loads((self.folder / SETTINGS).read_text())["rate"]
        numbers = [_number(p) for p in self.folder.glob(SEGMENTS)]
        output = self.folder / f"segment-{max(numbers, default=0) + 1:04d}.bin"
        command = attack_command(
            self.folder / "targets.json", rate, MAX_SECONDS, output, REQUEST_TIMEOUT
        )
        with (self.folder / "vegeta.log").open("a") as log:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,
                start_new_session=True,
            )
        (self.folder / PID).write_text(f"{process.pid} {output.name}\n")

    def _pid(self) -> int | None:
        try:
            return int((self.folder / PID).read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def _pid_segment(self) -> Path | None:
        """The segment the live attack still writes (None once it has stopped)."""
        if not self.running():
            return None
        return self.folder / (self.folder / PID).read_text().split()[1]

    def _stop(self) -> None:
        pid = self._pid()
        if pid is None or not _alive(pid):
            return
        os.kill(pid, signal.SIGINT)
        deadline = time.monotonic() + STOP_SECONDS
        while _alive(pid):
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                raise BackgroundTrafficError(
                    f"vegeta (pid {pid}) did not stop within {STOP_SECONDS:g} s of SIGINT; "
                    f"killed it (its log: {self.folder / 'vegeta.log'})"
                )
            time.sleep(0.1)


def _number(segment: Path) -> int:
    return int(segment.stem.removeprefix("segment-"))


def _alive(pid: int) -> bool:
    """The vegeta process `pid` runs: not gone, not a zombie (reaped here if it is our child),
    and not another program that got the number since. The name comes from /proc/PID/stat,
    which keeps it while the process exits (its cmdline is empty by then)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    name, state = stat[stat.find("(") + 1 : stat.rfind(")")], stat[stat.rfind(")") + 2 :][:1]
    if name != "vegeta":
        return False
    if state in {"Z", "X"}:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        return False
    return True


def gaps(hits: list[Hit], longer_than: float) -> list[tuple[float, float]]:
    """Spans (from, to) longer than `longer_than` seconds in which no request was sent."""
    return [
        (before.sent_at, after.sent_at)
        for before, after in itertools.pairwise(hits)
        if after.sent_at - before.sent_at > longer_than
    ]

"""A command's output passed through, never silent for long (`kindlab watch CMD ...`).

Some steps print nothing for a while by design (pip inside tox hides its output, apt-get -qq):
in a CI log that looks like a hang. This runs CMD, passes each line on as it comes, says every
SILENCE_SECONDS of silence that CMD still runs, and exits with CMD's exit code. Standard
library only, so .ci/run can use it before anything is installed.
"""

from __future__ import annotations

import os
import subprocess

from kindlab.core.output import heartbeat, passthrough

SILENCE_SECONDS = 9.5


def watch(argv: list[str]) -> int:
    """Chunks, not lines, are passed on: pytest's progress dots count as output too."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    with heartbeat(f"running {' '.join(argv[:4])}", every=SILENCE_SECONDS):
        while chunk := os.read(proc.stdout.fileno(), 65536):
            passthrough(chunk.decode(errors="replace"))
        return proc.wait()

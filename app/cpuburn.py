"""A bounded CPU burn: load an HPA with a CPU utilisation target can see, at a cost one can pick.

Sleeping would not do: the HPA reads the container's CPU usage, so a request must really spend
CPU. Hashing chunks large enough that hashlib releases the GIL keeps the worker's other threads
(probes included) answering while one request burns. The cost is measured on this thread's CPU
clock, so a busy machine stretches the wall time of a burn rather than cutting its work short;
a wall-clock deadline still ends it, so no request can hold a worker thread for long.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

DEFAULT_MAX_CPU_MS = 200
# Bounds of WORK_MAX_CPU_MS: even a burn stretched to its wall deadline ends far inside
# gunicorn's 30 s worker timeout and any sane proxy timeout.
MAX_CPU_MS_CEILING = 1000
WALL_FACTOR = 10
MIN_WALL_SECONDS = 1.0
_CHUNK = b"kindlab" * 4096  # 28 KiB: above hashlib's GIL-release threshold (2 KiB)


@dataclass(frozen=True)
class Burn:
    cpu_ms: float
    wall_ms: float


def burn_cpu(cpu_ms: int) -> Burn:
    """Spend about `cpu_ms` of this thread's CPU time; give up at WALL_FACTOR times that.

    The deadline (at least MIN_WALL_SECONDS) matters on a starved node: there the caller gets
    back less CPU than asked for, visible in the result, instead of a worker thread held hostage.
    """
    budget = cpu_ms / 1000
    wall_start, cpu_start = time.monotonic(), time.thread_time()
    deadline = wall_start + max(MIN_WALL_SECONDS, WALL_FACTOR * budget)
    digest = hashlib.sha256()
    while time.thread_time() - cpu_start < budget and time.monotonic() < deadline:
        digest.update(_CHUNK)
    return Burn(
        cpu_ms=(time.thread_time() - cpu_start) * 1000,
        wall_ms=(time.monotonic() - wall_start) * 1000,
    )

"""Graceful shutdown: stop being ready first, keep serving for a while, then stop.

Kubernetes removes a terminating pod from Service endpoints asynchronously, so for a few seconds
after SIGTERM new requests still arrive. gunicorn closes its listeners the moment it handles
SIGTERM, which would refuse those requests. So the master first drops a pod-wide "draining"
marker (every worker's /ready turns 503 on its next stat()), keeps accepting for
SHUTDOWN_DRAIN_SECONDS, and only then starts gunicorn's own graceful stop, in which
graceful_timeout lets in-flight requests finish.
"""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
DRAINING_MARKER = "draining"


def is_draining(state_dir: Path) -> bool:
    return (state_dir / DRAINING_MARKER).exists()


def mark_draining(state_dir: Path) -> None:
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / DRAINING_MARKER).touch()


def reset_dir(path: Path) -> None:
    """Empty `path` (keeping it, as it may be a mount point) so nothing survives a restart.

    An emptyDir outlives container restarts: a stale draining marker or hang_liveness fault
    would otherwise keep a restarted container unready or failing forever, and stale metric
    files would resurrect the counters of dead processes.
    """
    path.mkdir(parents=True, exist_ok=True)
    for child in path.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def drain_before_stop(arbiter: Any, state_dir: Path, drain_seconds: float) -> None:
    """Make the gunicorn master drain on SIGTERM before its graceful stop.

    gunicorn offers no hook between receiving SIGTERM and closing its listeners, so this wraps
    the arbiter's `handle_term`. SIGINT and SIGQUIT keep their immediate-stop meaning.
    """
    stop = arbiter.handle_term

    def handle_term() -> None:
        mark_draining(state_dir)
        log.info(
            "SIGTERM: readiness now 503, serving for %.1fs before graceful stop",
            drain_seconds,
            extra={"event": "drain_start", "drain_seconds": drain_seconds},
        )
        time.sleep(drain_seconds)
        stop()

    arbiter.handle_term = handle_term

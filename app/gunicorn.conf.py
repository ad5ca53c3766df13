"""gunicorn settings for production: `gunicorn -c app/gunicorn.conf.py 'app:create_app()'`.

This file runs in the master before any worker exists, which is what multiprocess metrics
need: PROMETHEUS_MULTIPROC_DIR (and the pod-wide APP_STATE_DIR) must be in the environment
before prometheus_client is first imported, and forked workers inherit it.
"""

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

for _var, _prefix in (("PROMETHEUS_MULTIPROC_DIR", "metrics-"), ("APP_STATE_DIR", "state-")):
    if not os.environ.get(_var):
        os.environ[_var] = tempfile.mkdtemp(prefix=f"kindlab-{_prefix}")
os.environ.setdefault("APP_STARTED_AT", datetime.now(UTC).isoformat())

from gunicorn.arbiter import Arbiter  # noqa: E402
from gunicorn.workers.base import Worker  # noqa: E402
from prometheus_client import multiprocess  # noqa: E402 (needs the env set above)

from app.lifecycle import drain_before_stop, reset_dir  # noqa: E402
from app.logs import gunicorn_logconfig  # noqa: E402
from app.settings import Settings  # noqa: E402
from app.wireerrors import install as json_error_pages  # noqa: E402

_settings = Settings.from_env()
json_error_pages()  # gunicorn's own 400/414/431/500 answers: JSON like the app's

wsgi_app = "app:create_app()"
bind = [f"0.0.0.0:{_settings.port}"]
workers = _settings.web_concurrency
# gthread keeps connections alive across requests, which a sync worker cannot.
worker_class = "gthread"
threads = _settings.web_threads
# Above Traefik's 90 s idle timeout for backend connections, so the proxy always closes an
# idle connection first and never sends a request into one gunicorn is closing (a 502).
keepalive = 95
timeout = 30
graceful_timeout = _settings.graceful_timeout
# Heartbeat files on tmpfs: no disk stalls, and the root filesystem may be read-only.
worker_tmp_dir = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
# The control socket would need a writable $HOME; nothing here uses gunicornc.
control_socket_disable = True
accesslog = None  # the app writes access lines itself, with the request id
loglevel = _settings.log_level.lower()
logconfig_dict = gunicorn_logconfig(_settings.log_level)


def on_starting(server: Arbiter) -> None:
    """Start from empty state and metric dirs: both may survive a container restart."""
    reset_dir(Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]))
    reset_dir(_settings.state_dir)


def when_ready(server: Arbiter) -> None:
    drain_before_stop(server, _settings.state_dir, _settings.shutdown_drain_seconds)


def child_exit(server: Arbiter, worker: Worker) -> None:
    """Fold a dead worker's gauges out of the aggregate; its counters are kept."""
    multiprocess.mark_process_dead(worker.pid)

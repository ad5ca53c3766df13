"""The production gunicorn config serving the app for real, on a free loopback port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from kindlab.core.wait import WaitTimeout, wait_for
from kindlab.host import ports
from kindlab.testing.httpready import answers_ready

CONF = Path(__file__).resolve().parents[1] / "gunicorn.conf.py"
REPO = CONF.parents[1]


class Server:
    def __init__(self, tmp_path: Path, **env: str):
        self.port = ports.unused_fixed_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.state_dir = tmp_path / "state"
        self.metrics_dir = tmp_path / "metrics"
        self.log_path = tmp_path / "gunicorn.log"
        self.env = {
            **os.environ,
            "PORT": str(self.port),
            "WEB_CONCURRENCY": "2",
            "APP_ENABLE_FAULTS": "true",
            "APP_VERSION": "9.9.9",
            "POD_NAME": "unit-pod",
            "APP_STATE_DIR": str(self.state_dir),
            "PROMETHEUS_MULTIPROC_DIR": str(self.metrics_dir),
            "SHUTDOWN_DRAIN_SECONDS": "0",
            **env,
        }
        self.proc: subprocess.Popen | None = None

    def start(self) -> Server:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(CONF), "-b", f"127.0.0.1:{self.port}"],
            cwd=REPO,
            env=self.env,
            stdout=self.log_path.open("w"),
            stderr=subprocess.STDOUT,
        )

        def gone() -> str | None:
            return None if self.proc.poll() is None else "gunicorn exited"

        try:
            wait_for(answers_ready(self.url, gone), "gunicorn to be ready", 20, interval=0.1)
        except WaitTimeout as exc:
            raise AssertionError(f"{exc}\n{self.log_path.read_text()}") from None
        return self

    def terminate(self) -> int:
        """SIGTERM to the master only, as Kubernetes and `docker stop` send it."""
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.terminate()

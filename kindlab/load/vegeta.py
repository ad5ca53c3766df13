"""Constant-rate HTTP load with vegeta, built from its Go module like our other tools.

Why vegeta and not a Python loop: it is an open-model generator (requests leave on schedule
whether or not earlier ones have answered, so a slow server cannot lower the rate and hide
its slowness: no coordinated omission), it keeps connections alive, and it records every
request with its status, latency, error and response headers.
"""

from __future__ import annotations

import base64
import json
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path

from kindlab.build.gobuild import STAMP, ModuleBuild, build_module
from kindlab.core.cache import cache_root
from kindlab.core.errors import KindlabError
from kindlab.core.process import run
from kindlab.core.versions import pin

MODULE = "github.com/tsenart/vegeta/v12"
REQUEST_TIMEOUT = "5s"
# Enough workers for 200 req/s at up to 5 s per request without vegeta ever waiting for one.
MAX_WORKERS = 1000
MAX_BODY_BYTES = 1024
STOP_GRACE_SECONDS = 15


class GoMissing(KindlabError):
    """vegeta is built from source and there is no Go to build it with."""


@cache
def vegeta_binary() -> Path:
    version = pin("VEGETA_VERSION")
    build = ModuleBuild(
        name="vegeta",
        module=MODULE,
        version=version,
        packages=(MODULE,),
        ldflags=(f"-X main.Version={version}", "-X main.Commit={commit}", "-X main.Date={date}"),
    )
    if shutil.which("go") is None and not (cache_root() / build.key() / STAMP).exists():
        raise GoMissing(
            f"sending test traffic needs vegeta {version}, built from its Go module: put Go "
            "(1.26 or later, https://go.dev/dl/) on PATH and run again"
        )
    return build_module(build) / "vegeta"


@dataclass(frozen=True)
class Target:
    """One request, sent over and over: vegeta's JSON target format."""

    url: str
    host: str
    method: str = "GET"
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> str:
        header = {"Host": [self.host], **{k: [v] for k, v in self.headers.items()}}
        target = {"method": self.method, "url": self.url, "header": header}
        if self.body:
            target["body"] = base64.b64encode(self.body).decode()
        return json.dumps(target)


@dataclass(frozen=True)
class Hit:
    """One request as vegeta recorded it; `status` is None when no HTTP answer came."""

    sent_at: float
    status: int | None
    latency: float
    headers: dict[str, str]
    error: str | None
    body: str
    # "METHOD url" of the request (vegeta records both): which route of a mixed attack.
    request: str = ""


def attack_command(
    targets: Path, rate: float, seconds: float, output: Path, timeout: str = REQUEST_TIMEOUT
) -> list[str]:
    """`vegeta attack` of the targets in `targets` (JSON lines, taken in turn) into `output`."""
    return [
        str(vegeta_binary()),
        "attack",
        "-format=json",
        f"-targets={targets}",
        f"-rate={rate:g}/1s",
        f"-duration={seconds:g}s",
        f"-timeout={timeout}",
        "-keepalive=true",
        f"-max-workers={MAX_WORKERS}",
        f"-max-body={MAX_BODY_BYTES}",
        f"-output={output}",
    ]


def decode_file(results: Path) -> list[Hit]:
    """The hits of a finished attack's result file."""
    return decode(run([str(vegeta_binary()), "encode", "--to=json", str(results)]))


class Attack:
    """A running `vegeta attack`: starts on `start()`, stops on `stop()` and yields its hits.

    `max_seconds` bounds the attack even if nobody calls stop (a test that hangs).
    """

    def __init__(self, target: Target, rate: float, max_seconds: float) -> None:
        self.target, self.rate, self.max_seconds = target, rate, max_seconds
        self._dir = tempfile.TemporaryDirectory(prefix="kindlab-vegeta-")
        self._results = Path(self._dir.name) / "results.bin"
        self._process: subprocess.Popen | None = None
        self._hits: list[Hit] | None = None

    def start(self) -> None:
        targets = Path(self._dir.name) / "targets.json"
        targets.write_text(self.target.as_json() + "\n")
        command = attack_command(targets, self.rate, self.max_seconds, self._results)
        self._process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)

    def stop(self) -> list[Hit]:
        """Stop sending; requests in flight finish and are recorded. Once stopped, the same
        hits again (a lab may stop its load and also defer the stop as a clean-up)."""
        if self._hits is not None:
            return self._hits
        if self._process is None:
            return []
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGINT)
        try:
            _out, err = self._process.communicate(timeout=STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            self._process.kill()
            _out, err = self._process.communicate()
        if self._process.returncode not in (0, -signal.SIGINT) or not self._results.exists():
            raise RuntimeError(f"vegeta attack failed ({self._process.returncode}): {err.strip()}")
        try:
            self._hits = decode_file(self._results)
        finally:
            self._dir.cleanup()
        return self._hits


def decode(lines: str) -> list[Hit]:
    """vegeta's JSON results, one per line, into hits (timestamps as Unix seconds)."""
    return [_hit(json.loads(line)) for line in lines.splitlines() if line.strip()]


def _hit(result: dict) -> Hit:
    headers = {name: values[0] for name, values in (result.get("headers") or {}).items() if values}
    body = base64.b64decode(result.get("body") or b"").decode(errors="replace")
    return Hit(
        sent_at=datetime.fromisoformat(result["timestamp"]).timestamp(),
        status=result["code"] or None,
        latency=result["latency"] / 1e9,
        headers=headers,
        error=result.get("error") or None,
        body=body,
        request=f"{result.get('method', '')} {result.get('url', '')}".strip(),
    )

"""Every knob of the service, read from the environment in one place.

Kubernetes, Docker and the labs configure the service only through env vars, so a typo or a bad
value must stop the process at start with a message naming the variable, not surface later as
odd behaviour under load.
"""

from __future__ import annotations

import logging
import os
import socket
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from app.cpuburn import DEFAULT_MAX_CPU_MS, MAX_CPU_MS_CEILING
from app.faults import Faults

DEFAULT_PORT = 5000
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
BOOL_WORDS = {"1": True, "true": True, "yes": True, "on": True}
BOOL_WORDS |= {"0": False, "false": False, "no": False, "off": False}


class SettingsError(ValueError):
    """An environment variable holds a value the service cannot run with."""


@dataclass(frozen=True)
class Settings:
    """The defaults below are the documented defaults of the env vars from_env reads.

    Env vars: PORT, APP_VERSION, POD_NAME (default: hostname), LOG_LEVEL, MAX_BODY_BYTES,
    WEB_CONCURRENCY (workers), WEB_THREADS, GRACEFUL_TIMEOUT, SHUTDOWN_DRAIN_SECONDS,
    APP_STATE_DIR, PROMETHEUS_MULTIPROC_DIR, APP_ENABLE_FAULTS, FAULT_*, WORK_MAX_CPU_MS (the
    cap of GET /work?cpu_ms=N). APP_STARTED_AT is set by the gunicorn master so that every worker
    reports the pod's start, not its own.
    """

    port: int = DEFAULT_PORT
    app_version: str = "dev"
    pod_name: str = "localhost"
    log_level: str = "INFO"
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    web_concurrency: int = 2
    web_threads: int = 4
    graceful_timeout: int = 20
    shutdown_drain_seconds: float = 5.0
    state_dir: Path = Path(tempfile.gettempdir())
    multiproc_dir: Path | None = None
    enable_faults: bool = False
    fault_seed: Faults = field(default_factory=Faults)
    started_at: str = ""
    work_max_cpu_ms: int = DEFAULT_MAX_CPU_MS

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from `environ` (default: os.environ); raise SettingsError on bad input."""
        env = os.environ if environ is None else environ
        default = cls()
        multiproc = env.get("PROMETHEUS_MULTIPROC_DIR")
        state_dir = env.get("APP_STATE_DIR") or tempfile.mkdtemp(prefix="kindlab-state-")
        return cls(
            port=port_from_env(env),
            app_version=env.get("APP_VERSION") or default.app_version,
            pod_name=env.get("POD_NAME") or socket.gethostname(),
            log_level=_log_level(env),
            max_body_bytes=_integer(env, "MAX_BODY_BYTES", default.max_body_bytes, 1, 2**31),
            web_concurrency=_integer(env, "WEB_CONCURRENCY", default.web_concurrency, 1, 64),
            web_threads=_integer(env, "WEB_THREADS", default.web_threads, 1, 64),
            graceful_timeout=_integer(env, "GRACEFUL_TIMEOUT", default.graceful_timeout, 1, 3600),
            shutdown_drain_seconds=_seconds(
                env, "SHUTDOWN_DRAIN_SECONDS", default.shutdown_drain_seconds
            ),
            state_dir=Path(state_dir),
            multiproc_dir=Path(multiproc) if multiproc else None,
            enable_faults=parse_bool(env, "APP_ENABLE_FAULTS", default=default.enable_faults),
            fault_seed=_fault_seed(env),
            started_at=env.get("APP_STARTED_AT") or datetime.now(UTC).isoformat(),
            work_max_cpu_ms=_integer(
                env, "WORK_MAX_CPU_MS", default.work_max_cpu_ms, 1, MAX_CPU_MS_CEILING
            ),
        )


def port_from_env(environ: Mapping[str, str] | None = None) -> int:
    """The listening port alone, for callers (the HEALTHCHECK) that need nothing else."""
    return _integer(os.environ if environ is None else environ, "PORT", DEFAULT_PORT, 1, 65535)


def parse_bool(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    """Read a boolean env var; anything but a well-known word is an error, not silently false."""
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return _bool_word(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r}: expected one of {sorted(BOOL_WORDS)}") from None


def _bool_word(raw: str) -> bool:
    try:
        return BOOL_WORDS[raw.strip().lower()]
    except KeyError:
        raise ValueError(raw) from None


def _status_word(raw: str) -> int | None:
    return None if raw.strip().lower() in {"", "none", "null"} else int(raw)


_FAULT_ENV = {
    "delay_seconds": ("FAULT_DELAY_SECONDS", float),
    "status_code": ("FAULT_STATUS_CODE", _status_word),
    "ready": ("FAULT_READY", _bool_word),
    "hang_liveness": ("FAULT_HANG_LIVENESS", _bool_word),
    "path": ("FAULT_PATH", str),
}


def _fault_seed(env: Mapping[str, str]) -> Faults:
    """Faults a Deployment asks for through env; they apply even with APP_ENABLE_FAULTS off."""
    seed = Faults()
    for fault, (name, parse) in _FAULT_ENV.items():
        raw = env.get(name)
        if raw is None or raw.strip() == "":
            continue
        try:
            seed = seed.merged({fault: parse(raw.strip())})
        except ValueError as err:
            raise SettingsError(f"{name}={raw!r}: invalid {fault} ({err})") from None
    return seed


def _integer(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise SettingsError(f"{name}={raw!r}: expected an integer") from None
    if not low <= value <= high:
        raise SettingsError(f"{name}={value}: expected {low}..{high}")
    return value


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw.strip())
    except ValueError:
        raise SettingsError(f"{name}={raw!r}: expected a number of seconds") from None
    if not 0 <= value <= 3600:
        raise SettingsError(f"{name}={value}: expected 0..3600 seconds")
    return value


def _log_level(env: Mapping[str, str]) -> str:
    level = (env.get("LOG_LEVEL") or "INFO").strip().upper()
    if not isinstance(logging.getLevelName(level), int):
        raise SettingsError(
            f"LOG_LEVEL={level!r}: expected DEBUG, INFO, WARNING, ERROR or CRITICAL"
        )
    return level

from pathlib import Path

import pytest

from app.faults import Faults
from app.settings import Settings, SettingsError, port_from_env


def test_defaults_follow_the_contract(monkeypatch):
    monkeypatch.setattr("socket.gethostname", lambda: "host-1")
    settings = Settings.from_env({})
    assert settings.port == 5000
    assert settings.app_version == "dev"
    assert settings.pod_name == "host-1"
    assert settings.max_body_bytes == 1024 * 1024
    assert settings.enable_faults is False
    assert settings.multiproc_dir is None
    assert settings.fault_seed == Faults()
    assert settings.state_dir.is_dir()
    assert settings.work_max_cpu_ms == 200


def test_every_variable_is_read(tmp_path):
    env = {
        "PORT": "8080",
        "APP_VERSION": "2.0.0",
        "POD_NAME": "web-7",
        "LOG_LEVEL": "debug",
        "MAX_BODY_BYTES": "2048",
        "WEB_CONCURRENCY": "3",
        "WEB_THREADS": "8",
        "GRACEFUL_TIMEOUT": "7",
        "SHUTDOWN_DRAIN_SECONDS": "1.5",
        "APP_STATE_DIR": str(tmp_path),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "m"),
        "APP_ENABLE_FAULTS": "TRUE",
        "APP_STARTED_AT": "2026-05-01T00:00:00+00:00",
        "FAULT_DELAY_SECONDS": "0.25",
        "FAULT_STATUS_CODE": "503",
        "FAULT_READY": "no",
        "FAULT_HANG_LIVENESS": "on",
        "FAULT_PATH": "/data",
        "WORK_MAX_CPU_MS": "50",
    }
    s = Settings.from_env(env)
    assert (s.port, s.app_version, s.pod_name, s.log_level) == (8080, "2.0.0", "web-7", "DEBUG")
    assert (s.max_body_bytes, s.web_concurrency, s.web_threads) == (2048, 3, 8)
    assert (s.graceful_timeout, s.shutdown_drain_seconds) == (7, 1.5)
    assert (s.state_dir, s.multiproc_dir) == (tmp_path, Path(tmp_path / "m"))
    assert s.enable_faults is True
    assert s.started_at == "2026-05-01T00:00:00+00:00"
    assert s.work_max_cpu_ms == 50
    assert s.fault_seed == Faults(
        delay_seconds=0.25, status_code=503, ready=False, hang_liveness=True, path="/data"
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PORT": "http"}, "PORT='http': expected an integer"),
        ({"PORT": "70000"}, "PORT=70000: expected 1..65535"),
        ({"WEB_CONCURRENCY": "0"}, "WEB_CONCURRENCY=0"),
        ({"SHUTDOWN_DRAIN_SECONDS": "soon"}, "SHUTDOWN_DRAIN_SECONDS='soon'"),
        ({"SHUTDOWN_DRAIN_SECONDS": "-1"}, "expected 0..3600 seconds"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL='LOUD'"),
        ({"APP_ENABLE_FAULTS": "maybe"}, "APP_ENABLE_FAULTS='maybe'"),
        ({"FAULT_STATUS_CODE": "200"}, "FAULT_STATUS_CODE='200'"),
        ({"FAULT_STATUS_CODE": "x"}, "invalid status_code"),
        ({"FAULT_DELAY_SECONDS": "nan"}, "FAULT_DELAY_SECONDS='nan'"),
        ({"FAULT_READY": "sometimes"}, "FAULT_READY='sometimes'"),
        ({"WORK_MAX_CPU_MS": "0"}, "WORK_MAX_CPU_MS=0: expected 1..1000"),
        ({"WORK_MAX_CPU_MS": "1001"}, "WORK_MAX_CPU_MS=1001: expected 1..1000"),
        ({"WORK_MAX_CPU_MS": "5ms"}, "WORK_MAX_CPU_MS='5ms': expected an integer"),
    ],
)
def test_bad_values_stop_startup_naming_the_variable(env, message, tmp_path):
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(".", r"\.")):
        Settings.from_env({"APP_STATE_DIR": str(tmp_path), **env})


def test_blank_values_mean_default(tmp_path):
    s = Settings.from_env({"APP_STATE_DIR": str(tmp_path), "PORT": " ", "FAULT_STATUS_CODE": ""})
    assert s.port == 5000
    assert s.fault_seed.status_code is None


def test_null_status_word_clears_the_seed(tmp_path):
    s = Settings.from_env({"APP_STATE_DIR": str(tmp_path), "FAULT_STATUS_CODE": "none"})
    assert s.fault_seed.status_code is None


def test_port_from_env_reads_only_the_port():
    assert port_from_env({"PORT": "6000", "LOG_LEVEL": "nonsense"}) == 6000

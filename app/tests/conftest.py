"""Shared fixtures of the unit tier: an app per test, with its own state dir and registry, and
the production gunicorn config serving the app for real on a loopback port."""

from __future__ import annotations

import json
import os
import pathlib

import pytest

from app import create_app
from app.settings import Settings
from app.tests.server import Server


@pytest.fixture
def start_server(tmp_path):
    servers: list[Server] = []

    def start(**env: str) -> Server:
        servers.append(Server(tmp_path / str(len(servers)), **env))
        return servers[-1].start()

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def make_settings(tmp_path):
    def build(**overrides) -> Settings:
        values = {
            "app_version": "1.2.3",
            "pod_name": "pod-a",
            "state_dir": tmp_path / "state",
            "enable_faults": True,
            "started_at": "2026-01-01T00:00:00+00:00",
        }
        values.update(overrides)
        return Settings(**values)

    return build


@pytest.fixture
def make_client(make_settings):
    def build(**overrides):
        return create_app(make_settings(**overrides)).test_client()

    return build


@pytest.fixture
def client(make_client):
    return make_client()


@pytest.fixture
def logs(capsys):
    """Returns the JSON log records written so far; every stdout line must parse as JSON."""

    def read() -> list[dict]:
        return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]

    return read


@pytest.fixture
def vanish_after_look(monkeypatch):
    """Delete `path` right after the reader's stat() or fstat() of it: the race of a DELETE
    /fault on another worker, made to happen every time instead of once in ~1e6 reads."""

    def arm(path):
        real_stat, real_fstat = pathlib.Path.stat, os.fstat

        def stat(self, *args, **kwargs):
            result = real_stat(self, *args, **kwargs)
            if self == path:
                os.unlink(path)
            return result

        def fstat(fd):
            result = real_fstat(fd)
            try:
                if os.path.samestat(result, os.stat(path)):
                    os.unlink(path)
            except FileNotFoundError:
                pass
            return result

        monkeypatch.setattr(pathlib.Path, "stat", stat)
        monkeypatch.setattr(os, "fstat", fstat)

    return arm

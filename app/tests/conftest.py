"""Shared fixtures of the unit tier: an app per test, with its own state dir and registry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app import create_app
from app.settings import Settings


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.unit)


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

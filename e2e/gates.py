"""Shared test gate: tiers that need Docker skip only where it truly cannot run, never in CI."""

from __future__ import annotations

import os

import pytest

from kindlab.docker_engine import DockerUnavailable, ensure_docker


def require_docker(purpose: str) -> None:
    """Start Docker if it can be started; otherwise skip with the reason, or fail under CI."""
    try:
        ensure_docker()
    except DockerUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs Docker for {purpose}, and it is unavailable: {exc}")
        pytest.skip(f"{purpose} needs Docker, which is unavailable here: {exc}")

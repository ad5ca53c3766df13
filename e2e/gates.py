"""The Docker gate of the smoke and cluster tiers: skip only where Docker truly cannot run,
never in CI. It lives with the tests, not in the kindlab tool package."""

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

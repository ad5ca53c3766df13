"""The gates of the smoke, cluster and browser checks: skip only where Docker or the browser
truly cannot run, never in CI. They live with the tests, not in the kindlab tool package."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kindlab.host.docker_engine import DockerUnavailable, ensure_docker


def require_docker(purpose: str) -> None:
    """Start Docker if it can be started; otherwise skip with the reason, or fail under CI."""
    try:
        ensure_docker()
    except DockerUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs Docker for {purpose}, and it is unavailable: {exc}")
        pytest.skip(f"{purpose} needs Docker, which is unavailable here: {exc}")


def require_browser(chromium: Path) -> None:
    """The browser checks need Debian's Chromium: skip with the reason, or fail under CI."""
    if chromium.exists():
        return
    reason = f"the browser checks need {chromium} (apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(f"CI: {reason}")
    pytest.skip(reason)

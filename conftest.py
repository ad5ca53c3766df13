"""Root pytest plugin: a test's folder is its tier, cluster fixtures only where a tier needs
them, and progress on the terminal.

Tiers are selected with `-m` (tox.ini). Marking by folder, in this one place, means a new test
file is always in exactly one tier: a file in no tier folder is an error, never silently run by
none. The cluster fixtures (kindlab.testing.fixtures) are registered only for runs that collect
a cluster tier, so the static and unit tiers never load them.

Long fixtures (air-gapped builds, cluster creation, waits) print through kindlab.core.output;
under capture those lines would only appear after the test, so a CI log or a terminal would
look hung for minutes. At configure time fd 2 is still the real stderr: a duplicate of it
stays the terminal after pytest redirects fd 2.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kindlab.core import output
from kindlab.testing.options import add_cluster_options

ROOT = Path(__file__).parent
# Folder -> tier; the most specific folder wins.
TIERS = {
    "app/tests": "unit",
    "kindlab/tests": "unit",
    "labs/tests/unit": "unit",
    "labs/tests": "labs",
    "tests/lint": "lint",
    "tests/smoke": "smoke",
    "tests/distro": "distro",
    "tests/gitlab": "gitlab",
    "e2e": "e2e",
}
CLUSTER_TIERS = {"e2e", "labs", "gitlab"}
CLUSTER_FIXTURES = "kindlab.testing.fixtures"


def tier_of(path: Path) -> str | None:
    """The tier of a test file or folder, by the most specific tier folder that holds it."""
    for folder in sorted(TIERS, key=len, reverse=True):
        if path.resolve().is_relative_to(ROOT / folder):
            return TIERS[folder]
    return None


def selected_tiers(config: pytest.Config) -> set[str]:
    """The tiers the run's paths can collect (all of them for a bare `pytest`)."""
    paths = [ROOT / arg.split("::")[0] for arg in config.args] or [ROOT]
    tiers: set[str] = set()
    for path in paths:
        tier = tier_of(path)
        if tier:
            tiers.add(tier)
        else:
            tiers |= {t for f, t in TIERS.items() if (ROOT / f).is_relative_to(path.resolve())}
    return tiers


def pytest_addoption(parser: pytest.Parser) -> None:
    add_cluster_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    if selected_tiers(config) & CLUSTER_TIERS:
        config.pluginmanager.import_plugin(CLUSTER_FIXTURES)
    terminal = os.fdopen(os.dup(2), "w", buffering=1, encoding="utf-8", errors="replace")
    output.send_to(terminal)
    config.add_cleanup(lambda: (output.send_to(None), terminal.close()))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test with its folder's tier before `-m` selects."""
    for item in items:
        tier = tier_of(item.path)
        if tier is None:
            raise pytest.UsageError(
                f"{item.nodeid} is in no tier folder; put it under one of: {', '.join(TIERS)}"
            )
        item.add_marker(getattr(pytest.mark, tier))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> object:
    """A long test says every 10 s of silence that it still runs (and which one)."""
    with output.heartbeat(f"running {item.nodeid}"):
        return (yield)

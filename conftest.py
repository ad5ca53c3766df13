"""Root pytest plugin: the cluster fixtures, registered once, and progress on the terminal.

The e2e suite and the lab self-tests share e2e.fixtures; registering it here (not by a star
import in each conftest) lets one pytest run cover both.

Long fixtures (air-gapped builds, cluster creation, waits) print through kindlab.progress; under
capture those lines would only appear after the test, so a CI log or a terminal would look
hung for minutes. At configure time fd 2 is still the real stderr: a duplicate of it stays
the terminal after pytest redirects fd 2.
"""

import os

import pytest

from kindlab import progress

pytest_plugins = ["e2e.fixtures"]


def pytest_configure(config: pytest.Config) -> None:
    terminal = os.fdopen(os.dup(2), "w", buffering=1, encoding="utf-8", errors="replace")
    progress.send_to(terminal)
    config.add_cleanup(lambda: (progress.send_to(None), terminal.close()))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> object:
    """A long test says every 10 s of silence that it still runs (and which one)."""
    with progress.heartbeat(f"running {item.nodeid}"):
        return (yield)

"""The lab self-tests run on the e2e suite's cluster fixtures (kindlab.testing.fixtures, which
the root conftest.py registers for the cluster tiers), not a copy.

The cluster name defaults to `kindlab`, so a cluster from `tox -e up` is reused and left
running; one this session creates is deleted at the end unless --keep-cluster is given.
"""

from pathlib import Path

import pytest

from kindlab.bringup.addons import Endpoints
from kindlab.cluster.lifecycle import Cluster
from kindlab.core.paths import REPO_ROOT
from labs import catalog
from labs.session import Session

LABS_REPORT = REPO_ROOT / "reports" / "labs-report.json"


@pytest.fixture(scope="session")
def run_report_path() -> Path:
    """The e2e fixtures' measurements, plus ours per lab, in a report of their own."""
    return LABS_REPORT


@pytest.fixture(scope="session")
def labs_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Workspace and progress file of the self-tests: never a learner's own."""
    return tmp_path_factory.mktemp("labs-home")


@pytest.fixture(scope="session")
def session(deployed_app: Cluster, endpoints: Endpoints, labs_home: Path) -> Session:
    return Session.from_cluster(deployed_app, endpoints, labs_home / "work")


def holds_the_load_slot(item: pytest.Item) -> bool:
    """A lab self-test that holds the machine's load slot throughout (test_labs.machine_load)."""
    callspec = getattr(item, "callspec", None)
    number = callspec.params.get("number") if callspec else None
    fixtures = getattr(item, "fixturenames", ())
    return number is not None and "machine_load" in fixtures and catalog.get(number).steady_traffic


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Labs whose start leaves traffic running go first, once the cluster is up. Such a lab
    holds the machine's load slot for minutes (lab 11: about four), and early in `tox -m ci` the
    gitlab tier's e2e job is still making its cluster, with no traffic of its own to hold back.
    Run last, lab 11 held up that job's rollout tests by 100 to 130 s (s11e, s12a, 2026-12-07)."""
    items.sort(key=lambda item: not holds_the_load_slot(item))

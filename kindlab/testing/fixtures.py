"""Cluster fixtures shared by the e2e suite and the lab self-tests (a pytest plugin module).

Layers: cluster → images → add-ons → deployed app → clients.

Each layer is one fixture running one step of kindlab.bringup.steps, the sequence `tox -e up`
and labctl run too. The cluster is torn down at the end unless --keep-cluster is given,
including after failures and Ctrl-C (fixture finalizers run on both).
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from kindlab.bringup import diagnostics
from kindlab.bringup.addons import Endpoints
from kindlab.bringup.preflight import HostNotReady, require_ready
from kindlab.bringup.provision import resolve_platform
from kindlab.bringup.steps import BringUp
from kindlab.build.dockerimages import image_labels, pull
from kindlab.clients.ingress import IngressClient
from kindlab.clients.prom import Prometheus
from kindlab.cluster.identity import BadClusterName, checked_cluster_name, default_cluster_name
from kindlab.cluster.lifecycle import Cluster
from kindlab.cluster.names import APP_REPOSITORY, APP_TAG
from kindlab.cluster.platform import ClusterPlatform
from kindlab.core.output import say
from kindlab.core.paths import REPO_ROOT
from kindlab.core.process import run
from kindlab.core.versions import pins
from kindlab.drills import appops
from kindlab.host import cpuweight
from kindlab.load.charts import write_html
from kindlab.testing.gates import require_docker
from kindlab.testing.report import RunReport

ARTIFACTS = REPO_ROOT / "e2e-artifacts"
REPORT = REPO_ROOT / "reports" / "e2e-report.json"
ROLLOUT_TAG = "v2"
PYTEST_KIND_DEFAULT_NAME = "pytest-kind"
# Set by .ci/run so the labs tier reuses the cluster the e2e tier made (deleted at its end).
KEEP_ENV = "KINDLAB_KEEP_CLUSTER"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Smoke tests run first, right after deploy: no point in rollouts if the app is down."""
    items.sort(key=lambda item: item.get_closest_marker("smoke") is None)


@pytest.fixture(scope="session")
def run_report_path() -> Path:
    """Where the measured figures go; the lab self-tests override it."""
    return REPORT


@pytest.fixture(scope="session")
def run_report(run_report_path: Path) -> Iterator[RunReport]:
    report = RunReport(run_report_path)
    yield report
    written = report.write({"pins": pins()})
    say(f"report of measured figures: {written}")
    if report.has_traffic():
        say(f"traffic charts: {write_html(written)}")


def cluster_name(pytestconfig: pytest.Config) -> str:
    """--cluster-name, else KINDLAB_CLUSTER_NAME or kindlab; a bad name stops the session."""
    name = pytestconfig.getoption("cluster_name")
    try:
        if name == PYTEST_KIND_DEFAULT_NAME:
            return default_cluster_name()
        return checked_cluster_name(name)
    except BadClusterName as exc:
        pytest.exit(str(exc), returncode=pytest.ExitCode.USAGE_ERROR)


@pytest.fixture(scope="session")
def cluster_platform(pytestconfig: pytest.Config) -> ClusterPlatform:
    try:
        # `kindlab doctor` before any build: a prebuilt app image needs no BuildKit, and Go
        # only warns (a warm cache needs none; vegeta says so itself when it must be built).
        require_ready(
            cluster_name(pytestconfig),
            go_required=False,
            buildkit_required=not pytestconfig.getoption("app_image"),
        )
    except HostNotReady as exc:
        pytest.exit(f"kindlab doctor: {exc}", returncode=1)
    require_docker("a kind cluster")
    platform = resolve_platform(pytestconfig.getoption("airgap"))
    overrides = {
        "kind": pytestconfig.getoption("kind_bin"),
        "kubectl": pytestconfig.getoption("kind_kubectl_bin"),
        "node_image": pytestconfig.getoption("kind_image"),
    }
    chosen = {k: v if k == "node_image" else Path(v) for k, v in overrides.items() if v}
    return dataclasses.replace(platform, **chosen)


@pytest.fixture(scope="session")
def bringup(pytestconfig: pytest.Config, cluster_platform: ClusterPlatform) -> BringUp:
    return BringUp(cluster_platform, cluster_name(pytestconfig))


@pytest.fixture(scope="session")
def cluster(
    pytestconfig: pytest.Config, bringup: BringUp, run_report: RunReport
) -> Iterator[Cluster]:
    made = bringup.cluster()
    platform = made.platform
    run_report.record(
        "cluster",
        name=made.name,
        airgap=platform.airgap,
        node_image=platform.node_image,
        reused=not made.created,
        create_seconds=bringup.seconds["cluster"],
    )
    try:
        yield made
    finally:
        if not made.created:
            say(f"leaving cluster {made.name!r} running: it existed before this session")
        elif pytestconfig.getoption("keep_cluster") or os.environ.get(KEEP_ENV) == "1":
            say(f"keeping cluster {made.name!r}; delete it with: tox -e down -- --name {made.name}")
        else:
            made.delete()


@pytest.fixture(scope="session")
def app_images(pytestconfig: pytest.Config, cluster: Cluster, bringup: BringUp) -> dict[str, str]:
    """The release under test and a second tag for rollouts, both loaded into the node."""
    local = f"{APP_REPOSITORY}:{APP_TAG}"
    rollout = f"{APP_REPOSITORY}:{ROLLOUT_TAG}"
    prebuilt = pytestconfig.getoption("app_image")
    if prebuilt:
        say(f"testing the prebuilt image {prebuilt}")
        if image_labels(prebuilt) is None and not pull(prebuilt):
            pytest.fail(f"--app-image {prebuilt} is neither local nor pullable")
        for ref in (local, rollout):
            run(["docker", "tag", prebuilt, ref])
    else:
        bringup.app_image(APP_TAG)
        bringup.app_image(ROLLOUT_TAG)
    cluster.load_image(rollout)
    return {"v1": local, "v2": rollout}


@pytest.fixture(scope="session")
def endpoints(cluster: Cluster, bringup: BringUp, run_report: RunReport) -> Endpoints:
    urls = bringup.addons()
    run_report.record("addons", deploy_seconds=bringup.seconds["addons"])
    return urls


@pytest.fixture(scope="session")
def deployed_app(
    bringup: BringUp,
    app_images: dict[str, str],
    endpoints: Endpoints,
    run_report: RunReport,
) -> Cluster:
    made = bringup.app(app_images["v1"])
    bringup.serving()
    run_report.record(
        "app", deploy_seconds=round(bringup.seconds["app"] + bringup.seconds["serving"], 1)
    )
    cpuweight.give_way_if_told(made.nodes())
    return made


@pytest.fixture(scope="session")
def ingress(deployed_app: Cluster, endpoints: Endpoints) -> IngressClient:
    return IngressClient(endpoints.ingress, endpoints.ingress_host)


@pytest.fixture(scope="session")
def prom(endpoints: Endpoints) -> Prometheus:
    return Prometheus(endpoints.prometheus)


@pytest.fixture
def restore_app(deployed_app: Cluster) -> Iterator[Cluster]:
    """For tests that change the Deployment: put back the committed overlay afterwards."""
    yield deployed_app
    appops.restore(deployed_app.kube)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator:
    report = yield
    if report.failed and call.when in {"setup", "call"}:
        made = item.funcargs.get("cluster") or item.funcargs.get("deployed_app")
        if isinstance(made, Cluster):
            diagnostics.dump(made, ARTIFACTS / _safe(item.nodeid))
    return report


def _safe(nodeid: str) -> Path:
    return Path(re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid))

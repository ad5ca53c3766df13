"""Cluster fixtures shared by the e2e suite and the lab self-tests (a pytest plugin module).

Layers: cluster → images → add-ons → deployed app → clients.

Each layer is one fixture with one job, built on kindlab.cluster so `tox -e up` and the labs
run the very same steps. The cluster is torn down at the end unless --keep-cluster is given,
including after failures and Ctrl-C (fixture finalizers run on both).
"""

from __future__ import annotations

import dataclasses
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from e2e.gates import require_docker
from e2e.report import RunReport
from kindlab.airgap.dockerimages import image_labels, pull
from kindlab.cluster import appops, diagnostics, stack
from kindlab.cluster.platform import ClusterPlatform, resolve_platform
from kindlab.cluster.stack import DEFAULT_CLUSTER_NAME
from kindlab.ingress import IngressClient
from kindlab.progress import run, say
from kindlab.prom import Prometheus
from kindlab.versions import REPO_ROOT, pins

ARTIFACTS = REPO_ROOT / "e2e-artifacts"
REPORT = REPO_ROOT / "reports" / "e2e-report.json"
ROLLOUT_TAG = "v2"
PYTEST_KIND_DEFAULT_NAME = "pytest-kind"
# Set by .ci/run so the labs tier reuses the cluster the e2e tier made (deleted at its end).
KEEP_ENV = "KINDLAB_KEEP_CLUSTER"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Ours on top of pytest-kind's (--cluster-name, --keep-cluster, --kind-bin, --kind-image)."""
    group = parser.getgroup("kindlab", "kindlab e2e cluster")
    group.addoption(
        "--airgap",
        dest="airgap",
        action="store_true",
        default=None,
        help="use the locally built kind/node/add-on images (default: when no registry answers)",
    )
    group.addoption(
        "--online", dest="airgap", action="store_false", help="use upstream images and binaries"
    )
    group.addoption(
        "--app-image",
        default=os.environ.get("KINDLAB_APP_IMAGE"),
        help="test this prebuilt image (e.g. the one CI pushed) instead of building one",
    )


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
    say(f"report of measured figures: {report.write({'pins': pins()})}")


@pytest.fixture(scope="session")
def cluster_platform(pytestconfig: pytest.Config) -> ClusterPlatform:
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
def lab(
    pytestconfig: pytest.Config, cluster_platform: ClusterPlatform, run_report: RunReport
) -> Iterator[stack.LabCluster]:
    name = pytestconfig.getoption("cluster_name")
    if name == PYTEST_KIND_DEFAULT_NAME:
        name = os.environ.get("KINDLAB_CLUSTER_NAME", DEFAULT_CLUSTER_NAME)
    started = time.monotonic()
    cluster = stack.start_cluster(cluster_platform, name)
    reused = not cluster.created
    run_report.record(
        "cluster",
        name=name,
        airgap=cluster_platform.airgap,
        node_image=cluster_platform.node_image,
        reused=reused,
        create_seconds=round(time.monotonic() - started, 1),
    )
    try:
        yield cluster
    finally:
        if reused:
            say(f"leaving cluster {name!r} running: it existed before this session")
        elif pytestconfig.getoption("keep_cluster") or os.environ.get(KEEP_ENV) == "1":
            say(f"keeping cluster {name!r}; delete it with: tox -e down -- --name {name}")
        else:
            cluster.delete()


@pytest.fixture(scope="session")
def app_images(pytestconfig: pytest.Config, lab: stack.LabCluster) -> dict[str, str]:
    """The release under test and a second tag for rollouts, both loaded into the node."""
    local = f"{stack.APP_REPOSITORY}:{stack.APP_TAG}"
    rollout = f"{stack.APP_REPOSITORY}:{ROLLOUT_TAG}"
    prebuilt = pytestconfig.getoption("app_image")
    if prebuilt:
        say(f"testing the prebuilt image {prebuilt}")
        if image_labels(prebuilt) is None and not pull(prebuilt):
            pytest.fail(f"--app-image {prebuilt} is neither local nor pullable")
        for ref in (local, rollout):
            run(["docker", "tag", prebuilt, ref])
    else:
        stack.build_app_image(stack.APP_TAG)
        stack.build_app_image(ROLLOUT_TAG)
    lab.load_image(rollout)
    return {"v1": local, "v2": rollout}


@pytest.fixture(scope="session")
def endpoints(lab: stack.LabCluster, run_report: RunReport) -> stack.Endpoints:
    started = time.monotonic()
    urls = stack.deploy_addons(lab)
    run_report.record("addons", deploy_seconds=round(time.monotonic() - started, 1))
    return urls


@pytest.fixture(scope="session")
def deployed_app(
    lab: stack.LabCluster,
    app_images: dict[str, str],
    endpoints: stack.Endpoints,
    run_report: RunReport,
) -> stack.LabCluster:
    started = time.monotonic()
    stack.deploy_app(lab, app_images["v1"])
    stack.wait_until_serving(lab.kube, endpoints)
    run_report.record("app", deploy_seconds=round(time.monotonic() - started, 1))
    return lab


@pytest.fixture(scope="session")
def ingress(deployed_app: stack.LabCluster, endpoints: stack.Endpoints) -> IngressClient:
    return IngressClient(endpoints.ingress, endpoints.ingress_host)


@pytest.fixture(scope="session")
def prom(endpoints: stack.Endpoints) -> Prometheus:
    return Prometheus(endpoints.prometheus)


@pytest.fixture
def restore_app(deployed_app: stack.LabCluster) -> Iterator[stack.LabCluster]:
    """For tests that change the Deployment: put back the committed overlay afterwards."""
    yield deployed_app
    appops.restore(deployed_app.kube)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator:
    report = yield
    if report.failed and call.when in {"setup", "call"}:
        cluster = item.funcargs.get("lab") or item.funcargs.get("deployed_app")
        if isinstance(cluster, stack.LabCluster):
            diagnostics.dump(cluster, ARTIFACTS / _safe(item.nodeid))
    return report


def _safe(nodeid: str) -> Path:
    return Path(re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid))

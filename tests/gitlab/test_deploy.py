"""The deploy job of `.gitlab-ci.yml`, run for real: gitlab-ci-local, a kind cluster as production.

"Production" is the lab stack brought up as `tox -e up` does (cluster, then add-ons: Traefik,
Prometheus, ...; e2e's fixtures) on the cluster $KINDLAB_CLUSTER_NAME, with no app: the deploy
job creates it (an app an earlier tier left there, the labs' in `tox -m ci`, is removed first).
Each release is a commit of a throwaway repository holding this checkout's files, so
$CI_COMMIT_SHA, and with it $APP_IMAGE, differs per release, as in GitLab.

Two changes to the production overlay there: its CPU request per pod, 500m, becomes 100m, and
its autoscaler's ceiling, 20 pods, becomes 6. A kind node offers the scheduler the host's CPUs (2
here), the control plane and add-ons ask for 1.2 of them, so the pods and a rollout's surge pod
must fit in the remaining 0.8 (PRODUCTION_SIZING): 8 pods of 100m at most. One pod over the
floor of 5 is all the autoscaled release needs, and each pod more is one more step of its
rollout (7 pods: a 134 s job, 6: 56 s; s14b, s14a). Two
worker nodes would fit the committed requests, but each node holds its own copy of every add-on
image, which the disk of a shared CI machine did not have room for.

- A good tag rolls out: the job passes, the Deployment runs $APP_IMAGE, and every pod reports
  the tag as its version through the ingress. Being the first release, it starts at the
  autoscaler's floor: the HPA never had to raise it from Kubernetes' default of one pod (which
  once left the next test's 100 req/s on a single pod for its first 15 s).
- A bad tag, whose image never becomes Ready (FAULT_READY=false baked in: the fault e2e's stalled
  release sets through env), fails the job after it undid the rollout; the Deployment is back
  on the previous image, and under steady traffic through the ingress from before the job
  until the stuck pod is gone, every request is answered by the previous release.
- Negative control: the same bad tag with the rollback lines taken out of the job leaves the
  Deployment on the bad image, and the rollback check says so.
- A deploy under load that the autoscaler answered (4 req/s of GET /work?cpu_ms=100: 0.4 cores
  against the 5 pods' 0.5 requested, over the HPA's 70 % target) keeps the replicas the autoscaler
  chose: the production overlay leaves the count to the HPA. Negative control: what a deploy of an
  overlay with `replicas: 5` writes (the mistake the overlay once had: the Deployment's count set
  to 5 under that load) is reported by the same check.

Figures (job times, traffic) go to reports/deploy-report.json, charted in deploy-report.html.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest
import yaml

from kindlab.bringup import health
from kindlab.bringup.addons import Endpoints
from kindlab.bringup.steps import BringUp
from kindlab.build.dockerimages import build_dockerfile_image, image_id
from kindlab.clients.ingress import IngressClient
from kindlab.cluster.lifecycle import Cluster
from kindlab.cluster.names import APP_CONTAINER, APP_NAME, APP_NAMESPACE
from kindlab.core import wait
from kindlab.core.paths import REPO_ROOT
from kindlab.drills import appops, autoscaling
from kindlab.host import cpuweight
from kindlab.load.traffic import VERSION_HEADER, traffic
from kindlab.pipeline import production, runner
from kindlab.pipeline.production import Release
from kindlab.testing.report import RunReport

REPORT = REPO_ROOT / "reports" / "deploy-report.json"
# Appended to the production overlay's patches in the throwaway repository (see the docstring).
PRODUCTION_SIZING = (
    {
        "target": {"kind": "Deployment", "name": APP_NAME},
        "patch": (
            "- op: replace\n"
            "  path: /spec/template/spec/containers/0/resources/requests/cpu\n"
            "  value: 100m\n"
        ),
    },
    {
        "target": {"kind": "HorizontalPodAutoscaler", "name": APP_NAME},
        "patch": "- op: replace\n  path: /spec/maxReplicas\n  value: 6\n",
    },
)
PRODUCTION_KUSTOMIZATION = "k8s/overlays/production/kustomization.yaml"
# Half e2e's rate: with a fifth of production's CPU request, e2e's 200 req/s put the pods at 60 %
# of it (70 % scales out), and the autoscaler went to 7 pods during the bad tag's deploy. At this
# rate the autoscaler leaves the 5 pods alone, so the deploy is the only thing that changes.
RATE = 100.0
MIN_RATE = 0.95 * RATE
GOOD_TAG = "v1.2.3"
BAD_TAG = "v1.2.4"
NEVER_READY_IMAGE = "kindlab/app:never-ready"
# Long enough to see that a pod never becomes Ready (readiness is probed every 5 s).
SHORT_ROLLOUT = "30s"
VERSION_SAMPLE = 50
# The previous release alone first, so the charts show the change against a baseline.
BASELINE_SECONDS = 3
SETTLE_SECONDS = 180
ROLLBACK_START = 'echo "rollout of $APP_IMAGE failed: rolling back"'
# The autoscaled deploy: load the HPA answers, under the production edge's limit of 5 requests/s
# per client on /work (k8s/addons/traefik/dynamic.yaml): 4/s x 100 ms = 0.4 cores of CPU against
# the 5 pods' 0.5 requested, over the HPA's 70 % target.
WORK_RATE, WORK = 4.0, "/work?cpu_ms=100"
SCALED_REPLICAS = 6
SCALE_OUT_SECONDS = 300
AUTOSCALED_TAG = "v1.3.0"
# What an overlay that pins the count (the production overlay once did) writes at each deploy.
PINNED_REPLICAS = 5
# The replica observer samples once a second.
PINNED_OBSERVED_SECONDS = 3


# --- the cluster playing production ------------------------------------------------------------


@pytest.fixture(scope="session")
def run_report_path() -> Path:
    return REPORT


@pytest.fixture(scope="module")
def ingress(endpoints: Endpoints) -> IngressClient:
    """The production overlay's Ingress has the lab's host, on the cluster's (offset) port."""
    return IngressClient(endpoints.ingress, endpoints.ingress_host)


@pytest.fixture(scope="module")
def job_runner(cluster: Cluster) -> runner.Runner:
    return runner.prepare(cluster.platform.airgap, production.job_images())


# --- releases: commits of a throwaway repository -----------------------------------------------


@dataclass(frozen=True)
class WorkTree:
    """A git repository holding this checkout's files (committed or not), as a tag's commit."""

    path: Path

    @classmethod
    def of_checkout(cls, path: Path) -> WorkTree:
        listing = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=REPO_ROOT,
            capture_output=True,
            check=True,
        ).stdout.decode()
        for name in filter(None, listing.split("\0")):
            source = REPO_ROOT / name
            if source.is_file():
                (path / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, path / name)
        tree = cls(path)
        tree.git("init", "-q", "-b", "main")
        return tree

    def size_production_for_this_machine(self) -> None:
        overlay = self.path / PRODUCTION_KUSTOMIZATION
        kustomization = yaml.safe_load(overlay.read_text())
        kustomization["patches"].extend(PRODUCTION_SIZING)
        overlay.write_text(yaml.safe_dump(kustomization, sort_keys=False))

    def git(self, *args: str) -> str:
        identity = ["-c", "user.name=kindlab tests", "-c", "user.email=tests@kindlab.test"]
        done = subprocess.run(
            ["git", *identity, *args], cwd=self.path, capture_output=True, text=True, check=True
        )
        return done.stdout

    def commit(self, message: str, files: Mapping[str, str] | None = None) -> str:
        for name, text in (files or {}).items():
            (self.path / name).write_text(text)
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD").strip()


@pytest.fixture(scope="module")
def work_tree(tmp_path_factory: pytest.TempPathFactory) -> WorkTree:
    tree = WorkTree.of_checkout(tmp_path_factory.mktemp("release"))
    tree.size_production_for_this_machine()
    return tree


@dataclass(frozen=True)
class Shipped:
    tag: str
    image: str
    result: runner.PipelineRun


def ship(
    job_runner: runner.Runner,
    cluster: Cluster,
    tree: WorkTree,
    release: Release,
    run_report: RunReport,
    scenario: str,
) -> Shipped:
    image = production.app_image(tree.path)
    result = production.deploy(job_runner, cluster, release)
    run_report.record(scenario, tag=release.tag, image=image, passed=result.passed,
                      job_seconds=round(result.seconds, 1))  # fmt: skip
    return Shipped(release.tag, image, result)


@pytest.fixture(scope="module")
def production_cluster(cluster: Cluster, endpoints: Endpoints) -> Cluster:
    """Production before its first release: the add-ons and no app. In `tox -m ci` the labs
    self-test's cluster plays it (tox.ini: no second cluster made beside the e2e job's traffic),
    so whatever the labs left of the app goes first."""
    appops.remove_app(cluster.kube)
    cpuweight.give_way_if_told(cluster.nodes())
    return cluster


@pytest.fixture(scope="module")
def good_release(
    job_runner: runner.Runner,
    production_cluster: Cluster,
    bringup: BringUp,
    work_tree: WorkTree,
    run_report: RunReport,
) -> Shipped:
    """Tag GOOD_TAG of a commit whose build is the app image from the Dockerfile."""
    image = bringup.app_image()
    work_tree.commit(f"release {GOOD_TAG}")
    release = Release(GOOD_TAG, image, work_tree.path)
    return ship(job_runner, production_cluster, work_tree, release, run_report, "deploy_good_tag")


@pytest.fixture(scope="module")
def never_ready_image(good_release: Shipped, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The good build with FAULT_READY=false: /ready answers 503, /health 200, forever."""
    context = tmp_path_factory.mktemp("never-ready")
    (context / "Dockerfile").write_text("ARG BASE\nFROM $BASE\nENV FAULT_READY=false\n")
    base = good_release.image
    build_dockerfile_image(
        NEVER_READY_IMAGE, context, {"BASE": base}, f"never-ready-{image_id(base)}"
    )
    return NEVER_READY_IMAGE


def deployment_release(cluster: Cluster) -> tuple[str, str]:
    """(image, version label) of the app the Deployment asks for."""
    template = cluster.kube.apps.read_namespaced_deployment(APP_NAME, APP_NAMESPACE).spec.template
    (image,) = [c.image for c in template.spec.containers if c.name == APP_CONTAINER]
    return image, template.metadata.labels.get(appops.VERSION_LABEL)


def rollback_problems(cluster: Cluster, previous: Shipped) -> list[str]:
    """The Deployment asks for the previous release again, and all its pods are available."""
    image, version = deployment_release(cluster)
    problems = []
    if (image, version) != (previous.image, previous.tag):
        problems.append(f"the Deployment runs {image} ({version}), not {previous.image}")
    dep = cluster.kube.apps.read_namespaced_deployment(APP_NAME, APP_NAMESPACE)
    if (dep.status.available_replicas or 0) != dep.spec.replicas:
        problems.append(f"{dep.status.available_replicas}/{dep.spec.replicas} pods available")
    return problems


def wait_settled(cluster: Cluster) -> None:
    """Every pod of other releases (draining in its preStop pause) or stuck has gone."""

    def settled() -> tuple[bool, str]:
        return appops.settled(cluster.kube, appops.replicas(cluster.kube))()

    wait.wait_for(settled, "the app to settle", SETTLE_SECONDS)


def replicas_lowered(observed: list[tuple[float, int]], since: float, floor: int) -> list[str]:
    """When, from `since` (Unix time) on, the Deployment asked for fewer than `floor` pods."""
    return [
        f"{value} at +{t - since:.0f} s" for t, value in observed if t >= since and value < floor
    ]


def without_rollback(pipeline: str) -> str:
    """.gitlab-ci.yml with the deploy job's undo taken out: a failed rollout still fails it."""
    lines = pipeline.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if ROLLBACK_START in line)
    kept = [*lines[:start], *lines[start + 3 :]]
    text = "".join(kept)
    if "rollout undo" in text or "exit 1" not in text:
        raise AssertionError("the rollback lines of the deploy job are not where expected")
    return text


# --- tests -------------------------------------------------------------------------------------


def test_good_tag_rolls_out_and_pods_report_the_tag(good_release, cluster, ingress):
    assert good_release.result.passed, good_release.result.log(production.JOB)[-3000:]
    assert deployment_release(cluster) == (good_release.image, GOOD_TAG)
    hpa = autoscaling.read(cluster.kube)
    assert appops.replicas(cluster.kube) == hpa.spec.min_replicas
    assert hpa.status.last_scale_time is None, "the HPA had to scale the first release up"
    wait_settled(cluster)
    wait.wait_for(health.every_pod_serves(cluster.kube, ingress), "every pod to serve", 120)
    replies = [ingress.get("/version") for _ in range(VERSION_SAMPLE)]
    assert {(r.status_code, r.headers.get(VERSION_HEADER)) for r in replies} == {(200, GOOD_TAG)}


def test_bad_tag_fails_after_undoing_while_the_previous_release_serves(
    good_release, never_ready_image, job_runner, cluster, work_tree, ingress, run_report
):
    assert good_release.result.passed, "needs a good release to fall back to"
    wait_settled(cluster)
    work_tree.commit(f"release {BAD_TAG}: pods never Ready")
    release = Release(
        BAD_TAG, never_ready_image, work_tree.path, {"ROLLOUT_TIMEOUT": SHORT_ROLLOUT}
    )
    started = time.monotonic()
    with traffic(ingress, rate=RATE, observe=lambda: appops.ready_pods(cluster.kube)) as report:
        time.sleep(BASELINE_SECONDS)
        bad = ship(job_runner, cluster, work_tree, release, run_report, "deploy_bad_tag")
        problems = rollback_problems(cluster, good_release)
        if not problems:
            wait_settled(cluster)  # the stuck pod stops: the traffic goes on until it is gone
    run_report.record_traffic(
        "deploy_bad_tag", report, traffic_seconds=round(time.monotonic() - started, 1)
    )
    log = bad.result.log(production.JOB)
    assert not bad.result.passed, log[-3000:]
    assert problems == []
    assert not report.failed, report.summary()
    assert report.rate() >= MIN_RATE, report.summary()
    assert report.sent >= MIN_RATE * bad.result.seconds, report.summary()
    assert set(report.versions()) == {GOOD_TAG}, report.summary()
    assert re.search(r"rollout of \S+ failed: rolling back", log), log[-3000:]


def test_rollback_check_fails_when_the_job_does_not_undo(
    good_release, never_ready_image, job_runner, cluster, work_tree, run_report
):
    """Negative control: the bad tag with the job's undo removed stays on the bad image."""
    assert good_release.result.passed, "needs a good release to fall back to"
    wait_settled(cluster)
    broken = without_rollback((work_tree.path / ".gitlab-ci.yml").read_text())
    work_tree.commit("deploy job without rollback", {".gitlab-ci.yml": broken})
    release = Release(
        BAD_TAG, never_ready_image, work_tree.path, {"ROLLOUT_TIMEOUT": SHORT_ROLLOUT}
    )
    try:
        bad = ship(job_runner, cluster, work_tree, release, run_report, "deploy_without_rollback")
        problems = rollback_problems(cluster, good_release)
    finally:
        appops.rollout_undo(cluster.kube)
        appops.wait_rolled_out(cluster.kube)
        wait_settled(cluster)
    assert not bad.result.passed
    assert any(f"the Deployment runs {bad.image}" in p for p in problems), problems


def test_a_deploy_under_autoscaled_load_keeps_the_autoscalers_replicas(
    good_release, bringup, job_runner, cluster, work_tree, ingress, run_report
):
    """The HPA scales out under CPU load; a release shipped then keeps its count. Negative
    control: what a deploy of an overlay with `replicas: 5` writes (the Deployment's count, 5)
    is caught by the same check."""
    assert good_release.result.passed, "needs a first release"
    wait_settled(cluster)
    kube, samples = cluster.kube, []
    started = time.monotonic()
    observe = partial(appops.replicas, kube)
    with traffic(ingress, rate=WORK_RATE, path=WORK, observe=observe) as load:
        wait.wait_for(
            autoscaling.scaled_out(kube, SCALED_REPLICAS, samples, started),
            f"the autoscaler to scale to {SCALED_REPLICAS}",
            SCALE_OUT_SECONDS,
        )
        chosen = appops.replicas(kube)
        kept_from = time.time()
        work_tree.commit(f"release {AUTOSCALED_TAG}")
        release = Release(AUTOSCALED_TAG, bringup.app_image(), work_tree.path)
        kept = ship(job_runner, cluster, work_tree, release, run_report, "deploy_autoscaled")
        lowered = replicas_lowered(load.observed, kept_from, chosen)
        pinned_from = time.time()
        kube.apps.patch_namespaced_deployment(
            APP_NAME, APP_NAMESPACE, {"spec": {"replicas": PINNED_REPLICAS}}
        )
        time.sleep(PINNED_OBSERVED_SECONDS)
        lowered_by_pin = replicas_lowered(load.observed, pinned_from, chosen)
    run_report.record_traffic(
        "deploy_under_autoscaled_load", load, load=f"{WORK_RATE:.0f}/s x GET {WORK}",
        replicas_chosen=chosen, lowered_by_the_deploy=lowered, lowered_by_pinning=lowered_by_pin,
    )  # fmt: skip
    assert kept.result.passed, kept.result.log(production.JOB)[-3000:]
    assert deployment_release(cluster)[1] == AUTOSCALED_TAG
    assert lowered == [], f"the deploy took the autoscaler's {chosen} pods down: {lowered}"
    assert lowered_by_pin, f"replicas: 5 left the {chosen} pods alone: the check sees nothing"
    assert not load.failed, load.summary()


def test_app_image_is_the_registry_image_tagged_with_the_commit(tmp_path):
    """Here, not in the unit tier: it needs git, which the unit job's Python image lacks (found
    by running the unit job through gitlab-ci-local)."""
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@example.test"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "release"], check=True)
    sha = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True)
    image = production.app_image(tmp_path)
    assert image == f"registry.kindlab.test/kindlab/kindlab:{sha.stdout.strip()}"

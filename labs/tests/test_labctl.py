"""labctl on the live cluster, as a learner runs it: missing clusters, start, solve, reset."""

from __future__ import annotations

from pathlib import Path

import pytest

from kindlab.cluster.names import APP_NAME, APP_NAMESPACE
from kindlab.core.paths import REPO_ROOT
from labs import actions
from labs.cli import EXIT_CHECK_FAILED, EXIT_DECLINED, EXIT_NO_ENVIRONMENT, EXIT_OK
from labs.tests.labctl import ABSENT_CLUSTER, LAB4, LAB4_FIRST_FAILURE, labctl


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path


@pytest.mark.parametrize(
    "args", [("check", "3"), ("start", "3", "--yes"), ("solve", "3", "--yes"), ("reset", "4")]
)
def test_no_cluster_says_which_command_starts_one(home, args):
    result = labctl(home, *args, cluster=ABSENT_CLUSTER)
    assert result.returncode == EXIT_NO_ENVIRONMENT, result
    assert f"no kind cluster named {ABSENT_CLUSTER!r} is running" in result.stderr
    assert f"tox -e up -- --name {ABSENT_CLUSTER}" in result.stderr
    # Nothing was made for the missing cluster on the way, not even the lab's workspace.
    assert not (REPO_ROOT / ".pytest-kind" / ABSENT_CLUSTER).exists()
    assert not (home / "work").exists()


def test_lab_1_needs_no_cluster(home):
    result = labctl(home, "check", "1", cluster=ABSENT_CLUSTER)
    assert result.returncode in {EXIT_OK, EXIT_CHECK_FAILED}, result
    assert "Docker answers" in result.stdout


def test_reset_really_restores_the_start_state(home, session):
    kube = session.kube
    workspace = home / "work" / LAB4.slug
    try:
        assert labctl(home, "start", "4").returncode == EXIT_OK
        started = {p.name: p.read_text() for p in workspace.iterdir()}

        # solve asks first, and without a terminal to ask on, does nothing.
        declined = labctl(home, "solve", "4")
        assert declined.returncode == EXIT_DECLINED, declined
        assert "pass --yes" in declined.stderr
        failing = labctl(home, "check", "4")
        assert failing.returncode == EXIT_CHECK_FAILED
        assert f"FAIL  {LAB4_FIRST_FAILURE}" in failing.stdout
        assert "help, one level at a time: labctl hint 4" in failing.stdout

        assert labctl(home, "solve", "4", "--yes").returncode == EXIT_OK
        assert labctl(home, "check", "4").returncode == EXIT_OK
        # The learner edits the workspace as the lab asks.
        service = workspace / "service.yaml"
        service.write_text(service.read_text().replace("app: kindlab-app", "x: y"))

        # A reset would lose those edits: not without --yes.
        declined = labctl(home, "reset", "4")
        assert declined.returncode == EXIT_DECLINED, declined
        assert kube.core.read_namespaced_service(APP_NAME, APP_NAMESPACE).spec.selector == {
            "app.kubernetes.io/name": "kindlab-app"
        }

        reset = labctl(home, "reset", "4", "--yes")
        assert reset.returncode == EXIT_OK, reset
        assert {p.name: p.read_text() for p in workspace.iterdir()} == started
        selector = kube.core.read_namespaced_service(APP_NAME, APP_NAMESPACE).spec.selector
        assert selector == {"app": "kindlab-app"}, "the start state's selector is back"
        again = labctl(home, "check", "4")
        assert again.returncode == EXIT_CHECK_FAILED
        assert f"FAIL  {LAB4_FIRST_FAILURE}" in again.stdout

        listing = labctl(home, "list").stdout
        assert f"failing at {LAB4_FIRST_FAILURE!r}" in listing
    finally:
        actions.baseline(session)


def test_lab_10_needs_neither_cluster_nor_docker(home):
    """Its checker reads a file with gitlab-ci-local: an engine that does not answer is fine."""
    nowhere = {"DOCKER_HOST": "tcp://127.0.0.1:9"}
    started = labctl(home, "start", "10", cluster=ABSENT_CLUSTER, **nowhere)
    assert started.returncode == EXIT_OK, started
    assert "kindlab plan" in started.stderr
    failing = labctl(home, "check", "10", cluster=ABSENT_CLUSTER, **nowhere)
    assert failing.returncode == EXIT_CHECK_FAILED, failing
    assert "FAIL  a merge-request pipeline creates the e2e job" in failing.stdout
    assert "none of its rules ['$CI_COMMIT_BRANCH'] holds for a merge request" in failing.stdout
    # Edits to the generated start file are noticed: a reset asks first.
    copy = home / "work" / "10-pipeline" / ".gitlab-ci.yml"
    copy.write_text(copy.read_text().replace("$CI_COMMIT_BRANCH", "$CI_MERGE_REQUEST_IID"))
    assert labctl(home, "reset", "10", **nowhere).returncode == EXIT_DECLINED
    assert labctl(home, "solve", "10", "--yes", **nowhere).returncode == EXIT_OK
    assert labctl(home, "check", "10", **nowhere).returncode == EXIT_OK

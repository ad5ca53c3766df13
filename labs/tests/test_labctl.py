"""labctl as a learner runs it, in a subprocess: messages, exit codes, progress, reset.

Each test gets its own workspace and progress file through KINDLAB_LABS_WORKDIR and
KINDLAB_LABS_STATE, so nothing here touches a learner's own.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kindlab.cluster.lifecycle import default_cluster_name
from kindlab.cluster.names import APP_NAME, APP_NAMESPACE
from kindlab.versions import REPO_ROOT
from labs import actions, catalog
from labs.cli import (
    EXIT_CHECK_FAILED,
    EXIT_DECLINED,
    EXIT_NO_ENVIRONMENT,
    EXIT_OK,
    EXIT_USAGE,
)

# No-cluster tests are `unit`; those that need Docker or the live cluster are `labs`.
NEEDS_DOCKER = pytest.mark.labs

ESCAPE = "\033["
ABSENT_CLUSTER = "kindlab-labs-absent"
LAB4 = catalog.get(4)
LAB4_FIRST_FAILURE = "Service selector matches the app pods' labels"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path


def labctl(home: Path, *args: str, cluster: str | None = None, **env: str):
    """`python -m labs ARGS` with no terminal attached (stdin, stdout and stderr are pipes),
    on the tier's own cluster unless told (the labs tier runs on kindlab-labs beside e2e)."""
    environ = {k: v for k, v in os.environ.items() if k not in {"NO_COLOR", "FORCE_COLOR"}} | {
        "KINDLAB_LABS_WORKDIR": str(home / "work"),
        "KINDLAB_LABS_STATE": str(home / "progress.json"),
        "KINDLAB_CLUSTER_NAME": cluster or default_cluster_name(),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "labs", *args],
        cwd=REPO_ROOT,
        env=environ,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.unit
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("check", "42"), "there is no lab 42; the labs are 1, 2, 3"),
        (("start", "0"), "there is no lab 0"),
        (("hint", "99"), "there is no lab 99"),
        (("solve", "three", "--yes"), "lab number must be a number, got 'three'"),
    ],
)
def test_unknown_lab_number_is_a_usage_error(home, args, message):
    result = labctl(home, *args)
    assert result.returncode == EXIT_USAGE, result
    assert message in result.stderr
    assert result.stdout == ""


@NEEDS_DOCKER
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


@NEEDS_DOCKER
def test_lab_1_needs_no_cluster(home):
    result = labctl(home, "check", "1", cluster=ABSENT_CLUSTER)
    assert result.returncode in {EXIT_OK, EXIT_CHECK_FAILED}, result
    assert "Docker answers" in result.stdout


@pytest.mark.unit
def test_list_shows_progress_from_the_state_file(home):
    state = {
        "version": 1,
        "labs": {
            "3": {"last_check_passed": True, "passed_at": "2026-01-02T10:20:30+00:00"},
            "4": {"last_check_passed": False, "failed_step": LAB4_FIRST_FAILURE, "hints_seen": 2},
        },
    }
    (home / "progress.json").write_text(json.dumps(state))
    result = labctl(home, "list")
    assert result.returncode == EXIT_OK, result
    lines = {
        line.split()[0]: line
        for line in result.stdout.splitlines()[1:]
        if line.strip()[:1].isdigit()
    }
    assert set(lines) == {str(n) for n in catalog.all_labs()}
    assert "passed 2026-01-02 10:20" in lines["3"]
    assert f"failing at {LAB4_FIRST_FAILURE!r}; hints 2/3" in lines["4"]
    assert "not started" in lines["1"]
    assert str(home / "progress.json") in result.stdout
    assert ESCAPE not in result.stdout, "no colour when piped"


@pytest.mark.unit
def test_colour_only_when_asked_for_without_a_terminal(home):
    assert ESCAPE not in labctl(home, "list").stdout
    assert ESCAPE in labctl(home, "list", FORCE_COLOR="1").stdout
    assert ESCAPE not in labctl(home, "list", FORCE_COLOR="1", NO_COLOR="1").stdout


@pytest.mark.unit
def test_hints_come_one_level_at_a_time(home):
    hints = LAB4.hints()
    for level in (1, 2, 3, 3):
        result = labctl(home, "hint", "4")
        assert result.returncode == EXIT_OK, result
        assert f"Lab 4, hint {level} of 3" in result.stdout
        assert hints[level].splitlines()[0] in result.stdout
    assert "labctl solve 4" in result.stdout
    again = labctl(home, "hint", "4", "--level", "1")
    assert hints[1].splitlines()[0] in again.stdout
    progress = json.loads((home / "progress.json").read_text())
    assert progress["labs"]["4"]["hints_seen"] == 3


@pytest.mark.unit
def test_labctl_script_is_python_m_labs(home):
    script = shutil.which("labctl")
    assert script, "the labctl entry point is installed with the package"
    state = {"KINDLAB_LABS_STATE": str(home / "p.json")}
    direct = subprocess.run(
        [script, "list"], capture_output=True, text=True, check=False, env=os.environ | state
    )
    module = labctl(home, "list", **state)
    assert direct.returncode == module.returncode == EXIT_OK
    assert direct.stdout == module.stdout


@NEEDS_DOCKER
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
        assert "hint 1 helps: labctl hint 4 --level 1" in failing.stdout

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


@NEEDS_DOCKER
def test_lab_10_needs_neither_cluster_nor_docker(home):
    """Its checker reads a file with gitlab-ci-local: an engine that does not answer is fine."""
    nowhere = {"DOCKER_HOST": "tcp://127.0.0.1:9"}
    started = labctl(home, "start", "10", cluster=ABSENT_CLUSTER, **nowhere)
    assert started.returncode == EXIT_OK, started
    assert "python -m kindlab.pipeline.plan" in started.stderr
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

"""How the labs tier runs the documented commands: rewritten for its own cluster, ports and
workspace, and which are not run (with the reason). The running itself is the labs tier's."""

from __future__ import annotations

from pathlib import Path

import pytest

from labs import docs, docsrun
from labs.docs import Command

ENV = docsrun.Environment(
    cluster="kindlab-labs",
    port_offset=10000,
    workdir=Path("/tmp/home/work"),
    state=Path("/tmp/home/p.json"),
    kubeconfig=Path("/tmp/kubeconfig"),
    tools=(Path("/opt/bin/kubectl"), Path("/opt/bin/kind")),
    app_port=43210,
)


def command(text: str, runnable: bool = True) -> Command:
    return Command(docs.LABS_DIR / "03-probes" / "README.md", 1, text, runnable)


@pytest.mark.parametrize(
    ("typed", "runs"),
    [
        (
            "curl -i -H 'Host: app.localtest.me' http://127.0.0.1:8080/version",
            "curl -i -H 'Host: app.localtest.me' http://127.0.0.1:18080/version",
        ),
        (
            "curl -s http://127.0.0.1:9090/api/v1/rules",
            "curl -s http://127.0.0.1:19090/api/v1/rules",
        ),
        (
            "kind load docker-image kindlab/app:local --name kindlab",
            "kind load docker-image kindlab/app:local --name kindlab-labs",
        ),
        (
            "docker exec kindlab-control-plane crictl images",
            "docker exec kindlab-labs-control-plane crictl images",
        ),
        ("kubectl apply -k labs/work/03-probes", "kubectl apply -k /tmp/home/work/03-probes"),
        (
            "docker run --detach --name kindlab-lab1 -p 127.0.0.1:5000:5000 kindlab/app:lab1",
            "docker run --detach --name kindlab-lab1 -p 127.0.0.1:43210:5000 kindlab/app:lab1",
        ),
        ("curl -i http://127.0.0.1:5000/health", "curl -i http://127.0.0.1:43210/health"),
        ("kubectl -n kindlab get pods", "kubectl -n kindlab get pods"),
    ],
)
def test_commands_are_rewritten_for_the_self_tests_cluster(typed, runs):
    assert docsrun.for_shell(typed, ENV) == runs


@pytest.mark.parametrize(
    ("text", "runnable", "why"),
    [
        ("kubectl -n kindlab get pods --watch", False, "norun"),
        ("kubectl -n kindlab describe pod <one of them>", True, "placeholder"),
        ("labctl start 3", True, "self-test itself"),
        ("labctl check 3", True, "self-test itself"),
        ("labctl hint 3", True, None),
        ("kubectl -n kindlab get pods", True, None),
    ],
)
def test_which_commands_are_not_run_and_why(text, runnable, why):
    reason = docsrun.skipped(command(text, runnable))
    assert (reason is None) if why is None else (why in reason)


def test_a_norun_block_is_shown_but_not_run(tmp_path):
    page = tmp_path / "README.md"
    page.write_text("```sh norun\nkubectl get pods --watch\n```\n\n```sh\nkubectl get pods\n```\n")
    found = docs.commands(page)
    assert [(c.text, c.runnable) for c in found] == [
        ("kubectl get pods --watch", False),
        ("kubectl get pods", True),
    ]


def test_a_command_runs_in_bash_with_the_labs_environment(tmp_path):
    outcome = docsrun.run(command("echo $KINDLAB_CLUSTER_NAME $KUBECONFIG; exit 3"), ENV, tmp_path)
    assert (outcome.code, outcome.output.strip()) == (3, "kindlab-labs /tmp/kubeconfig")
    assert not outcome.ok and "exited 3" in outcome.describe()


def test_kubectl_diff_finding_differences_is_no_failure(tmp_path):
    found = docsrun.Outcome(command("kubectl diff -k x"), "kubectl diff -k x", 1, "", 0.1)
    broken = docsrun.Outcome(command("kubectl diff -k x"), "kubectl diff -k x", 2, "", 0.1)
    assert found.ok and not broken.ok


def test_a_watch_block_is_one_command_that_is_run(tmp_path):
    page = tmp_path / "README.md"
    page.write_text("```sh watch\nwhile true; do\n  date\ndone\n```\n")
    (found,) = docs.commands(page)
    assert (found.text, found.watch) == ("while true; do\n  date\ndone", True)
    assert docsrun.skipped(found) is None


def watch(text: str) -> Command:
    return Command(docs.LABS_DIR / "03-probes" / "README.md", 1, text, False, watch=True)


def test_a_watch_still_running_after_its_seconds_passes(tmp_path):
    outcome = docsrun.run(watch("while true; do echo tick; sleep 0.5; done"), ENV, tmp_path)
    assert outcome.code == docsrun.STILL_RUNNING and outcome.ok
    assert "tick" in outcome.output
    assert outcome.seconds < docsrun.WATCH_SECONDS + 5, "stopped with its whole process group"


@pytest.mark.parametrize("text", ["kubectl-that-does-not-exist get pods --watch", "false"])
def test_a_watch_that_fails_at_once_fails(tmp_path, text):
    outcome = docsrun.run(watch(text), ENV, tmp_path)
    assert not outcome.ok, outcome.output

"""labctl's command line without a cluster: usage errors, progress, colour, hints."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest

from labs import catalog
from labs.cli import EXIT_OK, EXIT_USAGE, env_lines
from labs.tests.labctl import ESCAPE, LAB4_FIRST_FAILURE, labctl


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


def test_list_shows_each_lab_and_progress_from_the_state_file(home):
    state = {
        "version": 1,
        "labs": {
            "3": {"last_check_passed": True, "passed_at": "2026-01-02T10:20:30+00:00"},
            "4": {
                "last_check_passed": False,
                "failed_step": LAB4_FIRST_FAILURE,
                "hints_seen": {"selector": 2},
            },
        },
    }
    (home / "progress.json").write_text(json.dumps(state))
    result = labctl(home, "list")
    assert result.returncode == EXIT_OK, result
    blocks = {
        block.split()[0]: block
        for block in re.split(r"\n(?=\s?\d+  )", result.stdout)
        if block.strip()[:1].isdigit()
    }
    assert set(blocks) == {str(n) for n in catalog.all_labs()}
    for number, lab in catalog.all_labs().items():
        block = blocks[str(number)]
        assert lab.title in block and lab.difficulty in block
        assert lab.teaches.replace("`", "") in block
        assert all(need in block for need in lab.needs)
    assert "BuildKit" in blocks["1"] and "npm" in blocks["10"]
    assert "passed 2026-01-02 10:20" in blocks["3"]
    assert f"failing at {LAB4_FIRST_FAILURE!r}; 2 hints seen" in blocks["4"]
    assert "not started" in blocks["1"]
    assert str(home / "progress.json") in result.stdout
    assert ESCAPE not in result.stdout, "no colour when piped"


def test_colour_only_when_asked_for_without_a_terminal(home):
    assert ESCAPE not in labctl(home, "list").stdout
    assert ESCAPE in labctl(home, "list", FORCE_COLOR="1").stdout
    assert ESCAPE not in labctl(home, "list", FORCE_COLOR="1", NO_COLOR="1").stdout


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


def test_env_lines_round_trip_through_eval_with_spaces_and_quotes(tmp_path):
    folder = tmp_path / 'my lab\'s "checkout" $HOME'
    folder.mkdir()
    tools = {}
    for name in ("kubectl", "kind"):
        tools[name] = folder / name
        tools[name].write_text(f'#!/bin/sh\necho "{name} ran with $*"\n')
        tools[name].chmod(0o755)
    kubeconfig = folder / "kube config"
    lines = env_lines(kubeconfig, tools["kubectl"], tools["kind"])
    script = 'shopt -s expand_aliases\neval "$1"\nprintf "%s\\n" "$KUBECONFIG"\n'
    # Aliases apply to lines read after the eval: a second eval reads the uses.
    script += 'eval "kubectl get pods; kind get clusters"\n'
    shown = subprocess.run(
        ["bash", "-c", script, "bash", "\n".join(lines)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert shown.stdout.splitlines() == [
        str(kubeconfig),
        "kubectl ran with get pods",
        "kind ran with get clusters",
    ], shown


@pytest.mark.parametrize("name", ["../..", "Kindlab", "x-", "a.b", "x" * 51, "a b"])
def test_a_hostile_cluster_name_is_a_usage_error(home, name):
    result = labctl(home, "--cluster", name, "env")
    assert result.returncode == EXIT_USAGE, result
    assert "bad cluster name" in result.stderr
    assert result.stdout == ""

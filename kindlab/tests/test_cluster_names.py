"""Cluster names are checked once (kindlab.cluster.identity), before any build or deletion: a
name is a folder under .pytest-kind/ that `down` deletes from."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kindlab.cli import lab
from kindlab.cluster import deletion, identity

HOSTILE = [
    "../..",
    "../victim",
    "..",
    ".",
    "a/b",
    "Kindlab",
    "-lab",
    "lab-",
    "a.b",
    "a b",
    "",
    "x" * 51,
    # `$` also matches before a trailing newline: a name must match as a whole.
    "kindlab\n",
    "x" * 49 + "\n",
]


def kindlab(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    script = shutil.which("kindlab") or str(Path(sys.executable).with_name("kindlab"))
    return subprocess.run(
        [script, *args], capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, **env},
    )  # fmt: skip


@pytest.mark.parametrize(
    "name", ["kindlab", "kindlab-labs", "kindlab-gitlab", "h-sec", "a", "x" * 50]
)
def test_kind_compatible_names_are_accepted(name):
    assert identity.checked_cluster_name(name) == name
    assert identity.kubeconfig_path(name).parent.name == name


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_are_refused_with_what_is_allowed(name):
    with pytest.raises(identity.BadClusterName, match="lower-case letters, digits and '-'"):
        identity.kubeconfig_path(name)


@pytest.mark.parametrize("verb", ["down", "up", "status"])
def test_kindlab_refuses_a_hostile_name_in_one_line_with_exit_2(verb):
    result = kindlab(verb, "--name", "../..")
    assert result.returncode == 2, result
    assert result.stderr.strip().splitlines() == [
        "kindlab: bad cluster name '../..': use lower-case letters, digits and '-' (not at "
        "either end), at most 50 characters, e.g. kindlab-2"
    ]


def test_the_environment_variable_is_checked_too():
    result = kindlab("status", KINDLAB_CLUSTER_NAME="../..")
    assert result.returncode == 2, result
    assert "bad cluster name '../..'" in result.stderr and "Traceback" not in result.stderr


@pytest.fixture
def planted(tmp_path, monkeypatch):
    """A kubeconfig that `--name ../victim` would reach from the repository's .pytest-kind/."""
    monkeypatch.setattr(identity, "REPO_ROOT", tmp_path / "repo")
    victim = tmp_path / "repo" / "victim" / "kubeconfig"
    victim.parent.mkdir(parents=True)
    victim.write_text("precious\n")
    (tmp_path / "repo" / ".pytest-kind").mkdir()  # so that .pytest-kind/../victim resolves
    return victim


def test_down_with_a_hostile_name_unlinks_nothing(planted, capsys):
    code = lab.main(["down", "--name", "../victim"])
    assert planted.exists(), "down unlinked a kubeconfig outside .pytest-kind/"
    assert code == 2
    assert "bad cluster name" in capsys.readouterr().err


def test_deletion_checks_the_name_before_removing_anything(planted):
    with pytest.raises(identity.BadClusterName):
        deletion.delete_cluster("../victim")
    assert planted.exists()

"""The package map holds: each layer of kindlab imports only the layers below it (import-linter).

The contracts live in pyproject.toml ([tool.importlinter]); the lint tier runs `lint-imports`
on the tree. Here the same contracts run on a copy with one planted upward import, so a
contract that could never fail would show.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kindlab.core.paths import REPO_ROOT

PACKAGES = ("kindlab", "labs", "app")


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    lint = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(lint), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env=os.environ | {"PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the packages and their contracts, importable ahead of the installed tree."""
    for package in PACKAGES:
        shutil.copytree(REPO_ROOT / package, tmp_path / package, ignore=_not_python)
    shutil.copy(REPO_ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def _not_python(folder: str, names: list[str]) -> list[str]:
    return [n for n in names if not (n.endswith(".py") or (Path(folder) / n).is_dir())]


def test_the_layers_hold_in_this_tree(tree):
    result = lint_imports(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "planted"),
    [
        ("kindlab/core/errors.py", "import kindlab.cli.main"),
        ("kindlab/cluster/kube.py", "from kindlab.bringup import steps"),
        ("kindlab/build/gobuild.py", "import labs.cli"),
        ("app/settings.py", "import kindlab.core.versions"),
    ],
)
def test_an_upward_import_breaks_a_contract(tree, module, planted):
    source = tree / module
    source.write_text(source.read_text() + f"\n{planted}  # planted\n")
    result = lint_imports(tree)
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout
    importer = module.removesuffix(".py").replace("/", ".")
    assert importer in result.stdout, result.stdout

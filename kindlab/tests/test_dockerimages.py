import re
import shutil
from pathlib import Path

import pytest

from kindlab.build.dockerimages import digest


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "context"
    (root / "etc").mkdir(parents=True)
    (root / "bin").mkdir()
    (root / "Dockerfile").write_text("FROM base\nCOPY . /\n")
    (root / "etc" / "setup.sh").write_text("#!/bin/sh\necho setup\n")
    (root / "etc" / "setup.sh").chmod(0o644)
    return root


def test_the_same_tree_gives_the_same_key_wherever_it_lives(tree, tmp_path):
    key = digest("ref", tree)
    assert re.fullmatch("[0-9a-f]{16}", key)
    assert digest("ref", tree) == key
    copy = shutil.copytree(tree, tmp_path / "elsewhere" / "context")
    assert digest("ref", copy) == key


def test_moving_a_file_to_another_directory_changes_the_key(tree):
    before = digest(tree)
    (tree / "etc" / "setup.sh").rename(tree / "bin" / "setup.sh")
    assert digest(tree) != before


def test_making_a_file_executable_changes_the_key(tree):
    before = digest(tree)
    (tree / "etc" / "setup.sh").chmod(0o755)
    assert digest(tree) != before


def test_a_checkout_with_another_umask_gives_the_same_key(tree):
    """git archive and gitlab-ci-local write 0664 where a clone has 0644: the same tree."""
    before = digest(tree)
    for path in [tree / "Dockerfile", tree / "etc" / "setup.sh"]:
        path.chmod(0o664)
    assert digest(tree) == before


def test_changing_a_single_file_part_mode_changes_the_key(tree):
    script = tree / "etc" / "setup.sh"
    before = digest(script)
    script.chmod(0o755)
    assert digest(script) != before


def test_changing_content_changes_the_key(tree):
    before = digest(tree)
    (tree / "etc" / "setup.sh").write_text("#!/bin/sh\necho changed\n")
    assert digest(tree) != before


def test_strings_are_part_of_the_key(tree):
    assert digest("kindlab/node:a", tree) != digest("kindlab/node:b", tree)


def test_adjacent_strings_cannot_run_together():
    assert digest("ab", "c") != digest("a", "bc")


def test_relinking_a_symlink_changes_the_key(tree):
    shutil.copy2(tree / "etc" / "setup.sh", tree / "etc" / "other.sh")
    link = tree / "etc" / "current.sh"
    link.symlink_to("setup.sh")
    before = digest(tree)
    link.unlink()
    link.symlink_to("other.sh")
    assert digest(tree) != before

"""No lost work: `labctl solve` and `reset` copy the learner's files away before replacing
them, say where, and `labctl diff` shows them against the start and the reference.

Lab 10 works on a file alone, so the CLI runs here in-process with no cluster and no Docker;
its start would install gitlab-ci-local from npm, which the unit tier must not, so only that
call is replaced (the workspace is still written by the real start code).
"""

from __future__ import annotations

import importlib
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from labs import actions, backup, catalog
from labs.cli import EXIT_DECLINED, EXIT_OK, main
from labs.framework import Lab, Step, failed, passed
from labs.session import Session

LAB10 = catalog.get(10)
LAB3 = catalog.get(3)
LAB10_MODULE = importlib.import_module("labs.lab10")
PIPELINE = ".gitlab-ci.yml"
MINE = "# my own fix, three hours of work\n"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KINDLAB_LABS_WORKDIR", str(tmp_path / "work"))
    monkeypatch.setenv("KINDLAB_LABS_STATE", str(tmp_path / "progress.json"))
    monkeypatch.setattr(LAB10_MODULE.plan, "gitlab_ci_local", lambda: None)
    return tmp_path


def labctl(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err, io.StringIO())
    return code, out.getvalue(), err.getvalue()


def edited_workspace(home: Path) -> Path:
    assert labctl("start", "10")[0] == EXIT_OK
    copy = home / "work" / LAB10.slug / PIPELINE
    copy.write_text(copy.read_text() + MINE)
    return copy


def backups(home: Path) -> list[Path]:
    return sorted((home / "work" / "backups" / LAB10.slug).glob(f"*/{PIPELINE}"))


@pytest.mark.parametrize("verb", ["solve", "reset"])
def test_the_learners_edited_file_survives_in_a_backup_with_its_content(home, verb):
    copy = edited_workspace(home)
    mine = copy.read_text()

    code, out, err = labctl(verb, "10")
    assert code == EXIT_DECLINED, "it asks first, and without a terminal changes nothing"
    assert "backups/10-pipeline/" in err
    assert copy.read_text() == mine and not backups(home)

    code, out, _ = labctl(verb, "10", "--yes")
    assert code == EXIT_OK, out
    assert MINE not in copy.read_text(), f"{verb} replaced the workspace file"
    [saved] = backups(home)
    assert saved.read_text() == mine
    assert f"Your files were copied to {saved.parent}" in out
    assert "stay as they are" not in out


def test_solve_says_it_replaces_the_files_and_never_that_they_stay(home):
    edited_workspace(home)
    _, _, err = labctl("solve", "10")
    assert "then replaced by the reference" in err
    assert "stay as they are" not in err


def test_an_untouched_workspace_needs_no_backup_and_each_backup_gets_its_own_folder(home):
    session = Session()
    assert labctl("start", "10")[0] == EXIT_OK
    assert backup.back_up(session, LAB10) is None, "nothing of the learner's to keep"
    copy = session.workspace(LAB10.slug) / PIPELINE
    copy.write_text(MINE)
    first = backup.back_up(session, LAB10, datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    copy.write_text(MINE * 2)
    second = backup.back_up(session, LAB10, datetime(2026, 1, 2, 3, 4, 6, tzinfo=UTC))
    assert first != second
    assert (first / PIPELINE).read_text() == MINE
    assert (second / PIPELINE).read_text() == MINE * 2


def test_diff_shows_the_learners_change_against_start_and_reference(home):
    copy = edited_workspace(home)
    code, out, _ = labctl("diff", "10")
    assert code == EXIT_OK
    assert "== your files against the start of lab 10" in out
    assert f"+{MINE.strip()}" in out
    assert "== your files against the reference of lab 10" in out
    # The start's fault (e2e only on branches) is still in the learner's file.
    assert "+      - if: $CI_COMMIT_BRANCH" in out or "$CI_COMMIT_BRANCH" in out
    copy.write_text(LAB10_MODULE.PROJECT_PIPELINE.read_text())
    _, out, _ = labctl("diff", "10")
    assert "against the reference of lab 10: the same" in out


def test_diff_of_a_kustomize_lab_compares_with_the_solution_files(tmp_path):
    session = Session(workdir=tmp_path)
    workspace = actions.prepare_workspace(session, LAB3)
    text = backup.diff(session, LAB3)
    assert "against the start of lab 3: the same" in text
    assert "-              path: /ready\n" in text and "+              path: /readyz\n" in text
    assert "README.md" not in text, "the solution's README is no file of the learner's"
    actions.use_reference(session, LAB3)
    assert "against the reference of lab 3: the same" in backup.diff(session, LAB3)
    assert workspace.is_dir()


def test_diff_before_start_says_how_to_get_the_files(tmp_path):
    assert "labctl start 3" in backup.diff(Session(workdir=tmp_path), LAB3)


def test_check_shows_only_the_steps_it_ran_and_what_is_next(home, monkeypatch):
    """Later step names would give the answer away: they are counted, never shown."""
    secret = "the answer is port http"
    lab = Lab(
        99,
        "99-made-up",
        "made up",
        (
            Step("first look", lambda ctx: passed("fine"), "look"),
            Step("the symptom", lambda ctx: failed("requests answer 502"), "symptom"),
            Step(secret, lambda ctx: passed("x"), "secret"),
        ),
        start=lambda s: None,
        solve=lambda s: None,
        needs_cluster=False,
        needs_docker=False,
    )
    monkeypatch.setattr(catalog, "get", lambda number: lab)
    code, out, _ = labctl("check", "99")
    assert code == 1
    assert "PASS  first look" in out and "FAIL  the symptom" in out
    assert "requests answer 502" in out
    assert secret not in out
    assert 'next: find why "the symptom" fails, 1 more after it (labctl hint 99)' in out

"""Hints in three levels per step: every step of every lab has its section in hints.md, and
`labctl hint N` shows, one level at a time, the help for the step that failed at the last check
(where to look, then the concept, then the answer). No cluster: the last check's result comes
from the progress file, as it does for a learner."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from labs import catalog, hints
from labs.cli import EXIT_OK, main
from labs.framework import Lab, Step, passed

HINTS = """# Lab 99 hints

intro, shown with no step

## look

### 1. Where to look

run this

### 2. The concept

why it is so

### 3. The answer

write that

## other

### 1. Where to look
other 1
### 2. The concept
other 2
### 3. The answer
other 3
"""


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KINDLAB_LABS_WORKDIR", str(tmp_path / "work"))
    monkeypatch.setenv("KINDLAB_LABS_STATE", str(tmp_path / "progress.json"))
    return tmp_path


def labctl(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out, io.StringIO(), io.StringIO())
    return code, out.getvalue()


def made_up_lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Lab:
    (tmp_path / "99-made-up").mkdir()
    (tmp_path / "99-made-up" / "hints.md").write_text(HINTS)
    monkeypatch.setattr("labs.framework.LABS_DIR", tmp_path)
    lab = Lab(
        99,
        "99-made-up",
        "made up",
        (Step("first", lambda ctx: passed("x"), "look"), Step("second", lambda c: 0, "other")),
        start=lambda s: None,
        solve=lambda s: None,
        needs_cluster=False,
        needs_docker=False,
    )
    monkeypatch.setattr(catalog, "get", lambda number: lab)
    return lab


def record_failure(home: Path, step: str) -> None:
    state = {"version": 1, "labs": {"99": {"failed_step": step, "last_check_passed": False}}}
    (home / "progress.json").write_text(json.dumps(state))


@pytest.mark.parametrize("lab", catalog.all_labs().values(), ids=lambda lab: f"lab{lab.number:02d}")
def test_every_step_has_three_levels_of_help(lab):
    sections = hints.of(lab)
    assert not hints.missing(lab, sections)
    assert set(sections) == {step.hint for step in lab.steps}, "no section that helps no step"
    assert all(len(levels) == 3 and all(levels) for levels in sections.values())


def test_sections_are_split_into_their_levels():
    parsed = hints.parse(HINTS)
    assert parsed == {
        "look": ("run this", "why it is so", "write that"),
        "other": ("other 1", "other 2", "other 3"),
    }


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("## a\n### 1. x\none\n### 2. y\ntwo\n", "has levels [1, 2], not 1, 2 and 3"),
        ("## a\n### 1.\n\n### 2.\nb\n### 3.\nc\n", "has a level without text"),
        ("## a\n### 1.\na\n### 2.\nb\n### 3.\nc\n## a\n", "appears twice"),
    ],
)
def test_a_section_without_its_three_levels_is_refused(text, problem):
    with pytest.raises(hints.BadHints, match=problem.replace("[", r"\[").replace("]", r"\]")):
        hints.parse(text)


def test_hint_follows_the_failing_step_one_level_at_a_time(home, tmp_path, monkeypatch):
    made_up_lab(tmp_path, monkeypatch)
    record_failure(home, "second")
    shown = [labctl("hint", "99")[1] for _ in range(4)]
    assert "hint 1 of 3 (where to look)" in shown[0] and "other 1" in shown[0]
    assert "hint 2 of 3 (the concept)" in shown[1] and "other 2" in shown[1]
    assert "other 3" in shown[2] and "labctl solve 99" in shown[2]
    assert "other 3" in shown[3], "after the answer, the answer again"
    assert all("run this" not in text for text in shown), "never another step's help"

    record_failure(home, "first")
    code, text = labctl("hint", "99")
    assert code == EXIT_OK and "run this" in text, "a new failing step starts at level 1"
    assert "why it is so" in labctl("hint", "99", "--level", "2")[1]


def test_hint_without_a_check_helps_with_the_first_step(home, tmp_path, monkeypatch):
    made_up_lab(tmp_path, monkeypatch)
    code, text = labctl("hint", "99")
    assert code == EXIT_OK
    assert "run labctl check 99" in text and "run this" in text


def test_hint_after_a_passing_check_says_nothing_fails(home, tmp_path, monkeypatch):
    made_up_lab(tmp_path, monkeypatch)
    state = {"version": 1, "labs": {"99": {"last_check_passed": True, "failed_step": None}}}
    (home / "progress.json").write_text(json.dumps(state))
    code, text = labctl("hint", "99")
    assert code == EXIT_OK and "passed: no step fails" in text


def test_lab8_where_to_look_writes_no_promql_of_the_answer():
    """Level 1 shows where to look; a `sum(rate(...))` of the app's counter is already most of
    the traffic query that level 3 gives."""
    first = {key: levels[0] for key, levels in hints.of(catalog.get(8)).items()}
    promql = re.compile(r"\b(rate|irate|sum|max|histogram_quantile)\(")
    assert [key for key, text in first.items() if promql.search(text)] == []

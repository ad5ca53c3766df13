"""`labctl check N --watch` checks again every few seconds while the learner works, redraws which
steps pass, and ends when the lab passes. A made-up lab whose steps start passing one check
after another stands in for the learner's progress; the sleep between checks is recorded, not
slept."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from labs import catalog, cli
from labs.cli import CLEAR_SCREEN, EXIT_OK, Console, watch
from labs.framework import Lab, Step, failed, passed
from labs.session import Session
from labs.state import Progress


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KINDLAB_LABS_WORKDIR", str(tmp_path / "work"))
    monkeypatch.setenv("KINDLAB_LABS_STATE", str(tmp_path / "progress.json"))
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    return tmp_path


def flipping_lab(passes_from: dict[str, int]) -> tuple[Lab, list[str]]:
    """Steps that fail until their check has run `passes_from[name]` times, then pass: what
    the cluster looks like while a learner fixes one thing after another."""
    calls: list[str] = []

    def step(name: str) -> Step:
        def check(ctx):
            calls.append(name)
            if calls.count(name) >= passes_from[name]:
                return passed(f"{name} is fixed")
            return failed(f"{name} is still broken")

        return Step(name, check, name)

    lab = Lab(
        99,
        "99-made-up",
        "made up",
        tuple(step(name) for name in passes_from),
        start=lambda s: None,
        solve=lambda s: None,
        needs_cluster=False,
        needs_docker=False,
    )
    return lab, calls


def test_watch_checks_again_until_every_step_passes(home):
    lab, calls = flipping_lab({"selector": 2, "port": 2, "backend": 1})
    out = io.StringIO()
    slept: list[float] = []
    code = watch(
        lab,
        Session(workdir=home / "work"),
        Console(out, io.StringIO(), io.StringIO()),
        3,
        slept.append,
    )
    text = out.getvalue()
    assert code == EXIT_OK
    # check 1: selector fails; 2: selector passes, port fails; 3: all pass.
    assert calls == ["selector", "selector", "port", "selector", "port", "backend"]
    assert slept == [3, 3], "a pause between checks, none after the passing one"
    rounds = text.split("Watching lab 99")[1:]
    assert [r.split(")", 1)[0].split("(check ")[1][:1] for r in rounds] == ["1", "2", "3"]
    assert "FAIL  selector" in rounds[0] and "port" not in rounds[0]
    assert "PASS  selector" in rounds[1] and "FAIL  port" in rounds[1]
    assert "Lab 99 passed: all 3 steps pass." in rounds[2]
    assert CLEAR_SCREEN not in text, "no screen control codes when piped"
    assert Progress().entry(99)["last_check_passed"] is True


def test_watch_redraws_the_screen_on_a_terminal(home, monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")
    lab, _ = flipping_lab({"only": 2})
    out = io.StringIO()
    watch(
        lab,
        Session(workdir=home / "work"),
        Console(out, io.StringIO(), io.StringIO()),
        1,
        lambda s: None,
    )
    assert out.getvalue().count(CLEAR_SCREEN) == 2, "each check starts on a clean screen"


def test_check_watch_on_the_command_line(home, monkeypatch):
    lab, _ = flipping_lab({"only": 3})
    monkeypatch.setattr(catalog, "get", lambda number: lab)
    slept: list[float] = []
    monkeypatch.setattr(cli.time, "sleep", slept.append)
    out = io.StringIO()
    code = cli.main(["check", "99", "--watch", "--every", "0.5"], out, io.StringIO(), io.StringIO())
    assert code == EXIT_OK
    assert slept == [0.5, 0.5]
    assert out.getvalue().count("Watching lab 99") == 3

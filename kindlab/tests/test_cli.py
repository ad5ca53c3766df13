"""The one `kindlab` command: every verb listed, every verb answers --help, bad verbs are usage
errors. Run as a user runs it, in a subprocess of the installed entry point."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kindlab.cli.main import VERBS


def kindlab(*args: str) -> subprocess.CompletedProcess[str]:
    script = shutil.which("kindlab") or str(Path(sys.executable).with_name("kindlab"))
    return subprocess.run([script, *args], capture_output=True, text=True, timeout=120, check=False)


def test_help_lists_every_verb():
    result = kindlab("--help")
    assert result.returncode == 0, result.stderr
    listed = {line.split()[0] for line in result.stdout.splitlines() if line.startswith("    ")}
    assert listed == set(VERBS)


@pytest.mark.parametrize("verb", sorted(set(VERBS) - {"compose"}))
def test_every_verb_answers_help(verb):
    result = kindlab(verb, "--help")
    assert result.returncode == 0, result.stderr
    assert "usage:" in (result.stdout + result.stderr).lower()
    assert "Traceback" not in result.stderr


def test_an_unknown_verb_is_a_usage_error_naming_the_verbs():
    result = kindlab("destroy")
    assert result.returncode == 2
    assert "invalid choice: 'destroy'" in result.stderr
    assert "up" in result.stderr and "Traceback" not in result.stderr


def test_python_m_kindlab_is_the_same_command():
    module = subprocess.run(
        [sys.executable, "-m", "kindlab", "--help"], capture_output=True, text=True, check=False
    )
    assert module.returncode == 0
    assert module.stdout == kindlab("--help").stdout


def test_watch_passes_output_and_exit_code_through():
    result = kindlab("watch", sys.executable, "-c", "print('hello'); raise SystemExit(3)")
    assert result.returncode == 3
    assert "hello" in result.stdout + result.stderr

"""Which e2e tests exist in this checkout, and which a JUnit report says ran.

The pipeline's e2e job is where CI runs the whole e2e suite, so the gitlab tier holds the job's
JUnit artifact to the suite as pytest collects it here, with the arguments `tox -e e2e` gives
pytest (read from tox.ini), never to a number written down: a test added to e2e/ must show up
in the job, and one the job silently drops (a selection, a collection error) is named.
"""

from __future__ import annotations

import configparser
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from kindlab.core.errors import KindlabError
from kindlab.core.paths import REPO_ROOT

TOX_INI = REPO_ROOT / "tox.ini"
# What tox -e e2e passes besides the selection: where the report goes, and the user's arguments.
NOT_SELECTION = ("--junitxml", "{posargs}")
OUTCOMES = {"failure", "error", "skipped"}


def e2e_pytest_args(tox_ini: Path = TOX_INI) -> list[str]:
    """The selecting arguments of tox -e e2e's pytest command (markers, paths)."""
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(tox_ini)
    commands = [c for c in tox.get("testenv:e2e", "commands").splitlines() if c.strip()]
    pytest_lines = [shlex.split(c) for c in commands if shlex.split(c)[0] == "pytest"]
    if len(pytest_lines) != 1:
        raise KindlabError(f"{tox_ini}: tox -e e2e should run pytest once, it runs {commands}")
    return [a for a in pytest_lines[0][1:] if not a.startswith(NOT_SELECTION)]


def collected_e2e_tests(select: str = "") -> set[str]:
    """Node IDs that `tox -e e2e -- -k SELECT` would run: pytest --collect-only -q here."""
    command = [sys.executable, "-m", "pytest", *e2e_pytest_args(), "--collect-only", "-q"]
    command += ["-p", "no:cacheprovider", *(["-k", select] if select else [])]
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    ids = {line.strip() for line in done.stdout.splitlines() if "::" in line}
    if done.returncode != 0 or not ids:
        output = (done.stdout + done.stderr)[-2000:]
        raise KindlabError(f"collecting the e2e suite failed:\n{output}")
    return ids


def node_id(case: ET.Element) -> str:
    """pytest's node ID of a JUnit testcase: classname e2e.test_smoke -> e2e/test_smoke.py."""
    module = case.get("classname", "").replace(".", "/")
    return f"{module}.py::{case.get('name', '')}"


def junit_outcomes(junit: Path) -> dict[str, list[str]]:
    """Each test case's node ID -> its outcome elements (failure, error, skipped); [] passed."""
    cases = ET.parse(junit).getroot().iter("testcase")
    return {node_id(case): [c.tag for c in case if c.tag in OUTCOMES] for case in cases}

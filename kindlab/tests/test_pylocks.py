"""The hashed Python locks (versions/locks/) are current against pyproject.toml's pins, and
every installer uses them: the image and each tox environment."""

from __future__ import annotations

import configparser
import re

import pytest

from kindlab.build import pylocks
from kindlab.core.paths import REPO_ROOT


@pytest.mark.parametrize("lock", pylocks.LOCKS, ids=lambda lock: lock.name)
def test_every_lock_is_current_and_hashed(lock):
    assert pylocks.stale(lock) == [], (
        "run `kindlab lock` (uv from the lock extra) to remake the locks"
    )


def test_a_changed_pin_makes_the_lock_stale(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    text = (REPO_ROOT / "pyproject.toml").read_text()
    pyproject.write_text(re.sub(r'"flask==[^"]+"', '"flask==3.0.0"', text))
    (app,) = [lock for lock in pylocks.LOCKS if lock.name == "app"]
    problems = pylocks.stale(app, pyproject)
    assert "app.txt was made from other pins than pyproject.toml's" in problems
    assert "app.txt lacks flask==3.0.0" in problems


def test_a_changed_tool_pin_makes_its_lock_stale(monkeypatch):
    """tox's lock follows TOX_VERSION of versions/versions.env, not pyproject.toml."""
    (tox,) = [lock for lock in pylocks.LOCKS if lock.name == "tox"]
    monkeypatch.setattr(pylocks, "pin", {"TOX_VERSION": "4.0.0"}.get)
    assert pylocks.stale(tox) == [
        "tox.txt was made from other pins than versions/versions.env's",
        "tox.txt lacks tox==4.0.0",
    ]


def test_a_requirement_without_a_hash_is_reported(tmp_path, monkeypatch):
    (app,) = [lock for lock in pylocks.LOCKS if lock.name == "app"]
    monkeypatch.setattr(pylocks, "LOCK_DIR", tmp_path)
    text = (REPO_ROOT / "versions" / "locks" / "app.txt").read_text()
    unhashed = re.sub(r"(?m)^(blinker==\S+) \\\n(    --hash=\S+( \\)?\n)+", r"\1\n", text)
    (tmp_path / "app.txt").write_text(unhashed)
    assert pylocks.stale(app) == ["app.txt has no hash for blinker"]


def test_each_tox_environment_installs_the_lock_of_its_extras():
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(REPO_ROOT / "tox.ini")
    by_extras = {frozenset(lock.extras): lock for lock in pylocks.LOCKS}
    checked = 0
    for section in tox.sections():
        extras = tox.get(section, "extras", fallback="").replace(",", " ").split()
        if not section.startswith("testenv:") or extras == ["lock"] or not extras:
            continue
        lock = by_extras[frozenset(extras)]
        assert tox.get(section, "deps", fallback="").strip() == (
            f"-r {{toxinidir}}/versions/locks/{lock.name}.txt"
        ), section
        checked += 1
    assert checked >= 10

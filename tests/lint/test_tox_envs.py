"""Every tox env runs: its commands name real `kindlab` verbs and test folders, and it installs
the extras that what it runs imports (`tox -e airgap` once imported requests without them)."""

from __future__ import annotations

import shlex

import pytest

from kindlab.cli.main import VERBS
from kindlab.core.paths import REPO_ROOT

from .toxini import tox_config, tox_envs, tox_setting

# What the kindlab package itself imports at run time (kubernetes, requests, tenacity, ...).
PACKAGE_EXTRA = "cluster"


def env_problems(tox) -> list[str]:
    problems = []
    for env in sorted(tox_envs(tox)):
        extras = {e.strip() for line in tox_setting(tox, env, "extras") for e in line.split(",")}
        for command in tox_setting(tox, env, "commands"):
            words = shlex.split(command.replace("{posargs}", ""))
            if words[0] == "kindlab":
                if len(words) < 2 or words[1] not in VERBS:
                    problems.append(f"{env}: `{command}` names no kindlab verb")
                if PACKAGE_EXTRA not in extras:
                    problems.append(f"{env}: runs kindlab without the {PACKAGE_EXTRA!r} extra")
            elif words[0] == "pytest":
                paths = [w for w in words[1:] if "/" in w and not w.startswith("-")]
                problems += [
                    f"{env}: tests folder {path} does not exist"
                    for path in paths
                    if "=" not in path and not (REPO_ROOT / path).exists()
                ]
    return problems


def test_every_tox_env_runs_real_verbs_with_its_extras():
    assert env_problems(tox_config()) == []


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("(cached)\nextras = cluster\n", "(cached)\n",
         "airgap: runs kindlab without the 'cluster' extra"),
        ("kindlab soak {posargs}", "kindlab soaks {posargs}", "names no kindlab verb"),
        ("kindlab/tests labs/tests/unit", "kindlab/tests labs/tests/units",
         "tests folder labs/tests/units does not exist"),
    ],
)  # fmt: skip
def test_the_env_check_rejects_broken_copies(old, new, message):
    text = (REPO_ROOT / "tox.ini").read_text()
    assert old in text
    problems = env_problems(tox_config(text.replace(old, new)))
    assert any(message in p for p in problems), problems

"""tox.ini read as tox 4 reads it, for the checks that hold docs, CI and the envs to each other."""

from __future__ import annotations

import configparser

from kindlab.core.paths import REPO_ROOT

TOX_INI = REPO_ROOT / "tox.ini"


def tox_config(text: str | None = None) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(TOX_INI.read_text() if text is None else text)
    return parser


def tox_envs(tox: configparser.ConfigParser) -> set[str]:
    return {s.split(":", 1)[1] for s in tox.sections() if s.startswith("testenv:")}


def tox_labels(tox: configparser.ConfigParser) -> dict[str, list[str]]:
    labels = {}
    for line in tox.get("tox", "labels", fallback="").splitlines():
        name, _, envs = line.partition("=")
        if name.strip():
            labels[name.strip()] = [e.strip() for e in envs.split(",") if e.strip()]
    return labels


def tox_setting(tox: configparser.ConfigParser, env: str, key: str) -> list[str]:
    """An env's setting, else [testenv]'s (tox 4: the env's own value replaces the base one)."""
    section = f"testenv:{env}"
    raw = tox.get(section, key, fallback=None)
    if raw is None:
        raw = tox.get("testenv", key, fallback="")
    raw = raw.replace(f"{{[testenv]{key}}}", tox.get("testenv", key, fallback=""))
    return [line.strip() for line in raw.splitlines() if line.strip()]

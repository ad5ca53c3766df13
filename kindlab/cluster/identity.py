"""Which cluster a command means, and where its kubeconfig lives.

Every tool that makes, finds or deletes a cluster asks here, so a name given once (flag or
KINDLAB_CLUSTER_NAME) means the same cluster to all of them. A name is also a path
(.pytest-kind/<name>/) that `down` deletes from and a Docker label, so it is checked here,
once, before any build or deletion: `--name ../..` must never reach the file system.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from kindlab.core.errors import KindlabError
from kindlab.core.paths import REPO_ROOT

DEFAULT_CLUSTER_NAME = "kindlab"
CLUSTER_NAME_VARIABLE = "KINDLAB_CLUSTER_NAME"
# kind's own rule (^[a-z0-9.-]+$, at most 50 characters: it appends "-control-plane" to make a
# 64-character host name), narrowed to a DNS-1123 label: no dots, so no "." or "..". Used with
# fullmatch: Python's `$` also matches before a trailing newline, so "kindlab\n" would pass.
NAME_PATTERN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
MAX_NAME_LENGTH = 50


class BadClusterName(KindlabError):
    """A cluster name kind would refuse, or one that would leave .pytest-kind/."""


def checked_cluster_name(name: str) -> str:
    """`name` when it is a valid cluster name, else BadClusterName saying what is allowed."""
    if len(name) > MAX_NAME_LENGTH or not NAME_PATTERN.fullmatch(name):
        raise BadClusterName(
            f"bad cluster name {name!r}: use lower-case letters, digits and '-' (not at either "
            f"end), at most {MAX_NAME_LENGTH} characters, e.g. {DEFAULT_CLUSTER_NAME}-2"
        )
    return name


def default_cluster_name() -> str:
    """KINDLAB_CLUSTER_NAME, else `kindlab`; checked either way."""
    return checked_cluster_name(os.environ.get(CLUSTER_NAME_VARIABLE) or DEFAULT_CLUSTER_NAME)


def chosen_cluster_name(flag: str | None) -> str:
    """The name a command's --name flag gives, else the default; checked either way, so every
    verb refuses the same names with the same message before it builds or deletes anything."""
    return checked_cluster_name(flag) if flag else default_cluster_name()


def kubeconfig_path(name: str) -> Path:
    return REPO_ROOT / ".pytest-kind" / checked_cluster_name(name) / "kubeconfig"

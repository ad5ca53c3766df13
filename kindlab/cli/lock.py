"""`kindlab lock`: remake versions/locks/ from pyproject.toml's pins with uv."""

from __future__ import annotations

import argparse
import sys

from kindlab.build.pylocks import write_locks
from kindlab.core.errors import KindlabError
from kindlab.core.paths import REPO_ROOT


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(prog="kindlab lock", description=__doc__).parse_args(argv)
    try:
        for path in write_locks():
            print(f"wrote {path.relative_to(REPO_ROOT)}")
    except KindlabError as exc:
        print(f"kindlab lock: {exc}", file=sys.stderr)
        return 1
    return 0

"""`kindlab compose ARGS`: `docker compose ARGS` with whichever compose this host has.

Debian's docker.io has no compose v2; kindlab builds the pinned plugin where it is missing.
"""

from __future__ import annotations

import subprocess
import sys

from kindlab.core.errors import KindlabError
from kindlab.core.output import say
from kindlab.host.compose import find_compose


def main(argv: list[str]) -> int:
    try:
        compose = find_compose()
    except KindlabError as exc:
        print(f"kindlab: {exc}", file=sys.stderr)
        return 1
    say(f"docker compose {compose.version} ({compose.origin})")
    return subprocess.run(compose.argv(*argv), env=dict(compose.env), check=False).returncode

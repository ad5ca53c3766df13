"""`kindlab watch CMD [ARG ...]`: run CMD, pass its output on, and speak up when it is silent.

.ci/run wraps its long steps in it (`python3 -m kindlab watch ...`) before anything is
installed, so this verb and everything it imports use the standard library only.
"""

from __future__ import annotations

import sys

from kindlab.core.watch import watch


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help"}:
        print("usage: kindlab watch CMD [ARG ...]", file=sys.stderr)
        return 0 if argv else 2
    return watch(argv)

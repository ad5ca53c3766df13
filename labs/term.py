"""Terminal output: colour when a person is watching a terminal, plain text when piped.

NO_COLOR (https://no-color.org) and TERM=dumb switch colour off; FORCE_COLOR switches it on.
"""

from __future__ import annotations

import os
from typing import TextIO

CODES = {"green": "32", "red": "31", "yellow": "33", "dim": "2", "bold": "1", "cyan": "36"}


def wants_colour(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"


class Painter:
    def __init__(self, stream: TextIO) -> None:
        self.enabled = wants_colour(stream)

    def __call__(self, text: str, *styles: str) -> str:
        if not self.enabled or not styles:
            return text
        codes = ";".join(CODES[s] for s in styles)
        return f"\033[{codes}m{text}\033[0m"

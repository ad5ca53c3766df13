"""Every lab, found by its folder: `labs/NN-name/lab.py` defines `LAB`.

Folder names start with the lab's number so they sort as a course does; they are not Python
package names (they contain dashes), so each `lab.py` is loaded from its path.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from functools import cache

from labs.framework import Lab
from labs.session import LABS_DIR

FOLDER = re.compile(r"^(\d{2})-[a-z0-9-]+$")


class UnknownLab(LookupError):
    """No lab has that number; the message lists the ones that exist."""


@cache
def all_labs() -> dict[int, Lab]:
    labs: dict[int, Lab] = {}
    for folder in sorted(LABS_DIR.iterdir()):
        match = FOLDER.match(folder.name)
        if not match or not (folder / "lab.py").is_file():
            continue
        lab = _load(folder.name, int(match[1]))
        if lab.number != int(match[1]) or lab.slug != folder.name:
            raise ValueError(f"{folder}/lab.py defines lab {lab.number} {lab.slug!r}")
        labs[lab.number] = lab
    return labs


def get(number: int) -> Lab:
    labs = all_labs()
    if number not in labs:
        known = ", ".join(str(n) for n in labs)
        raise UnknownLab(f"there is no lab {number}; the labs are {known} (see `labctl list`)")
    return labs[number]


def _load(slug: str, number: int) -> Lab:
    name = f"labs.lab{number:02d}"
    spec = importlib.util.spec_from_file_location(name, LABS_DIR / slug / "lab.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module.LAB

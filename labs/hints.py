"""Hints in three levels for each step of a lab's check, read from its hints.md.

A learner stuck on a step needs, in this order: where to look (a command that shows the
symptom), the concept (what Kubernetes does, and why that produces the symptom), and only then
the answer. So hints.md has one section per step, `## key` (the key a Step names; closely
related steps may share one), each with `### 1. ...`, `### 2. ...` and `### 3. ...`, and
`labctl hint N` shows the next level for the step that failed at the last check.
"""

from __future__ import annotations

import re

from labs.framework import Lab, Step

LEVELS = ("where to look", "the concept", "the answer")
SECTION = re.compile(r"^##[ \t]+(\S[^\n]*?)[ \t]*$")
LEVEL = re.compile(r"^###[ \t]+([1-9])\b")


class BadHints(ValueError):
    """A hints.md that does not give every section its three levels."""


def parse(text: str) -> dict[str, tuple[str, ...]]:
    """`## key` sections, each as its level texts in order (1, 2, 3); text before the first
    section (the file's title and intro) belongs to none."""
    sections: dict[str, dict[int, list[str]]] = {}
    levels: dict[int, list[str]] | None = None
    lines: list[str] | None = None
    key = ""
    for line in text.splitlines():
        section, level = SECTION.match(line), LEVEL.match(line)
        if section:
            key = section[1]
            if key in sections:
                raise BadHints(f"section {key!r} appears twice")
            levels = sections[key] = {}
            lines = None
        elif level and levels is not None:
            lines = levels.setdefault(int(level[1]), [])
        elif lines is not None:
            lines.append(line)
    parsed: dict[str, tuple[str, ...]] = {}
    for key, found in sections.items():
        if sorted(found) != list(range(1, len(LEVELS) + 1)):
            raise BadHints(f"section {key!r} has levels {sorted(found)}, not 1, 2 and 3")
        texts = tuple("\n".join(found[n]).strip() for n in sorted(found))
        if not all(texts):
            raise BadHints(f"section {key!r} has a level without text")
        parsed[key] = texts
    return parsed


def of(lab: Lab) -> dict[str, tuple[str, ...]]:
    return parse((lab.folder / "hints.md").read_text())


def step_named(lab: Lab, name: str | None) -> Step | None:
    return next((step for step in lab.steps if step.name == name), None)


def missing(lab: Lab, sections: dict[str, tuple[str, ...]]) -> list[str]:
    """Steps whose hint section hints.md lacks (the unit tier fails on any)."""
    return [f"{step.name} (## {step.hint})" for step in lab.steps if step.hint not in sections]

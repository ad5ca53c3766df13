"""The shell commands the labs print: every fenced ```sh block and every inline `command` of a
lab's README.md, hints.md and solution/README.md (and of labs/README.md).

A learner copies these; a removed module, a tox env that does not exist or a wrong labctl verb
must fail the tests, not the learner. The blocks are read, checked and run as the README's and
docs/' are (kindlab.testing.docblocks, .doccheck): a ```sh norun block is shown but never run by the
cluster self-test; a ```sh watch block (a `--watch`, a loop of requests) runs for a few seconds
and must still be running then; every other ```sh block is runnable, command by command, with
the lab's environment (`labctl env`).
"""

from __future__ import annotations

import functools
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from kindlab.cli.main import VERBS
from kindlab.core.paths import REPO_ROOT
from kindlab.testing import docblocks, doccheck
from labs.cli import COMMANDS
from labs.session import LABS_DIR

# Verbs that hand options they do not know on (to docker compose, gitlab-ci-local, the command).
PASSING_OPTIONS = {"compose", "pipeline", "watch"}


@dataclass(frozen=True)
class Command:
    source: Path
    line: int
    text: str
    runnable: bool
    # False for a `command` inside a sentence: checked statically, never run.
    fenced: bool = True
    # A ```sh watch block, whole: it runs until stopped (labs/docsrun.py runs it for a while).
    watch: bool = False
    # The first line of its fenced block (0 inline): the commands of one block go together.
    block: int = 0

    @property
    def where(self) -> str:
        return f"{self.source.relative_to(LABS_DIR.parent)}:{self.line}"


@functools.cache
def vocabulary() -> doccheck.Vocabulary:
    """What any documented command may name (README, docs/, the labs): tox envs and labels,
    kindlab verbs and their options, labctl verbs, this repository's files."""
    envs, labels = doccheck.tox_names(REPO_ROOT / "tox.ini")
    labctl = frozenset(COMMANDS) | {"env", "list"}
    return doccheck.Vocabulary(
        envs, labels, frozenset(VERBS), labctl, REPO_ROOT,
        kindlab_options=kindlab_options(),
        tox_verbs=doccheck.tox_kindlab_verbs(REPO_ROOT / "tox.ini"),
    )  # fmt: skip


def kindlab_options() -> dict[str, frozenset[str]]:
    """Each verb's options as its own `--help` lists them: the parsers are built inside each
    verb's main(), so asking the command is the one way that cannot drift from it."""
    checked = sorted(set(VERBS) - PASSING_OPTIONS)
    with ThreadPoolExecutor(4) as pool:
        shown = pool.map(_help, checked)
    return {verb: doccheck.help_options(text) for verb, text in zip(checked, shown, strict=True)}


def _help(verb: str) -> str:
    command = [sys.executable, "-m", "kindlab", verb, "--help"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def lab_documents(folder: Path) -> list[Path]:
    """A lab's README, hints and solution README, in the order a learner reads them."""
    names = ("README.md", "hints.md", "solution/README.md")
    return [folder / name for name in names if (folder / name).is_file()]


def all_documents() -> list[Path]:
    folders = sorted(p for p in LABS_DIR.iterdir() if re.match(r"\d{2}-", p.name))
    return [LABS_DIR / "README.md", *(doc for f in folders for doc in lab_documents(f))]


def commands(document: Path) -> list[Command]:
    """Every command of a document: those of ```sh blocks, line by line (a ```sh watch block
    as one), then the inline ones outside fenced blocks."""
    found: list[Command] = []
    for block in docblocks.fenced_blocks(document):
        if block.language not in docblocks.SHELLS:
            continue
        if docblocks.WATCH in block.tags:
            text = block.text.strip()
            found.append(Command(document, block.line, text, False, watch=True, block=block.line))
            continue
        found.extend(
            Command(document, line, text, block.runnable, block=block.line)
            for line, text in block.lines()
        )
    for line, code in docblocks.inline_code(document):
        if docblocks.is_command(code):
            found.append(Command(document, line, code, runnable=False, fenced=False))
    return found

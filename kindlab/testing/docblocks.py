"""Documented shell commands: the blocks and inline commands of a Markdown page, and running them.

How a Markdown file marks its blocks (the info string after the opening fence):

- ```` ```sh ```` (or `bash`, `shell`): runnable. Checked statically (kindlab.testing.doccheck),
  and executed in order by a cluster tier (bash, `set -euo pipefail`, from the repository root,
  on that tier's cluster).
- ```` ```sh norun ````: checked statically only (a command that builds for minutes, deletes
  the cluster or needs another host).
- ```` ```sh watch ````: a command that runs until the reader stops it (`--watch`, a loop of
  requests). Not run by the page runners; the labs tier runs each such block for a few seconds
  and passes it if it is still running then (labs/docsrun.py).
- anything else (```` ```text ````, ```` ```yaml ````, indented blocks): not a command.

A `command` written inline in a sentence is read too (checked, never run). The labs' READMEs,
hints and solutions are read, checked and run with the same functions (labs/docs.py,
labs/docsrun.py): one mechanism for every page.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

SHELLS = {"sh", "bash", "shell"}
NORUN, WATCH = "norun", "watch"
FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
# A `code span` in a sentence (not a fence), and the first words that make one a command.
INLINE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
COMMAND_WORDS = ("kubectl", "labctl", "kind", "kindlab", "docker", "tox", "python", "python3")
COMMAND_WORDS += ("curl", "eval")


def documented_pages(root: Path) -> list[Path]:
    """The pages whose commands CI checks: the README, k8s/ and monitoring/, and docs/."""
    fixed = [root / "README.md", root / "k8s" / "README.md", root / "monitoring" / "README.md"]
    return [*fixed, *sorted((root / "docs").glob("*.md"))]


@dataclass(frozen=True)
class ShellBlock:
    """A fenced block of a Markdown file; `line` is its first line's number (after the fence)."""

    source: Path
    line: int
    text: str
    runnable: bool
    # Further words of the info string (```sh norun prerequisites): names a test can ask for.
    tags: frozenset[str] = frozenset()
    language: str = "sh"

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}"

    @property
    def last_line(self) -> int:
        """The closing fence's line number."""
        return self.line + self.text.count("\n") + 1

    def lines(self) -> list[tuple[int, str]]:
        """The commands as a reader types them, one per line: continuation lines joined, blank
        and comment lines left out; each with its line number in the file."""
        typed: list[tuple[int, str]] = []
        pending, start = "", 0
        for number, raw in enumerate(self.text.splitlines(), start=self.line):
            start = start if pending else number
            stripped = raw.rstrip()
            if stripped.endswith("\\"):
                pending += stripped[:-1] + " "
                continue
            line, pending = (pending + stripped).strip(), ""
            if line and not line.startswith("#"):
                typed.append((start, line))
        return typed


def fenced_blocks(path: Path) -> list[ShellBlock]:
    """Every fenced block of a Markdown file, shell or not, in order."""
    blocks: list[ShellBlock] = []
    lines = path.read_text().splitlines()
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        words = opening["info"].split() or [""]
        fence, start = opening["fence"], index + 1
        index = start
        while index < len(lines) and not lines[index].strip().startswith(fence):
            index += 1
        body = "\n".join(line[len(opening["indent"]) :] for line in lines[start:index])
        runs = not {NORUN, WATCH} & set(words[1:])
        blocks.append(ShellBlock(path, start + 1, body, runs, frozenset(words[1:]), words[0]))
        index += 1
    return blocks


def shell_blocks(path: Path) -> list[ShellBlock]:
    """The fenced shell blocks of a Markdown file, in order."""
    return [block for block in fenced_blocks(path) if block.language in SHELLS]


def commands(text: str) -> list[list[str]]:
    """Each simple command of a block as words: continuation lines joined, comments dropped,
    split at `;`, `&&`, `||` and `|`. Heredoc bodies and unparsable lines are skipped."""
    joined = re.sub(r"\\\n", " ", text)
    found: list[list[str]] = []
    for line in joined.splitlines():
        try:
            lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|()")
            lexer.whitespace_split = True
            lexer.commenters = "#"
            words = list(lexer)
        except ValueError:
            continue
        current: list[str] = []
        for word in [*words, ";"]:
            if set(word) <= set(";&|()"):
                if current:
                    found.append(current)
                current = []
            else:
                current.append(word)
    return found


def inline_code(path: Path) -> list[tuple[int, str]]:
    """Each `code span` of a page outside its fenced blocks, with its line number."""
    text = path.read_text()
    blocks = fenced_blocks(path)
    spans = []
    for match in INLINE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        if not any(block.line - 1 <= line <= block.last_line for block in blocks):
            spans.append((line, match[1].strip()))
    return spans


def is_command(code: str) -> bool:
    return code.split(" ", 1)[0] in COMMAND_WORDS and " " in code


@dataclass(frozen=True)
class BlockRun:
    block: ShellBlock
    returncode: int
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def run_block(
    block: ShellBlock, cwd: Path, env: Mapping[str, str], timeout: float = 600
) -> BlockRun:
    """Run a block as a reader pastes it into bash, stopping at the first failing command."""
    code, output = run_shell("set -euo pipefail\n" + block.text, cwd, env, timeout)
    return BlockRun(block, code, output)


def run_shell(script: str, cwd: Path, env: Mapping[str, str], timeout: float) -> tuple[int, str]:
    """Exit code and output of `script` in bash, with no terminal input (a documented command
    that waits for a keypress fails instead of hanging); 124 when it ran out of time."""
    try:
        done = subprocess.run(
            ["bash", "-c", script], cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL,
            capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        return 124, f"did not finish in {timeout:g} s: {exc.stdout or ''}"
    return done.returncode, done.stdout + done.stderr


def runnable(paths: Iterable[Path]) -> list[ShellBlock]:
    return [block for path in paths for block in shell_blocks(path) if block.runnable]


def tool_dir(target: Path, tools: Mapping[str, Path]) -> Path:
    """A folder of symlinks (`kubectl` -> the pinned kubectl, ...) to put first on PATH, so a
    documented `kubectl` runs the binary the lab was built with."""
    target.mkdir(parents=True, exist_ok=True)
    for name, binary in tools.items():
        link = target / name
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(os.path.abspath(binary))
    return target

"""Documented shell commands, checked so a renamed env, verb, flag or file fails CI.

How a Markdown file marks its blocks (the info string after the opening fence):

- ```` ```sh ```` (or `bash`, `shell`): runnable. Checked statically, and executed in order by a
  cluster tier (bash, `set -euo pipefail`, from the repository root, on that tier's cluster).
- ```` ```sh norun ````: checked statically only (a command that builds for minutes, deletes
  the cluster or needs another host).
- anything else (```` ```text ````, ```` ```yaml ````, indented blocks): not a command.

The static check needs no cluster: every `tox -e ENV` names an environment of tox.ini, every
`tox -m LABEL` a label, every `kindlab VERB` a verb and only its options (also when tox passes
them: `tox -e down -- --name X`), every `labctl VERB` a labctl verb, every `python -m MODULE` and
`from MODULE import NAME` something importable, and every path into this repository exists. The
same holds for a `command` or a `path/into/the/repo` written inline in a sentence. The labs'
READMEs, hints and solutions are read, checked and run with the same functions (labs/docs.py,
labs/docsrun.py): one mechanism for every page.
"""

from __future__ import annotations

import configparser
import importlib
import importlib.util
import itertools
import os
import re
import shlex
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

SHELLS = {"sh", "bash", "shell"}
NORUN = "norun"
FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
# The top-level folders and files a documented path may start with (a path outside is prose).
PATH_TOKEN = re.compile(r"^[\w.-]+/[\w./<>*-]*$")
# Image repositories that read like paths into the kindlab/ package (`docker images kindlab/app`).
IMAGE_REPOSITORIES = {"kindlab/app", "kindlab/alert-receiver", "kindlab/ci-e2e"}
# A placeholder the reader fills in (`labs/NN-name/`, `--name NAME`), not a real path.
PLACEHOLDER = re.compile(r"\b[A-Z]{2,}\b")
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
        runs = NORUN not in words[1:]
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


@dataclass(frozen=True)
class Vocabulary:
    """What the commands may name: tox envs and labels, kindlab and labctl verbs, the repo."""

    tox_envs: frozenset[str]
    tox_labels: frozenset[str]
    kindlab_verbs: frozenset[str]
    labctl_verbs: frozenset[str]
    root: Path
    # The options each kindlab verb accepts; a verb not listed passes its options on (compose).
    kindlab_options: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # tox environments whose command is `kindlab VERB {posargs}`: what follows `--` is VERB's.
    tox_verbs: Mapping[str, str] = field(default_factory=dict)


def tox_names(tox_ini: Path) -> tuple[frozenset[str], frozenset[str]]:
    config = configparser.ConfigParser(interpolation=None)
    config.read(tox_ini)
    envs = {s.split(":", 1)[1] for s in config.sections() if s.startswith("testenv:")}
    envs |= {e.strip() for e in config.get("tox", "env_list", fallback="").split(",")}
    raw = config.get("tox", "labels", fallback="")
    labels = {line.split("=", 1)[0].strip() for line in raw.splitlines() if "=" in line}
    return frozenset(envs - {""}), frozenset(labels)


def tox_kindlab_verbs(tox_ini: Path) -> dict[str, str]:
    """The tox environments that run one `kindlab VERB {posargs}`, and that VERB."""
    config = configparser.ConfigParser(interpolation=None)
    config.read(tox_ini)
    verbs = {}
    for section in config.sections():
        command = config.get(section, "commands", fallback="").split()
        if section.startswith("testenv:") and command[:1] == ["kindlab"] and len(command) == 3:
            verbs[section.split(":", 1)[1]] = command[1]
    return verbs


def help_options(help_text: str) -> frozenset[str]:
    """The options an argparse `--help` lists under its options heading."""
    options = help_text.split("options:", 1)[-1]
    return frozenset(re.findall(r"^\s+(?:-\w, )?(--?[\w-]+)", options, flags=re.M)) | {"-h"}


def problems(block: ShellBlock, words: Vocabulary) -> list[str]:
    """What in the block names something that does not exist, one line each."""
    return [f"{block.where}: {p}" for p in text_problems(block.text, words)]


def text_problems(text: str, words: Vocabulary) -> list[str]:
    """What the shell text names that does not exist (a block, or a command in a sentence)."""
    found = [p for command in commands(text) for p in _command_problems(command, words)]
    return found + [f"no module {module}" for module in module_problems(text)]


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


def prose_problems(path: Path, words: Vocabulary) -> list[str]:
    """What a page's sentences name that does not exist: an inline `command` is checked as a
    block's would be, an inline `path/in/the/repo` must exist."""
    found = []
    for line, code in inline_code(path):
        if is_command(code):
            found += [f"{path}:{line}: {p}" for p in text_problems(code, words)]
        elif " " not in code:
            found += [f"{path}:{line}: {p}" for p in _path_problems(code, words.root)]
    return found


def module_problems(text: str) -> list[str]:
    """Each `python -m MODULE` that cannot be found, and each `from MODULE import NAME` that
    does not import or lacks NAME (a hint once imported a removed module)."""
    wrong = [m for m in re.findall(r"python3? -m ([\w.]+)", text) if not _findable(m)]
    for module, names in re.findall(r"from ([\w.]+) import (\w+(?: as \w+)?(?:, \w+)*)", text):
        try:
            found = importlib.import_module(module)
        except ImportError:
            wrong.append(module)
            continue
        imported = [n.split(" as ")[0].strip() for n in names.split(",")]
        wrong += [f"{module}.{n}" for n in imported if not hasattr(found, n)]
    return wrong


def _findable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False


def _command_problems(command: list[str], words: Vocabulary) -> list[str]:
    head, args = _strip_prefix(command)
    found = []
    if head == "tox":
        found += _tox_problems(args, words)
    verbs = {"kindlab": words.kindlab_verbs, "labctl": words.labctl_verbs}.get(head)
    if verbs is not None and args and not args[0].startswith("-") and args[0] not in verbs:
        found.append(f"`{head} {args[0]}`: no such verb ({', '.join(sorted(verbs))})")
    elif head == "kindlab" and args:
        found += _option_problems(args[0], args[1:], words)
    for word in command:
        found += _path_problems(word, words.root)
    return found


def _option_problems(verb: str, args: list[str], words: Vocabulary) -> list[str]:
    """Each `--option` given to a kindlab verb must be one it has."""
    known = words.kindlab_options.get(verb)
    if known is None:
        return []
    given = [a.split("=", 1)[0] for a in args if a.startswith("-") and a not in {"-", "--"}]
    return [f"`kindlab {verb} {o}`: no such option" for o in given if o not in known]


def _strip_prefix(command: list[str]) -> tuple[str, list[str]]:
    """The command after `sudo`, `VAR=value` assignments and `python3 -m`."""
    rest = list(command)
    while rest and (rest[0] == "sudo" or re.match(r"^[A-Za-z_]\w*=", rest[0])):
        rest.pop(0)
    if len(rest) >= 3 and rest[0].startswith("python") and rest[1] == "-m":
        rest = rest[2:]
    return (rest[0], rest[1:]) if rest else ("", [])


def _tox_problems(args: list[str], words: Vocabulary) -> list[str]:
    own, posargs = (
        (args[: args.index("--")], args[args.index("--") + 1 :]) if "--" in args else (args, [])
    )
    found = []
    envs = [value for option, value in itertools.pairwise(own) if option == "-e"]
    for env in (e for value in envs for e in value.split(",")):
        if env not in words.tox_envs:
            found.append(f"`tox -e {env}`: no such environment in tox.ini")
    for value in (v for option, v in itertools.pairwise(own) if option == "-m"):
        found += [
            f"`tox -m {label}`: no such label in tox.ini"
            for label in value.split()
            if label not in words.tox_labels
        ]
    if len(envs) == 1 and envs[0] in words.tox_verbs:
        found += _option_problems(words.tox_verbs[envs[0]], posargs, words)
    return found


def _path_problems(word: str, root: Path) -> list[str]:
    """A word that is a path into this repository (its first part exists here) must exist."""
    candidate = word.split("=", 1)[-1].rstrip(",:")
    if not PATH_TOKEN.match(candidate) or any(c in candidate for c in "<>*$"):
        return []
    if PLACEHOLDER.search(candidate):
        return []
    first = candidate.split("/", 1)[0]
    if first in {".", ".."} or not (root / first).exists() or first in {".tox", "reports"}:
        return []
    generated = (".pytest-kind", "e2e-artifacts", "labs/work", ".gitlab-ci-local")
    if candidate.startswith(generated) or candidate in IMAGE_REPOSITORIES:
        return []
    if not (root / candidate).exists():
        return [f"{candidate}: no such file or folder in the repository"]
    return []


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

"""Documented commands checked against the code, so a renamed env, verb, flag, module or file
fails CI, not the reader.

No cluster needed: every `tox -e ENV` names an environment of tox.ini, every `tox -m LABEL` a
label, every `kindlab VERB` a verb and only its options (also when tox passes them: `tox -e down
-- --name X`), every `labctl VERB` a labctl verb, every `python -m MODULE` and `from MODULE import
NAME` something importable, and every path into this repository exists; in a fenced block
(kindlab.testing.docblocks) or written inline in a sentence.
"""

from __future__ import annotations

import configparser
import importlib
import importlib.util
import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kindlab.testing.docblocks import ShellBlock, commands, inline_code, is_command

# The top-level folders and files a documented path may start with (a path outside is prose).
PATH_TOKEN = re.compile(r"^[\w.-]+/[\w./<>*-]*$")
# Image repositories that read like paths into the kindlab/ package (`docker images kindlab/app`).
IMAGE_REPOSITORIES = {"kindlab/app", "kindlab/alert-receiver", "kindlab/ci-e2e"}
# A placeholder the reader fills in (`labs/NN-name/`, `--name NAME`), not a real path.
PLACEHOLDER = re.compile(r"\b[A-Z]{2,}\b")


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

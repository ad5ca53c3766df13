"""Lock files of every Python dependency, transitive ones included, with their hashes.

pyproject.toml pins only what kindlab imports; what those pull in was whatever PyPI served that
day (a fresh image once got another Werkzeug than the host). Each lock (versions/locks/) is
made by `uv pip compile --generate-hashes` from pyproject.toml and pip installs it in hash-
checking mode: the image (Dockerfile, `app`) and each tox environment (tox.ini's `deps`). tox
itself, pinned in versions/versions.env, has a lock of its own (`tox`), which pip installs the
same way into a virtualenv of tox's own (README, .ci/run) and into the pipeline's jobs. (pipx has
no hash mode, and on Debian 13 its --pip-args also reach the upgrade of its own pip.) A lock
records a digest of the pins it was made from, so a lint test can say, offline, that a changed
pin left it stale; `kindlab lock` remakes them all with the uv pinned in pyproject.toml's `lock`
extra.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from kindlab.core.errors import KindlabError
from kindlab.core.paths import REPO_ROOT
from kindlab.core.process import run
from kindlab.core.versions import pin

LOCK_DIR = REPO_ROOT / "versions" / "locks"
PYPROJECT = REPO_ROOT / "pyproject.toml"
PYTHON_VERSION = "3.11"
INPUTS_PREFIX = "# inputs-sha256: "
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)")


@dataclass(frozen=True)
class Lock:
    """versions/locks/<name>.txt: pyproject's dependencies with `extras`."""

    name: str
    extras: tuple[str, ...] = ()
    # Tools pinned in versions/versions.env (tox -> TOX_VERSION), locked instead of pyproject's.
    tools: tuple[str, ...] = ()

    @property
    def path(self) -> Path:
        return LOCK_DIR / f"{self.name}.txt"


LOCKS = (
    Lock("app"),
    Lock("cluster", ("cluster",)),
    Lock("test", ("test",)),
    Lock("test-cluster", ("test", "cluster")),
    Lock("lint", ("lint", "test", "cluster")),
    Lock("e2e", ("test", "cluster", "browser")),
    Lock("tox", tools=("tox",)),
)


def requirements(lock: Lock, pyproject: Path = PYPROJECT) -> list[str]:
    """The direct requirements a lock is made from, as pinned."""
    if lock.tools:
        return sorted(f"{tool}=={pin(f'{tool.upper()}_VERSION')}" for tool in lock.tools)
    project = tomllib.loads(pyproject.read_text())["project"]
    wanted = list(project["dependencies"])
    for extra in lock.extras:
        wanted += project["optional-dependencies"][extra]
    return sorted(set(wanted))


def inputs_digest(lock: Lock, pyproject: Path = PYPROJECT) -> str:
    text = "\n".join([f"python {PYTHON_VERSION}", *requirements(lock, pyproject)])
    return hashlib.sha256(text.encode()).hexdigest()


def locked_pins(path: Path) -> dict[str, str]:
    """name -> version of every requirement in a lock file (names normalised)."""
    found = {}
    for line in path.read_text().splitlines():
        match = PIN.match(line)
        if match:
            found[normalise(match.group(1))] = match.group(2)
    return found


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def stale(lock: Lock, pyproject: Path = PYPROJECT) -> list[str]:
    """What is wrong with a lock file against pyproject's pins (empty: it is current)."""
    if not lock.path.is_file():
        return [f"{lock.path.name} is missing"]
    text = lock.path.read_text()
    problems = []
    if f"{INPUTS_PREFIX}{inputs_digest(lock, pyproject)}" not in text:
        source = "versions/versions.env" if lock.tools else "pyproject.toml"
        problems.append(f"{lock.path.name} was made from other pins than {source}'s")
    locked = locked_pins(lock.path)
    for requirement in requirements(lock, pyproject):
        match = PIN.match(requirement)
        if match and locked.get(normalise(match.group(1))) != match.group(2):
            problems.append(f"{lock.path.name} lacks {requirement}")
    unhashed = [n for n in locked if not _hashed(text, n)]
    if unhashed:
        problems.append(f"{lock.path.name} has no hash for {', '.join(unhashed)}")
    return problems


def _hashed(text: str, name: str) -> bool:
    block = re.search(rf"(?ims)^{re.escape(name)}==\S+(.*?)(?=^\S|\Z)", text)
    return block is not None and "--hash=sha256:" in block.group(1)


def write_lock(lock: Lock, uv: str = "uv") -> Path:
    """Make one lock with uv (universal: any platform, Python 3.11 and newer).

    uv runs beside its input so the lock names it by a stable relative path: a remade lock
    differs from the old one only where a version or hash does.
    """
    with tempfile.TemporaryDirectory(prefix="kindlab-lock-") as tmp:
        source = Path(tmp) / "requirements.in"
        source.write_text("\n".join(requirements(lock)) + "\n")
        made = Path(tmp) / "lock.txt"
        run([uv, "pip", "compile", "--quiet", "--native-tls", "--generate-hashes", "--universal",
             "--python-version", PYTHON_VERSION, "--custom-compile-command", "kindlab lock",
             source.name, "-o", str(made)], cwd=Path(tmp))  # fmt: skip
        header = f"{INPUTS_PREFIX}{inputs_digest(lock)}\n"
        LOCK_DIR.mkdir(parents=True, exist_ok=True)
        lock.path.write_text(header + made.read_text())
    return lock.path


def write_locks() -> list[Path]:
    uv = shutil.which("uv")
    if uv is None:
        raise KindlabError(
            "uv is not on PATH: install the pinned one (pyproject.toml's lock extra, e.g. "
            "`pip install -e .[lock]`), then run `kindlab lock` again"
        )
    return [write_lock(lock, uv) for lock in LOCKS]

"""The Debian packages a machine needs to run kindlab's suite, read from versions/packages.txt.

One declaration for every place that prepares a machine: .ci/run on the CI host, the GitLab e2e
job's before_script (which reads the file from its checkout at job time: GitLab cannot know it
earlier) and the stand-in images of `tox -e pipeline`. Before the list existed, the e2e job's
own copy lacked libatomic1, which Playwright's driver links, and every browser check errored
in the pipeline while the host, which had it, passed.

Standard library only: .ci/run and the job run it before any virtualenv exists.

    python3 -m kindlab.packages e2e              the e2e purpose's packages, one line
    python3 -m kindlab.packages --missing host e2e   only those not present on this machine
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from kindlab.core.paths import REPO_ROOT

PACKAGES_FILE = REPO_ROOT / "versions" / "packages.txt"


class PackagesFileError(ValueError):
    """The packages file is malformed, or names no such purpose; the message says which."""


@dataclass(frozen=True)
class Package:
    """One Debian package a purpose needs, and how to tell it is already there.

    `probe`: a command on PATH, or an absolute path, whose presence means the need is met (a
    Docker engine from docker-ce instead of Debian's docker.io does); None asks dpkg.
    """

    purpose: str
    name: str
    probe: str | None = None


def parse_packages(text: str, source: str = "packages.txt") -> list[Package]:
    """`purpose package [probe]` lines; blank lines and `#` comments are skipped."""
    declared: list[Package] = []
    seen: set[tuple[str, str]] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        fields = raw.split("#", 1)[0].split()
        if not fields:
            continue
        if len(fields) > 3:
            raise PackagesFileError(f"{source}:{number}: expected 'purpose package [probe]'")
        purpose, name, *probe = fields
        if (purpose, name) in seen:
            raise PackagesFileError(f"{source}:{number}: {name} is listed twice for {purpose}")
        seen.add((purpose, name))
        declared.append(Package(purpose, name, probe[0] if probe else None))
    return declared


def declared(path: Path = PACKAGES_FILE) -> list[Package]:
    return parse_packages(path.read_text(), str(path))


def select(purposes: Sequence[str], path: Path = PACKAGES_FILE) -> list[Package]:
    """The packages of `purposes`, in file order; a purpose the file lacks is an error."""
    everything = declared(path)
    unknown = sorted(set(purposes) - {p.purpose for p in everything})
    if unknown:
        raise PackagesFileError(f"{path} declares no purpose {', '.join(unknown)}")
    return [p for p in everything if p.purpose in purposes]


def names(purposes: Sequence[str], path: Path = PACKAGES_FILE) -> list[str]:
    """Package names of `purposes`, each once, in file order."""
    return list(dict.fromkeys(p.name for p in select(purposes, path)))


def dpkg_installed(name: str) -> bool:
    if shutil.which("dpkg-query") is None:
        return False
    query = ["dpkg-query", "--show", "--showformat", "${db:Status-Status}", name]
    found = subprocess.run(query, capture_output=True, text=True, check=False)
    return found.returncode == 0 and found.stdout.strip() == "installed"


def is_present(package: Package, installed: Callable[[str], bool] = dpkg_installed) -> bool:
    if package.probe is None:
        return installed(package.name)
    if package.probe.startswith("/"):
        return Path(package.probe).exists()
    return shutil.which(package.probe) is not None


def missing(
    purposes: Sequence[str],
    path: Path = PACKAGES_FILE,
    installed: Callable[[str], bool] = dpkg_installed,
) -> list[str]:
    """Names of the packages of `purposes` that this machine lacks, each once."""
    absent = [p.name for p in select(purposes, path) if not is_present(p, installed)]
    return list(dict.fromkeys(absent))


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    only_missing = "--missing" in args
    purposes = [a for a in args if a != "--missing"]
    if not purposes or any(a.startswith("-") for a in purposes):
        print("usage: python3 -m kindlab.packages [--missing] PURPOSE...", file=sys.stderr)
        return 2
    try:
        chosen = missing(purposes) if only_missing else names(purposes)
    except (OSError, PackagesFileError) as exc:
        print(f"kindlab.packages: {exc}", file=sys.stderr)
        return 1
    print(" ".join(chosen))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The minimal Debian image every air-gapped image starts from, made by debootstrap.

No registry is reachable, so even `FROM debian` is impossible; debootstrap only needs the
Debian mirror, which our machines and containers do reach.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from kindlab.build.dockerimages import KEY_LABEL, digest, is_current
from kindlab.core.cache import building, cache_root
from kindlab.core.output import say
from kindlab.core.process import run
from kindlab.core.versions import pin

MIRROR = os.environ.get("KINDLAB_DEBIAN_MIRROR", "http://deb.debian.org/debian")
TRIM = (
    "usr/share/doc",
    "usr/share/man",
    "usr/share/info",
    "usr/share/locale",
    "var/cache/apt",
    "var/lib/apt/lists",
)


def debian_image(suite: str | None = None) -> str:
    """`kindlab/debian:<suite>`, built once per suite and mirror; the pinned DEBIAN_SUITE unless
    another is asked for (the prerequisites test runs the README on bookworm and trixie)."""
    suite = suite or pin("DEBIAN_SUITE")
    ref = f"kindlab/debian:{suite}"
    key = digest(suite, MIRROR, *TRIM)
    if is_current(ref, key):
        return ref
    # smoke, distro and jobimages all start from it at the start of `tox -m ci -p`.
    with building(cache_root() / f"debian-{suite}"):
        if not is_current(ref, key):
            _debootstrap(suite, ref, key)
    return ref


def _debootstrap(suite: str, ref: str, key: str) -> None:
    _ensure_debootstrap()
    with tempfile.TemporaryDirectory(prefix="kindlab-rootfs-") as tmp:
        root = Path(tmp) / "rootfs"
        say(f"debootstrap {suite} (minbase) from {MIRROR}")
        run(["debootstrap", "--variant=minbase", suite, root, MIRROR])
        for relative in TRIM:
            shutil.rmtree(root / relative, ignore_errors=True)
        for needed in ("var/lib/apt/lists/partial", "var/cache/apt/archives/partial"):
            (root / needed).mkdir(parents=True, exist_ok=True)
        tar = subprocess.Popen(["tar", "-C", root, "-c", "."], stdout=subprocess.PIPE)
        run(
            [
                "docker", "import",
                "--change", f"LABEL {KEY_LABEL}={key}",
                "--change", 'CMD ["/bin/bash"]',
                "-", ref,
            ],
            input_bytes=tar.communicate()[0],
        )  # fmt: skip


def _ensure_debootstrap() -> None:
    if shutil.which("debootstrap"):
        return
    say("installing debootstrap (apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "install", "-y", "-qq", "debootstrap"], env=env)

"""The README's prerequisites, as written, on stock Debian 12 and 13: a working tox and doctor.

Each suite's root comes from debootstrap (no registry answers here; kindlab/debian:<suite> is
cached by suite), and the README's block tagged `prerequisites` runs verbatim in it as root
(sudo is installed first: a stock install has it, minbase does not), then its block tagged `tox`
in a copy of this checkout (the user's clone, whose tox lock it reads). Then `tox --version` from
the PATH the next login has (~/.local/bin first), and the README's block tagged `doctor`, verbatim,
in a copy of this checkout, talking to the host's engine through its socket.

Cost, measured on our 2-core host while other tiers ran (load average 15 to 27): cold 405 s
(the bookworm root already built by the platform, trixie's debootstrap about 45 s), warm 330 to
350 s. Warm keeps the roots (kindlab/debian:<suite>), apt's archives and pip's cache per suite
in the kindlab cache; what remains is apt unpacking docker.io, pip installing tox, and tox making
the doctor's virtualenv, in each container. It is a tier of its own (`tox -e distro`), which CI
runs beside the others from the start: it needs no cluster and mostly waits on apt and pip.
"""

from __future__ import annotations

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import pytest

from kindlab.build.airgap.debian import debian_image
from kindlab.core.cache import component_dir
from kindlab.core.output import say
from kindlab.core.paths import REPO_ROOT
from kindlab.core.trust import ca_bundle
from kindlab.core.versions import pin
from kindlab.testing import docblocks
from kindlab.testing.gates import require_docker

SUITES = {"bookworm": "Debian 12", "trixie": "Debian 13"}
RUN_SECONDS = 1200
STOCK_SUDO = "apt-get update -qq && apt-get install -y -qq sudo > /dev/null\n"
NEXT_SHELL = """
export PATH="$HOME/.local/bin:$PATH"   # the next login's PATH (Debian's ~/.profile)
tox --version
cd /kindlab
"""


def readme_block(tag: str) -> str:
    blocks = docblocks.shell_blocks(REPO_ROOT / "README.md")
    (block,) = [b for b in blocks if tag in b.tags]
    return block.text + "\n"


def docker_socket() -> str:
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    parsed = urlparse(host)
    if parsed.scheme != "unix":
        pytest.fail(f"the prerequisites test mounts a local engine's socket; DOCKER_HOST={host}")
    return parsed.path


def checkout_tar() -> bytes:
    """This checkout's tracked files as they are now (uncommitted edits included)."""
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True
    ).stdout
    present = b"\0".join(f for f in files.split(b"\0") if f and (REPO_ROOT / f.decode()).exists())
    return subprocess.run(
        ["tar", "-C", str(REPO_ROOT), "--null", "-T", "-", "-c"],
        input=present, capture_output=True, check=True,
    ).stdout  # fmt: skip


def run_prerequisites(suite: str, checkout: bytes) -> str:
    """The README's block and the checks after it in a fresh `suite` container; its output."""
    image = debian_image(suite)
    mounts = [
        "-v", f"{docker_socket()}:/var/run/docker.sock",
        "-v", f"{component_dir('prerequisites-apt', suite)}:/var/cache/apt/archives",
        "-v", f"{component_dir('prerequisites-pip', suite)}:/root/.cache/pip",
    ]  # fmt: skip
    bundle = ca_bundle()
    if bundle is not None:  # a TLS-intercepting proxy: as README "Troubleshooting" says
        mounts += ["-v", f"{bundle}:/host-ca.pem:ro", "-e", "PIP_CERT=/host-ca.pem"]
    script = (
        "set -euo pipefail\nmkdir /kindlab && tar -C /kindlab -x\n"
        + STOCK_SUDO
        + readme_block("prerequisites")
        + "cd /kindlab   # the clone\n"
        + readme_block("tox")
        + NEXT_SHELL
        + readme_block("doctor")
    )
    result = subprocess.run(
        ["docker", "run", "--rm", "-i", "-e", "DEBIAN_FRONTEND=noninteractive", *mounts,
         image, "bash", "-c", script],
        input=checkout, capture_output=True, timeout=RUN_SECONDS, check=False,
    )  # fmt: skip
    output = (result.stdout + result.stderr).decode(errors="replace")
    assert result.returncode == 0, f"{SUITES[suite]}:\n{output[-4000:]}"
    return output


def test_readme_prerequisites_give_tox_and_doctor():
    """Both suites at once: each container mostly waits on the mirror and PyPI."""
    require_docker("the Debian containers")
    for suite in SUITES:  # debootstrap one at a time (cached by suite)
        debian_image(suite)
    checkout = checkout_tar()
    with ThreadPoolExecutor(len(SUITES)) as pool:
        outputs = dict(
            zip(SUITES, pool.map(run_prerequisites, SUITES, [checkout] * 2), strict=True)
        )
    for suite, output in outputs.items():
        lines = [line for line in output.splitlines() if line[:4] in {"ok  ", "warn", "FAIL"}]
        say(f"{SUITES[suite]}: kindlab doctor --lab-only in the container:\n" + "\n".join(lines))
        assert f"{pin('TOX_VERSION')} from" in output, output[-3000:]
        assert "ok    docker" in output and "ok    buildkit" in output, output[-3000:]

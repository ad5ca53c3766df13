"""Release binaries downloaded when we are online, checked against the SHA-256 we pinned.

Compiling kubectl from its Go module takes minutes; a user who can reach dl.k8s.io gets the
very same pinned release in seconds. A download is only as good as its check, and a digest
fetched from the host that serves the binary proves nothing about where it came from, so every
artefact's SHA-256 is pinned in versions/checksums.txt (committed, reviewed like any version
pin) and the file is verified against that pin before it is ever used, also when it is already
in the cache. A URL with no pin is never downloaded. The file is written atomically
(temporary file, then rename): an interrupted download or a mismatch leaves nothing behind.

KINDLAB_AIRGAP, the switch between going online and building everything from source, is read
here too (`airgap_setting`), so the cluster platform and the binaries decide from one parsing.
"""

from __future__ import annotations

import hashlib
import os
import platform
import re
import tempfile
from pathlib import Path

import requests

from kindlab.core.cache import component_dir
from kindlab.core.errors import KindlabError
from kindlab.core.output import say
from kindlab.core.paths import REPO_ROOT

AIRGAP_VARIABLE = "KINDLAB_AIRGAP"
KUBERNETES_RELEASES = "https://dl.k8s.io/release"
# Release artefacts are named by Go's architecture names.
GO_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
CONNECT_SECONDS, READ_SECONDS = 10.0, 60.0
CHUNK_BYTES = 1 << 20
# `<sha256>  <url>` per line, as sha256sum writes them (with the URL for the file name).
CHECKSUMS = REPO_ROOT / "versions" / "checksums.txt"


class DownloadError(KindlabError):
    """A release could not be fetched; the message names the URL and what went wrong."""


class ChecksumMismatch(DownloadError):
    """The downloaded bytes are not what the publisher's SHA-256 says: nothing was kept."""


def airgap_setting() -> bool | None:
    """KINDLAB_AIRGAP: True for 1/true/yes, False for 0/false/no, None for unset/auto (decide)."""
    value = os.environ.get(AIRGAP_VARIABLE, "auto").strip().lower()
    if value in {"1", "true", "yes"}:
        return True
    if value in {"0", "false", "no"}:
        return False
    return None


def answers(url: str, timeout: float = 5.0) -> bool:
    """Any HTTP answer (even 401 or 404) means the host can be reached from here."""
    try:
        requests.head(url, timeout=timeout, allow_redirects=False)
    except requests.RequestException:
        return False
    return True


def go_arch() -> str:
    machine = platform.machine().lower()
    return GO_ARCH.get(machine, machine)


def kubectl_release_path(version: str) -> Path:
    """Where the verified kubectl release of `version` lives in the kindlab cache."""
    return component_dir("kubectl-release", f"{version}-linux-{go_arch()}") / "kubectl"


def kubectl_release_url(version: str, base: str = KUBERNETES_RELEASES) -> str:
    return f"{base}/{version}/bin/linux/{go_arch()}/kubectl"


def kind_release_url(version: str) -> str:
    return f"https://github.com/kubernetes-sigs/kind/releases/download/{version}/kind-linux-{go_arch()}"


def kubectl_release(version: str, base: str = KUBERNETES_RELEASES) -> Path:
    """The pinned kubectl release, downloaded once, verified against its pin on every use."""
    return fetch_verified(kubectl_release_url(version, base), kubectl_release_path(version))


def pinned_sha256(url: str) -> str | None:
    """The SHA-256 versions/checksums.txt pins for `url`, None when it pins none."""
    for line in CHECKSUMS.read_text().splitlines():
        fields = line.split()
        if len(fields) == 2 and not line.startswith("#") and fields[1] == url:
            if not SHA256_HEX.match(fields[0]):
                raise DownloadError(f"{CHECKSUMS}: {fields[0]!r} is not a SHA-256 digest")
            return fields[0]
    return None


def file_sha256(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
            sha.update(chunk)
    return sha.hexdigest()


def verified(target: Path, url: str) -> bool:
    """`target` is there, executable, and exactly the bytes pinned for `url`."""
    expected = pinned_sha256(url)
    present = target.is_file() and os.access(target, os.X_OK)
    return expected is not None and present and file_sha256(target) == expected


def fetch_verified(url: str, target: Path) -> Path:
    """`target`, downloaded from `url` unless the cache holds the pinned bytes already."""
    expected = pinned_sha256(url)
    if expected is None:
        raise DownloadError(
            f"no SHA-256 pinned for {url} in {CHECKSUMS}: add "
            f"'<sha256>  {url}' there, taken from a source you trust, or build it from source"
        )
    if target.exists():
        if verified(target, url):
            return target
        say(f"{target} is not the release pinned for {url} (SHA-256 differs): fetching it again")
        target.unlink()
    target.parent.mkdir(parents=True, exist_ok=True)
    say(f"downloading {url} (checked against its pinned SHA-256)")
    fd, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}-", suffix=".part")
    try:
        sha = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            try:
                with requests.get(url, stream=True, timeout=(CONNECT_SECONDS, READ_SECONDS)) as r:
                    r.raise_for_status()
                    for chunk in r.iter_content(chunk_size=CHUNK_BYTES):
                        out.write(chunk)
                        sha.update(chunk)
            except requests.RequestException as exc:
                raise DownloadError(f"downloading {url} failed: {exc}") from exc
            out.flush()
            os.fsync(out.fileno())
        actual = sha.hexdigest()
        if actual != expected:
            raise ChecksumMismatch(
                f"checksum mismatch for {url}: the pinned SHA-256 is {expected}, "
                f"the downloaded file's is {actual}; the file was discarded"
            )
        os.chmod(partial, 0o755)
        os.replace(partial, target)
    finally:
        Path(partial).unlink(missing_ok=True)
    return target

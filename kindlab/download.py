"""Release binaries downloaded when we are online, checked against their published SHA-256.

Compiling kubectl from its Go module takes minutes; a user who can reach dl.k8s.io gets the
very same pinned release in seconds. A download is only as good as its check, so the file is
verified against the digest published next to it (`<url>.sha256`) before it is ever used, and
it is written atomically (temporary file, then rename): an interrupted download or a checksum
mismatch never leaves a file behind that a later run would take for a good one.

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

from kindlab.cache import component_dir
from kindlab.errors import KindlabError
from kindlab.progress import say

AIRGAP_VARIABLE = "KINDLAB_AIRGAP"
KUBERNETES_RELEASES = "https://dl.k8s.io/release"
# Release artefacts are named by Go's architecture names.
GO_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
CONNECT_SECONDS, READ_SECONDS = 10.0, 60.0
CHUNK_BYTES = 1 << 20


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


def kubectl_release(version: str, base: str = KUBERNETES_RELEASES) -> Path:
    """The pinned kubectl release, downloaded and verified once, then taken from the cache."""
    return fetch_verified(kubectl_release_url(version, base), kubectl_release_path(version))


def fetch_verified(url: str, target: Path) -> Path:
    """`target`, downloaded from `url` unless present, checked against `<url>.sha256`."""
    if present(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    expected = _published_sha256(url)
    say(f"downloading {url} (checked against its SHA-256)")
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
                f"checksum mismatch for {url}: the published SHA-256 is {expected}, "
                f"the downloaded file's is {actual}; the file was discarded"
            )
        os.chmod(partial, 0o755)
        os.replace(partial, target)
    finally:
        Path(partial).unlink(missing_ok=True)
    return target


def present(target: Path) -> bool:
    """Only a verified download is ever renamed into place: one that is there is good."""
    return target.is_file() and os.access(target, os.X_OK)


def _published_sha256(url: str) -> str:
    try:
        response = requests.get(f"{url}.sha256", timeout=(CONNECT_SECONDS, READ_SECONDS))
        response.raise_for_status()
    except requests.RequestException as exc:
        raise DownloadError(f"fetching the checksum {url}.sha256 failed: {exc}") from exc
    fields = response.text.split()
    digest = fields[0].lower() if fields else ""
    if not SHA256_HEX.match(digest):
        raise DownloadError(f"{url}.sha256 holds no SHA-256 digest: {response.text[:100]!r}")
    return digest

"""The verified release download against a real HTTP server on loopback; download or build.

The digests are pinned (versions/checksums.txt, here a file of the test's own): the server
also publishes `<url>.sha256` beside each file, as dl.k8s.io does, and that must change nothing."""

import hashlib
import http.server
import os
import socket
import stat
import threading

import pytest

from kindlab.build import download
from kindlab.build.airgap import binaries
from kindlab.core.versions import pin

VERSION = "v1.34.0"
PAYLOAD = b"#!/bin/sh\necho kubectl\n" * 1000


class Releases:
    """Files served by path on 127.0.0.1, with a log of every request."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.requests: list[str] = []
        # Path -> bytes of the body actually sent before the connection is dropped.
        self.truncated: dict[str, int] = {}

    def kubectl(self, body: bytes, pinned: str | None = None) -> None:
        """Serve `body` with a `.sha256` that matches it, and pin `pinned` (default: its digest)."""
        path = f"/{VERSION}/bin/linux/{download.go_arch()}/kubectl"
        self.files[path] = body
        self.files[f"{path}.sha256"] = hashlib.sha256(body).hexdigest().encode()
        pin_digest(f"{self.base}{path}", pinned or hashlib.sha256(body).hexdigest())


@pytest.fixture
def server():
    releases = Releases()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_HEAD(self):
            releases.requests.append(f"HEAD {self.path}")
            self.send_response(404)
            self.end_headers()

        def do_GET(self):
            releases.requests.append(self.path)
            body = releases.files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: releases.truncated.get(self.path, len(body))])

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    releases.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield releases
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def pin_digest(url: str, digest: str) -> None:
    with download.CHECKSUMS.open("a") as pins:
        pins.write(f"{digest}  {url}\n")


@pytest.fixture(autouse=True)
def pins(tmp_path, monkeypatch):
    checksums = tmp_path / "checksums.txt"
    checksums.write_text("# pins of this test\n")
    monkeypatch.setattr(download, "CHECKSUMS", checksums)
    return checksums


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KINDLAB_CACHE", str(tmp_path))
    return tmp_path


def leftovers(target):
    return sorted(p.name for p in target.parent.iterdir() if p != target)


def test_a_verified_release_lands_executable_in_the_cache_once(server, cache):
    server.kubectl(PAYLOAD)
    path = download.kubectl_release(VERSION, base=server.base)
    assert path == download.kubectl_release_path(VERSION)
    assert path.is_relative_to(cache)
    assert path.read_bytes() == PAYLOAD
    assert stat.S_IMODE(path.stat().st_mode) == 0o755
    assert leftovers(path) == []
    fetched = len(server.requests)
    assert fetched == 1  # the binary alone: the digest is pinned, not fetched

    again = download.kubectl_release(VERSION, base=server.base)
    assert again == path
    assert len(server.requests) == fetched, "a cached release must not be downloaded again"


def test_a_binary_whose_published_checksum_matches_but_the_pin_does_not_is_refused(server):
    """A compromised release host serves a tampered binary and a .sha256 that matches it."""
    pinned = hashlib.sha256(b"what upstream released").hexdigest()
    server.kubectl(PAYLOAD, pinned=pinned)
    with pytest.raises(download.ChecksumMismatch) as failure:
        download.kubectl_release(VERSION, base=server.base)
    message = str(failure.value)
    assert pinned in message
    assert hashlib.sha256(PAYLOAD).hexdigest() in message
    target = download.kubectl_release_path(VERSION)
    assert not target.exists()
    assert leftovers(target) == []


def test_a_tampered_binary_in_the_cache_is_not_trusted(server):
    server.kubectl(PAYLOAD)
    path = download.kubectl_release(VERSION, base=server.base)
    path.write_bytes(b"#!/bin/sh\necho owned\n")
    assert download.kubectl_release(VERSION, base=server.base).read_bytes() == PAYLOAD
    assert len(server.requests) == 2, "the tampered file was used instead of fetched again"


def test_an_interrupted_download_leaves_no_file_to_reuse(server):
    server.kubectl(PAYLOAD)
    path = f"/{VERSION}/bin/linux/{download.go_arch()}/kubectl"
    server.truncated[path] = len(PAYLOAD) // 2
    with pytest.raises(download.DownloadError, match="failed"):
        download.kubectl_release(VERSION, base=server.base)
    target = download.kubectl_release_path(VERSION)
    assert not target.exists()
    assert leftovers(target) == []

    del server.truncated[path]
    assert download.kubectl_release(VERSION, base=server.base).read_bytes() == PAYLOAD


def test_without_a_pin_nothing_is_downloaded(server, pins):
    server.kubectl(PAYLOAD)
    pins.write_text("# nothing pinned\n")
    with pytest.raises(download.DownloadError, match=r"no SHA-256 pinned for .*kubectl in "):
        download.kubectl_release(VERSION, base=server.base)
    assert not download.kubectl_release_path(VERSION).exists()
    assert server.requests == []


def test_a_malformed_pin_is_an_error(server, pins):
    server.kubectl(PAYLOAD, pinned="n/a")
    with pytest.raises(download.DownloadError, match="'n/a' is not a SHA-256 digest"):
        download.kubectl_release(VERSION, base=server.base)
    assert server.requests == []


def test_every_pin_of_the_repository_is_well_formed():
    pins = download.REPO_ROOT / "versions" / "checksums.txt"
    for line in pins.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            digest, url = line.split()
            assert download.SHA256_HEX.match(digest) and url.startswith("https://"), line


def test_any_http_answer_counts_as_reachable(server):
    assert download.answers(f"{server.base}/nothing-here", timeout=2)
    assert server.requests == ["HEAD /nothing-here"]


def test_no_answer_is_unreachable():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Nothing listens on the port any more: the connection is refused.
    assert not download.answers(f"http://127.0.0.1:{port}/", timeout=2)


def never_probed():
    raise AssertionError("an explicit setting must not probe the network")


@pytest.mark.parametrize(
    ("value", "fetch"),
    [("1", False), ("true", False), ("YES", False), ("0", True), ("false", True), ("no", True)],
)
def test_kindlab_airgap_decides_without_probing(monkeypatch, value, fetch):
    monkeypatch.setenv("KINDLAB_AIRGAP", value)
    chosen, why = binaries.kubectl_plan(probe=never_probed)
    assert chosen is fetch
    assert f"KINDLAB_AIRGAP={value}" in why


@pytest.mark.parametrize("value", [None, "auto", ""])
@pytest.mark.parametrize("answered", [True, False])
def test_auto_downloads_exactly_when_the_release_host_answers(monkeypatch, value, answered):
    url = download.kubectl_release_url(pin("KUBERNETES_VERSION"))
    pin_digest(url, hashlib.sha256(PAYLOAD).hexdigest())
    if value is None:
        monkeypatch.delenv("KINDLAB_AIRGAP", raising=False)
    else:
        monkeypatch.setenv("KINDLAB_AIRGAP", value)
    probes = []

    def probe():
        probes.append(1)
        return answered

    assert binaries.kubectl_plan(probe=probe)[0] is answered
    assert probes == [1]


def test_auto_uses_a_verified_release_already_cached(monkeypatch):
    monkeypatch.delenv("KINDLAB_AIRGAP", raising=False)
    version = pin("KUBERNETES_VERSION")
    pin_digest(download.kubectl_release_url(version), hashlib.sha256(PAYLOAD).hexdigest())
    target = download.kubectl_release_path(version)
    target.write_bytes(PAYLOAD)
    os.chmod(target, 0o755)
    assert binaries.kubectl_plan(probe=never_probed) == (True, "already downloaded and verified")
    target.write_bytes(PAYLOAD + b"# changed\n")
    assert binaries.kubectl_plan(probe=lambda: False) == (False, "dl.k8s.io did not answer")


def test_an_unpinned_release_is_built_not_downloaded(monkeypatch):
    monkeypatch.delenv("KINDLAB_AIRGAP", raising=False)
    chosen, why = binaries.kubectl_plan(probe=never_probed)
    assert chosen is False and "no SHA-256 pinned" in why


def test_an_explicit_mode_beats_the_variable(monkeypatch):
    monkeypatch.setenv("KINDLAB_AIRGAP", "0")
    assert binaries.kubectl_plan(airgap=True, probe=never_probed)[0] is False
    monkeypatch.setenv("KINDLAB_AIRGAP", "1")
    assert binaries.kubectl_plan(airgap=False, probe=never_probed)[0] is True


def test_kubectl_is_built_alone_and_not_twice():
    kubectl = binaries.kubernetes_build("kubectl", ("kubectl",))
    others = binaries.kubernetes_build("kubernetes", binaries.KUBERNETES_COMMANDS)
    assert kubectl.packages == ("k8s.io/kubernetes/cmd/kubectl",)
    assert len(others.packages) == 6
    assert "k8s.io/kubernetes/cmd/kubectl" not in others.packages
    version = pin("KUBERNETES_VERSION")
    assert f"-X k8s.io/component-base/version.gitVersion={version}" in kubectl.ldflags
    assert kubectl.ldflags == others.ldflags
    assert kubectl.staging_version == others.staging_version == "v0.34.0"
    assert kubectl.key() != others.key()

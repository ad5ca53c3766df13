"""How kindlab.build.appimage picks a docker client that runs BuildKit (fake clients, no daemon)."""

from __future__ import annotations

import os
import stat

import pytest

from kindlab.build import appimage


def fake_docker(directory, version: str, buildx: bool):
    directory.mkdir(parents=True)
    script = directory / "docker"
    script.write_text(
        "#!/bin/sh\n"
        f'[ "$1" = "--version" ] && echo "Docker version {version}, build abc" && exit 0\n'
        f'[ "$1" = "buildx" ] && exit {0 if buildx else 1}\n'
        "exit 2\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


@pytest.fixture
def clients_on_path(tmp_path, monkeypatch):
    def install(*specs: tuple[str, bool], debian: tuple[str, bool] | None = None) -> list[str]:
        paths = [fake_docker(tmp_path / f"c{i}", v, b) for i, (v, b) in enumerate(specs)]
        monkeypatch.setenv("PATH", os.pathsep.join(os.path.dirname(p) for p in paths))
        debian_path = fake_docker(tmp_path / "debian", *debian) if debian else "/nonexistent"
        monkeypatch.setattr(appimage, "DEBIAN_DOCKER", debian_path)
        return [*paths, debian_path]

    return install


def test_prefers_buildx_when_it_works(clients_on_path):
    new, *_ = clients_on_path(("28.2.2", True), ("20.10.24", False))
    client = appimage.find_buildkit_client()
    assert client.argv == [new, "buildx", "build", "--load"]
    assert client.env == {}


def test_new_client_without_buildx_falls_back_to_debians_20_10(clients_on_path):
    *_, debian = clients_on_path(("28.2.2", False), debian=("20.10.24+dfsg1", False))
    client = appimage.find_buildkit_client()
    assert client.argv == [debian, "build"]
    assert client.env == {"DOCKER_BUILDKIT": "1"}


def test_clear_error_when_no_client_can_do_buildkit(clients_on_path):
    clients_on_path(("28.2.2", False), ("19.03.1", False))
    with pytest.raises(appimage.BuildKitUnavailable, match=r"28\.2.*19\.3.*buildx"):
        appimage.find_buildkit_client()


def test_ca_bundle_prefers_the_env(tmp_path, monkeypatch):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("x")
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    assert appimage.ca_bundle() == bundle
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    assert appimage.ca_bundle() == bundle


def test_the_command_reads_as_typed_and_says_why_this_client(clients_on_path, monkeypatch):
    monkeypatch.setattr(appimage, "ca_bundle", lambda: None)  # no TLS-intercepting proxy
    *_, debian = clients_on_path(("28.2.2", False), debian=("20.10.24+dfsg1", False))
    client = appimage.find_buildkit_client()
    options = appimage.build_options("kindlab/app:lab1", "lab1", "kindlab/python3:bookworm")
    # PATH finds the 28.2 client first: the line names Debian's by its path.
    assert client.typed([*options, "."]) == (
        f"DOCKER_BUILDKIT=1 {debian} build --build-arg BASE_IMAGE=kindlab/python3:bookworm "
        "--build-arg APP_VERSION=lab1 -t kindlab/app:lab1 ."
    )
    assert "20.10 client" in client.why and "buildx" in client.why


def test_plain_docker_when_path_finds_the_buildx_client(clients_on_path, tmp_path, monkeypatch):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("x")
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    clients_on_path(("28.2.2", True))
    options = appimage.build_options("kindlab/app:lab1", "lab1", "python:3.11-slim")
    assert appimage.find_buildkit_client().typed(options) == (
        "docker buildx build --load --build-arg BASE_IMAGE=python:3.11-slim --build-arg "
        f"APP_VERSION=lab1 -t kindlab/app:lab1 --secret id=ca_bundle,src={bundle}"
    )

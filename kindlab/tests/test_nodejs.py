import platform

import pytest

from kindlab.build.nodejs import NodeTools, NodeUnavailable, node_package
from kindlab.core.versions import pin


@pytest.mark.parametrize(("machine", "arch"), [("x86_64", "x64"), ("aarch64", "arm64")])
def test_the_runtime_package_matches_the_machine(monkeypatch, machine, arch):
    monkeypatch.setattr(platform, "machine", lambda: machine)
    assert node_package() == f"node-linux-{arch}@{pin('NODE_RUNTIME_VERSION')}"


def test_a_machine_without_a_runtime_package_is_named(monkeypatch):
    monkeypatch.setattr(platform, "machine", lambda: "riscv64")
    with pytest.raises(NodeUnavailable, match="riscv64"):
        node_package()


def test_builds_trust_the_hosts_ca_bundle(tmp_path, monkeypatch):
    """Node ships its own CA list: behind an intercepting proxy it must be told of the host's."""
    bundle = tmp_path / "ca.crt"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    monkeypatch.delenv("NODE_EXTRA_CA_CERTS", raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    env = NodeTools(tmp_path).env()
    assert env["NODE_EXTRA_CA_CERTS"] == str(bundle)
    monkeypatch.setenv("NODE_EXTRA_CA_CERTS", "/mine.crt")
    assert NodeTools(tmp_path).env()["NODE_EXTRA_CA_CERTS"] == "/mine.crt"

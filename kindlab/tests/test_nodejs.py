import platform

import pytest

from kindlab.nodejs import NodeUnavailable, node_package
from kindlab.versions import pin

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("machine", "arch"), [("x86_64", "x64"), ("aarch64", "arm64")])
def test_the_runtime_package_matches_the_machine(monkeypatch, machine, arch):
    monkeypatch.setattr(platform, "machine", lambda: machine)
    assert node_package() == f"node-linux-{arch}@{pin('NODE_RUNTIME_VERSION')}"


def test_a_machine_without_a_runtime_package_is_named(monkeypatch):
    monkeypatch.setattr(platform, "machine", lambda: "riscv64")
    with pytest.raises(NodeUnavailable, match="riscv64"):
        node_package()

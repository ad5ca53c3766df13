"""kindlab doctor: each check's line on a good host and on the broken input it exists for."""

import os
import shutil
import socket
import subprocess
import sys

import pytest

from kindlab.bringup import preflight
from kindlab.build import appimage
from kindlab.cli.main import main as kindlab
from kindlab.host import doctor

GIB = doctor.GIB


def _script(folder, name, body):
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


def test_a_dead_docker_host_fails_with_the_address_and_the_fix(tmp_path):
    env = {**os.environ, "DOCKER_HOST": f"unix://{tmp_path}/dead.sock"}
    finding = doctor.docker_engine(env)
    assert finding.failed
    if "no docker client" in finding.detail:  # a host without a docker client at all
        assert finding.fix == "apt-get install docker.io"
    else:
        assert f"unix://{tmp_path}/dead.sock does not answer" in finding.detail
        assert "DOCKER_HOST" in finding.fix
    assert finding.line().startswith("FAIL  docker")


def test_no_docker_client_says_which_package(tmp_path):
    finding = doctor.docker_engine({"PATH": str(tmp_path)})
    assert finding.failed and finding.fix == "apt-get install docker.io"


def _only_client(version, folder, monkeypatch):
    """The only docker client here: `version`, without the buildx plugin."""
    _script(folder, "docker", f'case "$1" in --version) echo "Docker version {version}";; '
            "*) exit 1;; esac")  # fmt: skip
    monkeypatch.setenv("PATH", str(folder))
    monkeypatch.setattr(appimage, "DEBIAN_DOCKER", str(folder / "absent"))


def test_a_docker_23_client_without_buildx_fails_buildkit(tmp_path, monkeypatch):
    _only_client("24.0.7", tmp_path, monkeypatch)
    finding = doctor.buildkit()
    assert finding.failed
    assert "24.0" in finding.detail and "buildx" in finding.detail
    assert finding.fix == "apt-get install docker-buildx"


def test_a_20_10_client_is_a_buildkit_builder(tmp_path, monkeypatch):
    _only_client("20.10.24", tmp_path, monkeypatch)
    finding = doctor.buildkit()
    assert finding.state == doctor.OK and "DOCKER_BUILDKIT=1" in finding.detail


def test_a_go_older_than_the_pin_fails(tmp_path, monkeypatch):
    _script(tmp_path, "go", 'echo "go version go1.22.2 linux/amd64"')
    monkeypatch.setenv("PATH", str(tmp_path))
    finding = doctor.go_toolchain("1.26.8")
    assert finding.failed
    assert "Go 1.22.2, older than the pin 1.26.8" in finding.detail
    assert "install Go 1.26.8" in finding.fix


def test_a_go_at_or_after_the_pin_passes(tmp_path, monkeypatch):
    _script(tmp_path, "go", 'echo "go version go1.26.10 linux/amd64"')
    monkeypatch.setenv("PATH", str(tmp_path))
    assert doctor.go_toolchain("1.26.8").state == doctor.OK
    assert doctor.go_toolchain("1.26.10").state == doctor.OK


def test_no_go_fails_for_the_suite_and_warns_for_the_lab(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert doctor.go_toolchain("1.26.8").failed
    assert doctor.go_toolchain("1.26.8", required=False).state == doctor.WARN


def test_a_disk_smaller_than_the_build_fails(tmp_path):
    total = __import__("shutil").disk_usage(tmp_path).total
    finding = doctor.free_disk(tmp_path / "not" / "made" / "yet", total + GIB, "a cold build")
    assert finding.failed
    assert "a cold build needs" in finding.detail and finding.fix.startswith("free ")
    assert doctor.free_disk(tmp_path, 1, "a run").state == doctor.OK


def test_cgroup_v1_fails_only_from_kubernetes_1_35(tmp_path):
    assert doctor.cgroup_version("v1.34.0", tmp_path).state == doctor.OK
    v1_new = doctor.cgroup_version("v1.35.0", tmp_path)
    assert v1_new.failed and "refuses" in v1_new.detail
    (tmp_path / "cgroup.controllers").write_text("cpu memory\n")
    assert doctor.cgroup_version("v1.35.0", tmp_path).detail.startswith("v2")


def test_a_taken_port_names_its_holder():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        finding = doctor.host_ports([("127.0.0.1", port)], "kindlab-control-plane")
    assert finding.failed
    assert f"127.0.0.1:{port}" in finding.detail and str(os.getpid()) in finding.detail
    assert "KINDLAB_PORT_OFFSET" in finding.fix


def test_free_ports_pass():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert doctor.host_ports([("127.0.0.1", port)], "x-control-plane").state == doctor.OK


CONFIG = """
CONFIG_NF_TABLES=y
# CONFIG_NFT_QUEUE is not set
CONFIG_IP_SET=y
CONFIG_VXLAN=m
"""


def test_kernel_features_say_what_will_not_work():
    lines = {f.item: f for f in doctor.kernel_features(("cfg", doctor.parse_kernel_config(CONFIG)))}
    assert lines["netpolicy"].state == doctor.WARN
    assert "NetworkPolicies are accepted, not enforced" in lines["netpolicy"].detail
    assert lines["netem"].state == doctor.WARN and "network faults" in lines["netem"].detail
    assert lines["ip_set"].state == doctor.OK
    assert lines["vxlan"].state == doctor.OK and "module" in lines["vxlan"].detail
    assert not any(f.failed for f in lines.values())


def test_an_unpublished_kernel_config_is_unknown_not_guessed():
    found = doctor.kernel_features(None)
    assert len(found) == len(doctor.KERNEL_FEATURES)
    assert all(f.state == doctor.WARN and f.detail.startswith("unknown") for f in found)


def test_modules_builtin_is_read_for_the_options_it_can_show():
    text = "kernel/net/netfilter/ipset/ip_set.ko\nkernel/drivers/net/vxlan/vxlan.ko\n"
    assert doctor.modules_builtin_options(text) == {"CONFIG_IP_SET": "y", "CONFIG_VXLAN": "y"}


def test_registry_says_the_mode_and_never_fails():
    assert doctor.registry(lambda: True, None).detail.startswith("online")
    assert doctor.registry(lambda: False, None).detail.startswith("air-gapped")
    assert "KINDLAB_AIRGAP" in doctor.registry(lambda: True, True).detail


def _doctor(env):
    return subprocess.run(
        [sys.executable, "-m", "kindlab", "doctor"],
        capture_output=True, text=True, env={**os.environ, **env}, timeout=60, check=False,
    )  # fmt: skip


def test_doctor_with_docker_stopped_exits_non_zero_with_that_line(tmp_path):
    result = _doctor({"DOCKER_HOST": f"unix://{tmp_path}/dead.sock", "KINDLAB_AIRGAP": "1"})
    assert result.returncode == 1
    assert "FAIL  docker" in result.stdout
    assert "kindlab doctor: the host is not ready:\nFAIL  docker" in result.stderr


def test_doctor_with_an_old_go_exits_non_zero_with_that_line(tmp_path):
    _script(tmp_path, "go", 'echo "go version go1.19.8 linux/amd64"')
    result = _doctor({"PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}", "KINDLAB_AIRGAP": "1"})
    assert result.returncode == 1
    assert "older than the pin" in result.stderr


def test_doctor_with_short_disk_exits_non_zero_with_that_line(tmp_path, monkeypatch, capsys):
    """The real free space of the cache's filesystem, against a cold build's need raised above
    it (no filesystem of ours is small enough to show it for real)."""
    monkeypatch.setenv("KINDLAB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("KINDLAB_AIRGAP", "1")
    monkeypatch.setattr(preflight, "COLD_BUILD_BYTES", shutil.disk_usage(tmp_path).free * 2)
    assert kindlab(["doctor"]) == 1
    shown = capsys.readouterr()
    assert "FAIL  disk" in shown.out and "a cold build needs" in shown.out
    assert "kindlab doctor: the host is not ready:" in shown.err and "FAIL  disk" in shown.err


BAD_NAME_LINE = (
    "kindlab doctor: bad cluster name '../..': use lower-case letters, digits and '-' (not at "
    "either end), at most 50 characters, e.g. kindlab-2"
)


def test_doctor_refuses_a_hostile_name_in_one_line_with_exit_2(capsys):
    assert kindlab(["doctor", "--name", "../.."]) == 2
    out, err = capsys.readouterr()
    assert err.strip().splitlines() == [BAD_NAME_LINE]
    assert out == ""  # refused before any check ran


def test_doctor_refuses_a_hostile_environment_name_without_a_traceback():
    result = _doctor({"KINDLAB_CLUSTER_NAME": "../.."})
    assert result.returncode == 2, result
    assert result.stderr.strip().splitlines() == [BAD_NAME_LINE]


def test_doctor_is_a_verb(capsys):
    with pytest.raises(SystemExit):
        kindlab(["--help"])
    assert "doctor" in capsys.readouterr().out

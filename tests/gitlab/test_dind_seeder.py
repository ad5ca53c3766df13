"""The dind image store's seeder, started for real as the pipeline starts it: a privileged
engine that nothing can reach (no network, no TCP listener), driven through `docker exec`."""

from __future__ import annotations

import json
import subprocess

import pytest

from kindlab.pipeline import dindstore, standins


def docker(*args: str) -> str:
    done = subprocess.run(["docker", *args], capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"docker {' '.join(args)}: {done.stderr.strip()}"
    return done.stdout


@pytest.fixture(scope="module")
def dind_image() -> str:
    standins.ensure_images([standins.dind_image_ref()])
    return standins.dind_image_ref()


@pytest.fixture
def seeder(dind_image):
    dindstore.remove_seeder()
    try:
        dindstore.start_seeder(dind_image, "seeder-check")
        yield dindstore.SEEDER
    finally:
        dindstore.remove_seeder()


def test_the_seeding_engine_listens_on_no_tcp_port_and_has_no_network(seeder):
    listeners = docker("exec", seeder, "ss", "-Hltn").strip()
    assert listeners == "", f"the seeding engine's container listens on TCP:\n{listeners}"
    assert docker("exec", seeder, "docker", "info", "--format", "{{.Driver}}").strip()
    (config,) = json.loads(docker("inspect", seeder))
    assert config["HostConfig"]["NetworkMode"] == "none"
    assert not config["HostConfig"]["PortBindings"]


def test_a_dind_service_with_certificates_keeps_its_client_key_private(dind_image):
    """The pipeline's dind services (DOCKER_TLS_CERTDIR=/certs) still get TLS on 2376."""
    name = "kindlab-dind-tls-check"
    subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)
    docker("run", "-d", "--privileged", "--name", name, "--network", "none",
           dind_image)  # fmt: skip
    try:
        wait = "for i in $(seq 60); do ss -Hltn | grep -q ':2376 ' && exit 0; sleep 1; done; exit 1"
        subprocess.run(["docker", "exec", name, "sh", "-c", wait], check=True)
        listening = docker("exec", name, "ss", "-Hltn")
        assert ":2376 " in listening and ":2375 " not in listening, listening
        modes = docker("exec", name, "stat", "-c", "%a %n", "/certs/client/key.pem",
                       "/certs/client/cert.pem").split("\n")  # fmt: skip
        assert modes[0] == "600 /certs/client/key.pem", modes
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)


def test_seeding_removes_what_an_earlier_pipeline_left_but_keeps_images(seeder):
    """A killed pipeline's kind node must not greet the next e2e job (CI of 2026-12-07)."""
    # The data root outlives runs: what an interrupted run of this test planted would make
    # `network create` fail (CI of 2026-12-07 once more), so plant on a clean root.
    dindstore.clear_all_but_images()
    image = docker("exec", seeder, "docker", "images", "-q").split()
    if not image:
        docker(
            "exec", seeder, "sh", "-c", "tar -cf - --files-from /dev/null | docker import - left"
        )
        image = docker("exec", seeder, "docker", "images", "-q").split()
    docker("exec", seeder, "docker", "network", "create", "kind-left")
    docker("exec", seeder, "docker", "create", "--network", "kind-left", "-v", "/var",
           "--name", "kindlab-control-plane", image[0], "/none")  # fmt: skip
    dindstore.clear_all_but_images()
    assert docker("exec", seeder, "docker", "ps", "-aq").split() == []
    assert docker("exec", seeder, "docker", "volume", "ls", "-q").split() == []
    networks = docker("exec", seeder, "docker", "network", "ls", "--format", "{{.Name}}").split()
    assert "kind-left" not in networks
    assert docker("exec", seeder, "docker", "images", "-q").split() == image

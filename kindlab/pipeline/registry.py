"""A container registry playing the pipeline's $CI_REGISTRY: the build job pushes, e2e pulls.

GitLab gives every pipeline a registry and its credentials; gitlab-ci-local does not (its own
`--registry` needs four more upstream images). This one is the registry of
github.com/distribution/distribution/v3, built from its pinned Go module, on our Debian base,
run on the host as a container on its own Docker network. Nothing is published on a host port:
job containers and their dind services join the network (gitlab-ci-local --network) and reach it
by name. It serves TLS with a self-signed certificate, which it publishes in the Docker
`certs.d` layout on a volume; mounted at /etc/docker/certs.d, that is how the dind engines trust
it (TLS rather than `--insecure-registry`, which would need the pipeline to change the service's
command for every user). Users and passwords come from htpasswd: one user, fresh password each
start, handed to the jobs as $CI_REGISTRY_USER and $CI_REGISTRY_PASSWORD.

The password never appears on a command line (`ps`), in the container's configuration (`docker
inspect`) or in an error: `htpasswd -i` reads it on stdin in a throwaway container and prints
only its bcrypt hash, which goes into the registry's container as a 0600 file (`docker cp`
before it starts, so it survives restarts), and kindlab.core.process masks it in any failure.
"""

from __future__ import annotations

import secrets
import ssl
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import urllib3

from kindlab.build.airgap.cluster_images import debian_based_image
from kindlab.build.gobuild import ModuleBuild, build_module
from kindlab.core.errors import KindlabError
from kindlab.core.output import step
from kindlab.core.process import mask_secret, run
from kindlab.core.versions import pin
from kindlab.core.wait import wait_for

MODULE = "github.com/distribution/distribution/v3"
HOST = "registry.kindlab.test"
USER = "gitlab-ci-token"  # what GitLab calls the job's registry user
# The project's path on the GitLab it plays ($CI_REGISTRY_IMAGE is $CI_REGISTRY/<path>).
PROJECT_PATH = "kindlab/kindlab"
NETWORK = "kindlab-pipeline"
CONTAINER = "kindlab-pipeline-registry"
# Where the registry's config.yml (images/registry) reads its users from.
HTPASSWD = "/etc/distribution/htpasswd"
CERTS_VOLUME = "kindlab-pipeline-registry-certs"
DATA_VOLUME = "kindlab-pipeline-registry-data"
READY_SECONDS = 60
# What `docker push` stores: a Docker schema 2 manifest, or an OCI one (or an index of either).
MANIFEST_TYPES = (
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
)


@dataclass(frozen=True)
class Registry:
    host: str
    user: str
    password: str

    def variables(self) -> dict[str, str]:
        """What GitLab predefines for a job about its project's registry."""
        return {
            **project_variables(self.host),
            "CI_REGISTRY_USER": self.user,
            "CI_REGISTRY_PASSWORD": self.password,
        }


def project_variables(host: str = HOST) -> dict[str, str]:
    """Where the project's images live: enough for a job that names an image, not pushes it."""
    return {"CI_REGISTRY": host, "CI_REGISTRY_IMAGE": f"{host}/{PROJECT_PATH}"}


def registry_image() -> str:
    version = pin("DISTRIBUTION_VERSION")
    build = ModuleBuild(
        name="registry",
        module=MODULE,
        version=version,
        packages=(f"{MODULE}/cmd/registry",),
        ldflags=(
            f"-X {MODULE}/version.version={version}",
            f"-X {MODULE}/version.revision={{commit}}",
        ),
    )
    binary = build_module(build) / "registry"
    return debian_based_image(f"kindlab/registry:{version}", "registry", {"registry": binary}, {})


def manifest_digest(reg: Registry, repository: str, tag: str) -> str | None:
    """The digest the registry holds for repository:tag (None: no such tag), asked from the host.

    The registry publishes no host port: the host reaches it at its address on NETWORK, checks
    its certificate (read from the container) and sends the job's credentials, as a job would.
    """
    address = run(
        ["docker", "inspect", "--format",
         f'{{{{(index .NetworkSettings.Networks "{NETWORK}").IPAddress}}}}', CONTAINER]
    ).strip()  # fmt: skip
    certificate = run(["docker", "exec", CONTAINER, "cat", "/run/registry/tls/cert.pem"])
    context = ssl.create_default_context(cadata=certificate)
    pool = urllib3.HTTPSConnectionPool(
        address, 443, ssl_context=context, server_hostname=reg.host, assert_hostname=reg.host
    )
    headers = urllib3.make_headers(basic_auth=f"{reg.user}:{reg.password}")
    headers["Accept"] = ", ".join(MANIFEST_TYPES)
    name = repository.removeprefix(f"{reg.host}/")
    response = pool.request("HEAD", f"/v2/{name}/manifests/{tag}", headers=headers, timeout=10)
    if response.status == 404:
        return None
    if response.status != 200:
        raise KindlabError(f"registry {reg.host}: {name}:{tag} answered HTTP {response.status}")
    return response.headers["Docker-Content-Digest"]


def start_registry() -> Registry:
    """(Re)start the registry container; images pushed earlier stay (a named data volume)."""
    image = registry_image()
    _ensure("network", NETWORK)
    _ensure("volume", CERTS_VOLUME)
    _ensure("volume", DATA_VOLUME)
    registry = Registry(HOST, USER, mask_secret(secrets.token_urlsafe(24)))
    subprocess.run(["docker", "rm", "-f", CONTAINER], check=False, capture_output=True)
    with step(f"Starting the pipeline's registry {HOST} ({image})"):
        run(registry_command(image, CONTAINER))
        with tempfile.TemporaryDirectory(prefix="kindlab-registry-") as tmp:
            users = Path(tmp) / "htpasswd"
            users.touch(mode=0o600)
            users.write_text(htpasswd_line(image, registry.user, registry.password))
            run(["docker", "cp", str(users), f"{CONTAINER}:{HTPASSWD}"])
        run(["docker", "start", CONTAINER])
        wait_for(_serving, f"registry {HOST}", READY_SECONDS)
    return registry


def registry_command(image: str, name: str) -> list[str]:
    """`docker create` of the registry: names, volumes and its host name; no credential."""
    return [
        "docker", "create", "--name", name, "--restart", "unless-stopped",
        "--network", NETWORK, "--network-alias", HOST,
        "--volume", f"{CERTS_VOLUME}:/certs.d",
        "--volume", f"{DATA_VOLUME}:/var/lib/registry",
        "--env", f"REGISTRY_HOST={HOST}",
        image,
    ]  # fmt: skip


def htpasswd_line(image: str, user: str, password: str) -> str:
    """`user:<bcrypt hash>`, made by the image's htpasswd with the password read on stdin."""
    made = run(
        ["docker", "run", "--rm", "-i", "--entrypoint", "htpasswd", image, "-iBn", user],
        input_bytes=password.encode(),
    )
    line = next((x for x in made.splitlines() if x.startswith(f"{user}:$2")), None)
    if line is None:
        raise KindlabError(f"htpasswd in {image} printed no bcrypt hash for {user}")
    return line + "\n"


def _serving() -> tuple[bool, str]:
    logs = subprocess.run(
        ["docker", "logs", "--tail", "20", CONTAINER], check=False, capture_output=True, text=True
    )
    output = (logs.stdout + logs.stderr).strip()
    return "listening on" in output, output.splitlines()[-1] if output else "no output yet"


def _ensure(kind: str, name: str) -> None:
    exists = subprocess.run(["docker", kind, "inspect", name], check=False, capture_output=True)
    if exists.returncode != 0:
        run(["docker", kind, "create", name])

"""The image store the pipeline's dind services start with, where they cannot pull.

Air-gapped, a fresh dind engine has no image at all: the build job's `FROM $PYTHON_IMAGE` and the
e2e job's kind node and add-ons would all be pulls that fail. A GitLab runner solves this with a
registry mirror; here everything those jobs need is built on the host already (the air-gapped
cluster build), so it is loaded into a named Docker volume mounted in the dind services. The
images keep their IDs and build-key labels through `docker save`/`load`, so the e2e fixtures
inside the pipeline find them current and build nothing.

gitlab-ci-local keeps every job's services until the pipeline ends, so the build job's engine
still runs while e2e's starts: two engines on one data root would block each other. The dind
stand-in therefore keeps its images in $KINDLAB_DIND_STORE/$CI_JOB_NAME, one data root per job,
and each is seeded with what that job needs.

A data root that outlives its pipeline keeps containers too: a pipeline stopped midway (Ctrl-C,
a killed CI run) left the e2e job's kind node in it, the next e2e job's engine restarted that
node, and the job found a cluster whose API server never answered, then failed to make a new one
beside it. So before every pipeline the seeder removes every container, with its volumes, and
every network it made: a job's engine starts as GitLab's fresh service does, with images only.

The seeder is a privileged engine, so it is reachable by nothing: no network at all
(`--network none`) and no TCP listener (DOCKER_TLS_CERTDIR empty: the dind stand-in's
entrypoint then keeps to its unix socket). It is driven through `docker exec` alone.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable

from kindlab.build.dockerimages import image_id
from kindlab.core.output import say, step
from kindlab.core.process import run
from kindlab.core.wait import wait_for

VOLUME = "kindlab-pipeline-dind"
# Where the volume is mounted in every container of the pipeline (gitlab-ci-local --volume).
STORE = "/kindlab-dind-store"
SEEDER = "kindlab-pipeline-dind-seeder"
ENGINE_SECONDS = 60


def seed_dind_store(dind_image: str, job: str, images: Iterable[str]) -> None:
    """Load into the job's data root on VOLUME every image whose ID there differs from ours."""
    wanted = {ref: image_id(ref) for ref in images}
    remove_seeder()
    try:
        start_seeder(dind_image, job)
        clear_all_but_images()
        stale = [ref for ref, wanted_id in wanted.items() if _inner_id(ref) != wanted_id]
        if not stale:
            say(f"dind image store of job {job}: all {len(wanted)} images current")
            return
        with step(f"Loading {len(stale)} images into the dind image store of job {job}"):
            # A pipe, not a buffer: the images are gigabytes.
            pipeline = f'docker save "$@" | docker exec -i {SEEDER} docker load'
            run(["bash", "-o", "pipefail", "-c", pipeline, "save", *stale], label="docker load")
    finally:
        remove_seeder()


def seeder_command(dind_image: str, job: str) -> list[str]:
    """`docker run` of the seeding engine: privileged, but with no network and no TCP socket."""
    return [
        "docker", "run", "-d", "--privileged", "--name", SEEDER, "--network", "none",
        "--env", "DOCKER_TLS_CERTDIR=", "--env", f"KINDLAB_DIND_STORE={STORE}",
        "--env", f"CI_JOB_NAME={job}", "--volume", f"{VOLUME}:{STORE}",
        dind_image,
    ]  # fmt: skip


def start_seeder(dind_image: str, job: str) -> None:
    """The seeding engine, running and answering on its unix socket."""
    run(seeder_command(dind_image, job))
    wait_for(_engine_answers, "the seeding dind engine", ENGINE_SECONDS)


def clear_all_but_images() -> None:
    """Remove what an earlier pipeline's job left in this data root besides images."""
    left = _in_seeder("docker", "ps", "-aq").split()
    if left:
        say(f"dind data root: removing {len(left)} containers an earlier pipeline left")
        _in_seeder("docker", "rm", "-f", "-v", *left)
    _in_seeder("docker", "volume", "prune", "-f")
    _in_seeder("docker", "network", "prune", "-f")


def _in_seeder(*command: str) -> str:
    return run(["docker", "exec", SEEDER, *command])


def remove_seeder() -> None:
    subprocess.run(["docker", "rm", "-f", SEEDER], check=False, capture_output=True)


def _engine_answers() -> tuple[bool, str]:
    probe = subprocess.run(
        ["docker", "exec", SEEDER, "docker", "info", "--format", "{{.Driver}}"],
        check=False,
        capture_output=True,
        text=True,
    )
    return probe.returncode == 0, (probe.stdout + probe.stderr).strip()[-200:]


def _inner_id(ref: str) -> str | None:
    probe = subprocess.run(
        ["docker", "exec", SEEDER, "docker", "image", "inspect", "--format", "{{.Id}}", ref],
        check=False,
        capture_output=True,
        text=True,
    )
    return probe.stdout.strip() if probe.returncode == 0 else None

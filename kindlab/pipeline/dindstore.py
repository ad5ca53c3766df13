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
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable

from kindlab.airgap.dockerimages import image_id
from kindlab.progress import run, say, step
from kindlab.wait import wait_for

VOLUME = "kindlab-pipeline-dind"
# Where the volume is mounted in every container of the pipeline (gitlab-ci-local --volume).
STORE = "/kindlab-dind-store"
SEEDER = "kindlab-pipeline-dind-seeder"
ENGINE_SECONDS = 60


def seed_dind_store(dind_image: str, job: str, images: Iterable[str]) -> None:
    """Load into the job's data root on VOLUME every image whose ID there differs from ours."""
    wanted = {ref: image_id(ref) for ref in images}
    subprocess.run(["docker", "rm", "-f", SEEDER], check=False, capture_output=True)
    run(
        [
            "docker", "run", "-d", "--privileged", "--name", SEEDER,
            "--env", "DOCKER_TLS_CERTDIR=", "--env", f"KINDLAB_DIND_STORE={STORE}",
            "--env", f"CI_JOB_NAME={job}", "--volume", f"{VOLUME}:{STORE}",
            dind_image,
        ]
    )  # fmt: skip
    try:
        wait_for(_engine_answers, "the seeding dind engine", ENGINE_SECONDS)
        stale = [ref for ref, wanted_id in wanted.items() if _inner_id(ref) != wanted_id]
        if not stale:
            say(f"dind image store of job {job}: all {len(wanted)} images current")
            return
        with step(f"Loading {len(stale)} images into the dind image store of job {job}"):
            # A pipe, not a buffer: the images are gigabytes.
            pipeline = f'docker save "$@" | docker exec -i {SEEDER} docker load'
            run(["bash", "-o", "pipefail", "-c", pipeline, "save", *stale], label="docker load")
    finally:
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

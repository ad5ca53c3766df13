"""`python -m kindlab.pipeline` (tox -e pipeline): the merge-request pipeline, run for real.

gitlab-ci-local runs `.gitlab-ci.yml` exactly as written (no second copy of the jobs), with the
variables GitLab sets for a merge-request pipeline. What GitLab and its runner would provide is
provided here: the job images (stand-ins where no registry answers), a registry with
credentials ($CI_REGISTRY...), privileged containers for Docker-in-Docker, the /certs/client
volume shared between a job and its dind service, and, behind a TLS-intercepting proxy, the CA
bundle as $CA_BUNDLE. Air-gapped, the dind services start from an image store holding what the
jobs would pull, and the jobs see the host's kindlab build cache (read-only) instead of
building with a Go toolchain their image lacks.

Options not listed below go to gitlab-ci-local: job names to run only those, or
`--variable E2E_SELECT='...'` to run a subset of the e2e suite.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import yaml

from kindlab.airgap.base_images import python_base_image
from kindlab.airgap.cluster_images import control_plane_images
from kindlab.airgap.debian import debian_image
from kindlab.airgap.nodeimage import node_image
from kindlab.cache import cache_root
from kindlab.cluster.addon_registry import airgap_images
from kindlab.docker_engine import ensure_docker
from kindlab.download import airgap_setting
from kindlab.errors import KindlabError
from kindlab.pipeline import dindstore, registry, standins
from kindlab.pipeline.tool import MERGE_REQUEST, gitlab_ci_local
from kindlab.progress import run, say, step
from kindlab.trust import ca_bundle
from kindlab.versions import REPO_ROOT, pin

JOB_CACHE = "/kindlab-cache"


def dind_job_images() -> dict[str, list[str]]:
    """What each job with a dind service would pull (.gitlab-ci.yml's build and e2e jobs).

    build: the app's base image. e2e: everything the air-gapped cluster build makes, which the
    fixtures look up (by ID and build key) before they would build it.
    """
    return {
        "build": [pin("PYTHON_IMAGE")],
        "e2e": [
            debian_image(),
            python_base_image(),
            *control_plane_images(),
            node_image(),
            *airgap_images(),
        ],
    }


def write_variables(path: Path, reg: registry.Registry) -> Path:
    """Project CI/CD variables, as GitLab's settings would hold them (kept out of argv and logs).

    CA_BUNDLE is a File variable, as .gitlab-ci.yml expects: gitlab-ci-local makes a value that
    is a path into a file variable with that file's content.
    """
    variables: dict[str, str] = dict(reg.variables())
    bundle = ca_bundle()
    if bundle is not None:
        variables["CA_BUNDLE"] = str(bundle)
    path.touch(mode=0o600)
    path.write_text(yaml.safe_dump(variables))
    return path


def gitlab_ci_local_args(variables_file: Path, airgap: bool) -> list[str]:
    args = [*MERGE_REQUEST, "--variables-file", str(variables_file)]
    args += ["--privileged", "--helper-image", standins.HELPER_IMAGE]
    args += ["--network", registry.NETWORK, "--timestamps", "--no-color"]
    args += ["--volume", "%gcl-cert%:/certs/client"]
    args += ["--volume", f"{registry.CERTS_VOLUME}:/etc/docker/certs.d:ro"]
    if airgap:
        args += ["--volume", f"{dindstore.VOLUME}:{dindstore.STORE}"]
        args += ["--variable", f"KINDLAB_DIND_STORE={dindstore.STORE}"]
        args += ["--volume", f"{cache_root()}:{JOB_CACHE}:ro"]
        args += ["--variable", f"KINDLAB_CACHE={JOB_CACHE}", "--variable", "KINDLAB_AIRGAP=1"]
    return args


def ensure_host_tools() -> None:
    """gitlab-ci-local copies the work tree with git and rsync."""
    missing = [tool for tool in ("git", "rsync") if shutil.which(tool) is None]
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise KindlabError(f"gitlab-ci-local needs {' and '.join(missing)}: install them")
    say(f"installing {' '.join(missing)} (apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "install", "-y", "-qq", *missing], env=env)


def run_pipeline(extra: list[str], airgap: bool | None) -> None:
    ensure_docker()
    ensure_host_tools()
    command = gitlab_ci_local()
    with step("Job images (upstream where they can be pulled, stand-ins where not)"):
        used = standins.ensure_images()
    airgap = any(used.values()) if airgap is None else airgap
    reg = registry.start_registry()
    if airgap:
        with step("Image store of the dind services (air-gapped: they cannot pull)"):
            for job, images in dind_job_images().items():
                dindstore.seed_dind_store(standins.dind_image_ref(), job, images)
    with (
        tempfile.TemporaryDirectory(prefix="kindlab-pipeline-") as tmp,
        step("gitlab-ci-local: the merge-request pipeline of .gitlab-ci.yml"),
    ):
        variables = write_variables(Path(tmp) / "variables.yml", reg)
        run(
            [*command, *gitlab_ci_local_args(variables, airgap), *extra],
            cwd=REPO_ROOT,
            quiet=False,
            tail_lines=60,
            label="the pipeline",
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kindlab.pipeline", description=__doc__)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--airgap", action="store_true", default=None, help="force air-gapped mode")
    mode.add_argument("--online", dest="airgap", action="store_false", help="force online mode")
    args, extra = parser.parse_known_args(argv)
    airgap = args.airgap if args.airgap is not None else airgap_setting()
    started = time.monotonic()
    try:
        run_pipeline(extra, airgap)
    except KindlabError as exc:
        say(f"the pipeline failed after {time.monotonic() - started:.0f}s: {exc}")
        return 1
    say(f"the merge-request pipeline passed in {time.monotonic() - started:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

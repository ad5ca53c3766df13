"""What GitLab and its runner give a job, provided to gitlab-ci-local: the pieces every run shares.

gitlab-ci-local runs `.gitlab-ci.yml` exactly as written (no second copy of the jobs). What it
lacks is what GitLab and a runner would bring: the job images (stand-ins where no registry
answers), a registry with credentials ($CI_REGISTRY...), privileged containers and the
/certs/client volume for Docker-in-Docker, project CI/CD variables (File variables among them),
and, air-gapped, the host's kindlab build cache (read-only) with the kubectl it built, instead
of tools the jobs would download. The merge-request pipeline and the deploy job
(kindlab.pipeline.production) both run through here.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from kindlab.airgap.binaries import built_kubectl
from kindlab.cache import cache_root
from kindlab.docker_engine import ensure_docker
from kindlab.errors import KindlabError
from kindlab.pipeline import dindstore, registry, standins
from kindlab.pipeline.tool import gitlab_ci_local
from kindlab.progress import CommandError, run, say, step
from kindlab.trust import ca_bundle
from kindlab.versions import REPO_ROOT

JOB_CACHE = "/kindlab-cache"
# gitlab-ci-local's state directory (under the directory it runs in): output/<job>.log is a job's
# log, as GitLab's job page shows it.
STATE_DIR = ".gitlab-ci-local"


@dataclass(frozen=True)
class Runner:
    """gitlab-ci-local ready to run, and whether its jobs are air-gapped."""

    command: list[str]
    airgap: bool


@dataclass(frozen=True)
class JobRun:
    """How a run of gitlab-ci-local ended and where its job logs are."""

    passed: bool
    seconds: float
    state: Path

    def log(self, job: str) -> str:
        path = self.state / "output" / f"{job}.log"
        return path.read_text(errors="replace") if path.exists() else ""


def prepare(airgap: bool | None, images: Iterable[str] | None = None) -> Runner:
    """Docker, gitlab-ci-local and the job `images` (default: all the pipeline names).

    Air-gapped unless said otherwise exactly when some job image had to be a stand-in.
    """
    ensure_docker()
    ensure_host_tools()
    command = gitlab_ci_local()
    with step("Job images (upstream where they can be pulled, stand-ins where not)"):
        used = standins.ensure_images(images)
    return Runner(command, any(used.values()) if airgap is None else airgap)


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


def write_variables(path: Path, variables: Mapping[str, str]) -> Path:
    """Project CI/CD variables, as GitLab's settings would hold them (kept out of argv and logs).

    A value that is a path to a file becomes a File variable with that file's content (how
    gitlab-ci-local reads a variables file), as .gitlab-ci.yml expects of CA_BUNDLE and
    KUBECONFIG. The host's CA bundle goes in as CA_BUNDLE when there is one.
    """
    chosen = dict(variables)
    bundle = ca_bundle()
    if bundle is not None:
        chosen["CA_BUNDLE"] = str(bundle)
    path.touch(mode=0o600)
    path.write_text(yaml.safe_dump(chosen))
    return path


def base_args(variables_file: Path, provided: Iterable[str]) -> list[str]:
    """Every run: the project variables, the helper image, plain timestamped logs.

    `provided` are predefined variables that this runner sets as GitLab would (the registry's):
    gitlab-ci-local would warn that they override its own guesses.
    """
    args = ["--variables-file", str(variables_file), "--helper-image", standins.HELPER_IMAGE]
    args += ["--timestamps", "--no-color"]
    if provided:
        args += ["--ignore-predefined-vars", ",".join(sorted(provided))]
    return args


def dind_args(airgap: bool) -> list[str]:
    """Jobs with a dind service: privileged, client certificates shared, the registry trusted,
    and air-gapped, the image store the services start from."""
    args = ["--privileged", "--network", registry.NETWORK]
    args += ["--volume", "%gcl-cert%:/certs/client"]
    args += ["--volume", f"{registry.CERTS_VOLUME}:/etc/docker/certs.d:ro"]
    if airgap:
        args += ["--volume", f"{dindstore.VOLUME}:{dindstore.STORE}"]
        args += ["--variable", f"KINDLAB_DIND_STORE={dindstore.STORE}"]
    return args


def airgap_args() -> list[str]:
    """The host's kindlab build cache, read-only, and the kubectl in it (*fetch-kubectl)."""
    kubectl = Path(JOB_CACHE) / built_kubectl().relative_to(cache_root())
    args = ["--volume", f"{cache_root()}:{JOB_CACHE}:ro"]
    args += ["--variable", f"KINDLAB_CACHE={JOB_CACHE}", "--variable", "KINDLAB_AIRGAP=1"]
    args += ["--variable", f"KINDLAB_KUBECTL={kubectl}"]
    return args


def run_jobs(runner: Runner, args: list[str], title: str, cwd: Path = REPO_ROOT) -> JobRun:
    """gitlab-ci-local with `args` in `cwd` (the work tree whose .gitlab-ci.yml runs)."""
    started = time.monotonic()
    try:
        with step(title):
            run([*runner.command, *args], cwd=cwd, quiet=False, tail_lines=60, label=title)
    except CommandError:
        return JobRun(False, time.monotonic() - started, cwd / STATE_DIR)
    return JobRun(True, time.monotonic() - started, cwd / STATE_DIR)

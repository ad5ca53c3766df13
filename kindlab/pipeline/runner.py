"""A pipeline of .gitlab-ci.yml run for real with gitlab-ci-local: the Python API.

gitlab-ci-local runs `.gitlab-ci.yml` exactly as written (no second copy of the jobs), with the
variables GitLab sets for the kind of pipeline (a merge request by default). What GitLab and
its runner would provide is provided here: the job images (stand-ins where no registry
answers), a registry with credentials ($CI_REGISTRY...), privileged containers for
Docker-in-Docker, the /certs/client volume shared between a job and its dind service, and,
behind a TLS-intercepting proxy, the CA bundle as $CA_BUNDLE. Air-gapped, the dind services
start from an image store holding what the jobs would pull, and the jobs see the host's kindlab
build cache (read-only) instead of building with a Go toolchain their image lacks.

`run_pipeline` returns what a user of GitLab would look at afterwards (PipelineRun): each job's
status and time, its log and artifacts, and the registry the jobs pushed to. A failed job is a
result, not an exception; a runner that cannot start is a KindlabError.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from kindlab.airgap.base_images import python_base_image
from kindlab.airgap.cluster_images import control_plane_images
from kindlab.airgap.debian import debian_image
from kindlab.airgap.nodeimage import node_image
from kindlab.cache import cache_root
from kindlab.cluster.addon_registry import airgap_images
from kindlab.docker_engine import ensure_docker
from kindlab.errors import KindlabError
from kindlab.pipeline import dindstore, registry, standins
from kindlab.pipeline.jobs import JobClock, JobResult
from kindlab.pipeline.tool import MERGE_REQUEST, gitlab_ci_local
from kindlab.progress import CommandError, run, say, step
from kindlab.trust import ca_bundle
from kindlab.versions import REPO_ROOT, pin

JOB_CACHE = "/kindlab-cache"
# gitlab-ci-local's state: each job's log (output/), artifacts (artifacts/) and caches (cache/).
STATE_DIR = REPO_ROOT / ".gitlab-ci-local"


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
    """What a runner provides. Artifacts stay in the state directory, as on GitLab: copied back
    into the work tree (gitlab-ci-local's default) they would overwrite the host's reports/."""
    args = ["--variables-file", str(variables_file), "--no-artifacts-to-source"]
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


@dataclass(frozen=True)
class PipelineRun:
    """One run of the pipeline as its user sees it afterwards."""

    jobs: tuple[JobResult, ...]
    seconds: float
    exit_code: int
    registry: registry.Registry
    state_dir: Path = STATE_DIR

    @property
    def passed(self) -> bool:
        return self.exit_code == 0 and bool(self.jobs) and all(j.passed for j in self.jobs)

    def job(self, name: str) -> JobResult:
        """The job `name` of this run; a job that did not run here is an error, never stale."""
        for job in self.jobs:
            if job.name == name:
                return job
        ran = ", ".join(j.name for j in self.jobs) or "none"
        raise KindlabError(f"job {name} did not run in this pipeline (jobs that ran: {ran})")

    def log(self, name: str) -> str:
        """The job's log as gitlab-ci-local keeps it (its script's output)."""
        self.job(name)
        return (self.state_dir / "output" / f"{name}.log").read_text(errors="replace")

    def artifacts(self, name: str) -> Path:
        """Where gitlab-ci-local put the job's artifacts (its `artifacts: paths`)."""
        self.job(name)
        return self.state_dir / "artifacts" / name

    def report(self) -> dict[str, object]:
        return {
            "passed": self.passed,
            "seconds": self.seconds,
            "jobs": [dataclasses.asdict(job) for job in self.jobs],
        }

    def write_report(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.report(), indent=2) + "\n")
        return path

    def summary(self) -> str:
        def seconds(job: JobResult) -> str:
            return "?" if job.seconds is None else f"{job.seconds:.0f}s"

        jobs = ", ".join(f"{j.name} {j.status} {seconds(j)}" for j in self.jobs) or "no job ran"
        verdict = "passed" if self.passed else "failed"
        return f"the pipeline {verdict} in {self.seconds:.0f}s ({jobs})"


def run_pipeline(
    args: Sequence[str] = (), airgap: bool | None = None, source: Sequence[str] = MERGE_REQUEST
) -> PipelineRun:
    """Run the pipeline `source` selects (gitlab-ci-local options), plus `args` (job names,
    --variable ...). airgap None: air-gapped where a job image had to be a stand-in."""
    started = time.monotonic()
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
    clock = JobClock()
    exit_code = 0
    with (
        tempfile.TemporaryDirectory(prefix="kindlab-pipeline-") as tmp,
        step("gitlab-ci-local: the pipeline of .gitlab-ci.yml"),
    ):
        variables = write_variables(Path(tmp) / "variables.yml", reg)
        try:
            run(
                [*command, *source, *gitlab_ci_local_args(variables, airgap), *args],
                cwd=REPO_ROOT,
                quiet=False,
                tail_lines=60,
                label="the pipeline",
                on_line=clock,
            )
        except CommandError:
            exit_code = 1  # a failed job: its status and log say more than the tail
    return PipelineRun(tuple(clock.results()), round(time.monotonic() - started, 1), exit_code, reg)

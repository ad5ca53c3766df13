"""What GitLab and its runner give a job, provided to gitlab-ci-local: the Python API of a run.

gitlab-ci-local runs `.gitlab-ci.yml` exactly as written (no second copy of the jobs). What it
lacks is what GitLab and a runner would bring: the job images (stand-ins where no registry
answers), a registry with credentials ($CI_REGISTRY...), privileged containers and the
/certs/client volume for Docker-in-Docker, project CI/CD variables (File variables among them),
and, air-gapped, the host's kindlab build cache (read-only) with the kubectl it built, instead
of tools the jobs would download. The merge-request pipeline (`run_pipeline`) and the deploy job
(kindlab.pipeline.production) both run through here.

A run returns what a user of GitLab would look at afterwards (PipelineRun): each job's status
and time, its log and artifacts, and the registry the jobs pushed to. A failed job is a result,
not an exception; a runner that cannot start is a KindlabError.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import yaml

from kindlab.bringup.addon_registry import airgap_images
from kindlab.build.airgap.base_images import python_base_image
from kindlab.build.airgap.binaries import built_kubectl, kube_score_binary
from kindlab.build.airgap.cluster_images import control_plane_images
from kindlab.build.airgap.debian import debian_image
from kindlab.build.airgap.nodeimage import node_image
from kindlab.core.cache import cache_root
from kindlab.core.errors import KindlabError
from kindlab.core.output import say, step
from kindlab.core.paths import REPO_ROOT
from kindlab.core.process import CommandError, run
from kindlab.core.trust import ca_bundle
from kindlab.core.versions import pin
from kindlab.host import loadslot
from kindlab.host.docker_engine import ensure_docker
from kindlab.load.vegeta import vegeta_binary
from kindlab.pipeline import dindstore, plan, registry, standins
from kindlab.pipeline.jobs import JobClock, JobResult, independent_groups
from kindlab.pipeline.tool import MERGE_REQUEST, gitlab_ci_local

JOB_CACHE = "/kindlab-cache"
# gitlab-ci-local's state, under the directory it runs in: each job's log (output/), artifacts
# (artifacts/) and caches (cache/).
STATE_DIR = ".gitlab-ci-local"
# GitLab's stages when .gitlab-ci.yml names none.
DEFAULT_STAGES = (".pre", "build", "test", "deploy", ".post")


@dataclass(frozen=True)
class Runner:
    """gitlab-ci-local ready to run, and whether its jobs are air-gapped."""

    command: list[str]
    airgap: bool


@dataclass(frozen=True)
class PipelineRun:
    """One run of gitlab-ci-local as its user sees it afterwards."""

    jobs: tuple[JobResult, ...]
    seconds: float
    exit_code: int
    registry: registry.Registry | None = None
    state_dir: Path = REPO_ROOT / STATE_DIR

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

    Artifacts stay in the state directory, as on GitLab: copied back into the work tree
    (gitlab-ci-local's default) they would overwrite the host's reports/. `provided` are
    predefined variables that this runner sets as GitLab would (the registry's):
    gitlab-ci-local would warn that they override its own guesses. Caches are Docker volumes
    (--mount-cache) that outlive the run, as a runner's cache does: kept in the state directory
    of a fresh clone, they were empty on every CI run, and the e2e job spent 95 s installing
    its tox env.
    """
    args = ["--variables-file", str(variables_file), "--helper-image", standins.HELPER_IMAGE]
    args += ["--timestamps", "--no-color", "--no-artifacts-to-source", "--mount-cache"]
    if provided:
        args += ["--ignore-predefined-vars", ",".join(sorted(provided))]
    return args


def dind_args(airgap: bool) -> list[str]:
    """Jobs with a dind service: privileged, client certificates shared, the registry trusted,
    and air-gapped, the image store the services start from."""
    args = ["--privileged", "--network", registry.NETWORK]
    args += ["--volume", "%gcl-cert%:/certs/client"]
    args += ["--volume", f"{registry.CERTS_VOLUME}:/etc/docker/certs.d:ro"]
    # The host's load slot: the same folder in the jobs (root there), owned by this user.
    lock_dir = loadslot.ensure_lock_dir(loadslot.LOCK_DIR)
    args += ["--volume", f"{lock_dir}:{lock_dir}"]
    args += ["--variable", f"{loadslot.LOCK_DIR_VARIABLE}={lock_dir}"]
    args += ["--variable", f"{loadslot.OWNER_VARIABLE}={os.geteuid()}"]
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


def run_jobs(
    runner: Runner,
    args: list[str],
    title: str,
    cwd: Path = REPO_ROOT,
    reg: registry.Registry | None = None,
) -> PipelineRun:
    """gitlab-ci-local with `args` in `cwd` (the work tree whose .gitlab-ci.yml runs)."""
    started = time.monotonic()
    clock = JobClock()
    exit_code = 0
    with step(title):
        try:
            run([*runner.command, *args], cwd=cwd, quiet=False, tail_lines=60, label=title,
                on_line=clock)  # fmt: skip
        except CommandError:
            exit_code = 1  # a failed job: its status and log say more than the tail
    seconds = round(time.monotonic() - started, 1)
    return PipelineRun(tuple(clock.results()), seconds, exit_code, reg, cwd / STATE_DIR)


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


def pipeline_args(
    variables_file: Path,
    reg: registry.Registry,
    airgap: bool,
    source: Sequence[str] = MERGE_REQUEST,
) -> list[str]:
    """gitlab-ci-local's options for the pipeline `source` selects, with a dind-capable runner."""
    args = [*source, *base_args(variables_file, reg.variables()), *dind_args(airgap)]
    if not airgap:
        return args
    return [*args, *airgap_args(), "--variable", f"E2E_IMAGE={standins.e2e_image().ref}"]


def prepare_pipeline(airgap: bool | None = None) -> Runner:
    """All the merge-request pipeline needs that the cluster build does not make: job images
    (or stand-ins), the registry's image and, air-gapped, the e2e job's image and the tools the
    jobs would build from Go modules.

    Apart from run_pipeline so that `tox -m ci` makes it beside the cluster build (the
    jobimages tier): cold, it held the gitlab tier 5.4 min before its first job (s12c). The
    jobs see the cache read-only, so vegeta (the unit and e2e jobs' traffic) and kube-score
    (the lint job) are built here; on a machine that had never built them those jobs failed
    (`Read-only file system: ...vegeta...lock`).
    """
    prepared = prepare(airgap)
    registry.registry_image()
    if prepared.airgap:
        with step("The e2e job's image (air-gapped: the Python stand-in and the e2e packages)"):
            standins.ensure_image(standins.e2e_image())
        vegeta_binary()
        kube_score_binary()
    return prepared


def run_pipeline(
    args: Sequence[str] = (), airgap: bool | None = None, source: Sequence[str] = MERGE_REQUEST
) -> PipelineRun:
    """Run the pipeline `source` selects (gitlab-ci-local options), plus `args` (job names,
    --variable ...). airgap None: air-gapped where a job image had to be a stand-in.

    Without job names in `args`, each group of jobs that waits on nothing outside itself
    (kindlab.pipeline.jobs.independent_groups) runs in a gitlab-ci-local of its own, side by
    side, so that a job starts when GitLab would start it.
    """
    prepared = prepare_pipeline(airgap)
    reg = registry.start_registry()
    if prepared.airgap:
        with step("Image store of the dind services (air-gapped: they cannot pull)"):
            for job, images in dind_job_images().items():
                dindstore.seed_dind_store(standins.dind_image_ref(), job, images)
    title = "gitlab-ci-local: the pipeline of .gitlab-ci.yml"
    groups = job_groups(args, source)
    with tempfile.TemporaryDirectory(prefix="kindlab-pipeline-") as tmp:
        variables = write_variables(Path(tmp) / "variables.yml", reg.variables())
        run_args = [*pipeline_args(variables, reg, prepared.airgap, source), *args]
        if len(groups) < 2:
            return run_jobs(prepared, run_args, title, reg=reg)
        with ThreadPoolExecutor(len(groups)) as pool:
            runs = pool.map(
                lambda names: run_jobs(
                    prepared, [*run_args, *names], f"{title} ({', '.join(names)})", reg=reg
                ),
                groups,
            )
            return merged(list(runs))


def job_groups(args: Sequence[str], source: Sequence[str]) -> list[list[str]]:
    """The pipeline's independent groups of jobs, or none when `args` name jobs to run."""
    ci_file = REPO_ROOT / ".gitlab-ci.yml"
    listing = plan.listed_jobs(ci_file, source, validate=False)
    if any(arg in listing for arg in args):
        return []
    stages = (yaml.safe_load(ci_file.read_text()) or {}).get("stages") or DEFAULT_STAGES
    return independent_groups(listing, stages)


def merged(runs: list[PipelineRun]) -> PipelineRun:
    """One pipeline of the groups' runs (each group's job starts count from its own first job;
    the groups start together)."""
    jobs = sorted((job for r in runs for job in r.jobs), key=lambda j: j.started or 0.0)
    return PipelineRun(
        tuple(jobs),
        max(r.seconds for r in runs),
        max(r.exit_code for r in runs),
        runs[0].registry,
        runs[0].state_dir,
    )

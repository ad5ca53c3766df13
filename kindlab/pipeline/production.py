"""The deploy job of a tag pipeline, run for real with a kind cluster playing "production".

GitLab hands the deploy job the production cluster's credentials as the File variable
KUBECONFIG, and production pulls $APP_IMAGE from the project's registry. Here production is a
kind cluster on this Docker host, so:

- KUBECONFIG holds the cluster's *internal* kubeconfig (`kind get kubeconfig --internal`: the API
  server as https://<cluster>-control-plane:6443), and the job container joins the Docker
  network `kind`, where that name resolves;
- the node cannot pull from the pipeline's registry (another network, a certificate the node
  does not trust), so the image is put into the node beforehand, with `kind load`, under the
  exact reference the job will name ($CI_REGISTRY_IMAGE:$CI_COMMIT_SHA); the production
  overlay's `imagePullPolicy: IfNotPresent` then runs it without a pull.

Only the deploy job runs: naming a job makes gitlab-ci-local run it even though it is
`when: manual` (`--manual deploy` is what a whole tag pipeline would need).
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kindlab.cluster.lifecycle import Cluster
from kindlab.core.paths import REPO_ROOT
from kindlab.core.process import run
from kindlab.core.versions import pin
from kindlab.pipeline import registry
from kindlab.pipeline.runner import (
    PipelineRun,
    Runner,
    airgap_args,
    base_args,
    run_jobs,
    write_variables,
)
from kindlab.pipeline.standins import HELPER_IMAGE
from kindlab.pipeline.tool import tag_pipeline

JOB = "deploy"
KIND_NETWORK = "kind"


def job_images() -> list[str]:
    """The images a deploy run needs: the job's ($PYTHON_IMAGE) and gitlab-ci-local's helper."""
    return [pin("PYTHON_IMAGE"), HELPER_IMAGE]


@dataclass(frozen=True)
class Release:
    """A tag to deploy: the local image shipped as its build, and the work tree it is cut from.

    `variables` override the job's own (a short ROLLOUT_TIMEOUT, say), as pipeline variables
    given to "Run pipeline" in GitLab do.
    """

    tag: str
    image: str
    workdir: Path = REPO_ROOT
    variables: Mapping[str, str] = field(default_factory=dict)


def commit_sha(workdir: Path) -> str:
    """$CI_COMMIT_SHA as gitlab-ci-local sets it: the work tree's HEAD."""
    return run(["git", "rev-parse", "HEAD"], cwd=workdir).strip()


def app_image(workdir: Path) -> str:
    """$APP_IMAGE of .gitlab-ci.yml ($CI_REGISTRY_IMAGE:$CI_COMMIT_SHA) for this work tree."""
    return f"{registry.project_variables()['CI_REGISTRY_IMAGE']}:{commit_sha(workdir)}"


def internal_kubeconfig(cluster: Cluster, path: Path) -> Path:
    """Credentials for the cluster as a container on the `kind` network reaches it."""
    text = run([cluster.platform.kind, "get", "kubeconfig", "--internal", "--name", cluster.name])
    path.touch(mode=0o600)
    path.write_text(text + "\n")
    return path


def deploy_args(variables_file: Path, release: Release, airgap: bool) -> list[str]:
    args = [*base_args(variables_file, registry.project_variables()), "--network", KIND_NETWORK]
    args += tag_pipeline(release.tag)
    if airgap:
        args += airgap_args()
    for name, value in release.variables.items():
        args += ["--variable", f"{name}={value}"]
    return [*args, JOB]


def deploy(runner: Runner, cluster: Cluster, release: Release) -> PipelineRun:
    """Put the release's image into the cluster as $APP_IMAGE, then run the deploy job."""
    image = app_image(release.workdir)
    run(["docker", "tag", release.image, image])
    cluster.load_image(image)
    with tempfile.TemporaryDirectory(prefix="kindlab-deploy-") as tmp:
        variables = {
            **registry.project_variables(),
            "KUBECONFIG": str(internal_kubeconfig(cluster, Path(tmp) / "kubeconfig")),
        }
        variables_file = write_variables(Path(tmp) / "variables.yml", variables)
        return run_jobs(
            runner,
            deploy_args(variables_file, release, runner.airgap),
            f"gitlab-ci-local: the deploy job of tag {release.tag} ({image})",
            cwd=release.workdir,
        )

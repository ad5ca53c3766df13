"""`python -m kindlab.pipeline` (tox -e pipeline): `.gitlab-ci.yml` run with gitlab-ci-local.

Two runs, sharing what kindlab.pipeline.runner provides in place of GitLab and its runner:

  python -m kindlab.pipeline [OPTIONS] [JOB ...]
      the merge-request pipeline (lint, unit, build, e2e), or only the jobs named. Options not
      listed below go to gitlab-ci-local, e.g. `--variable E2E_SELECT='...'` to run a subset of
      the e2e suite.
  python -m kindlab.pipeline deploy --tag TAG [--cluster NAME] [--image REF] [OPTIONS]
      the deploy job of the pipeline of tag TAG, against the running kind cluster NAME
      (default: $KINDLAB_CLUSTER_NAME, else kindlab) as production, shipping the local image
      REF (default kindlab/app:local, what `tox -e up` built) as this commit's build.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from kindlab.airgap.base_images import python_base_image
from kindlab.airgap.cluster_images import control_plane_images
from kindlab.airgap.debian import debian_image
from kindlab.airgap.dockerimages import image_labels
from kindlab.airgap.nodeimage import node_image
from kindlab.cluster.addon_registry import airgap_images
from kindlab.cluster.lifecycle import attach_cluster, default_cluster_name
from kindlab.cluster.names import APP_REPOSITORY, APP_TAG
from kindlab.cluster.platform import resolve_tools
from kindlab.download import airgap_setting
from kindlab.errors import KindlabError
from kindlab.pipeline import dindstore, production, registry, runner, standins
from kindlab.pipeline.tool import MERGE_REQUEST
from kindlab.progress import say, step
from kindlab.versions import pin


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


def merge_request_args(variables_file: Path, reg: registry.Registry, airgap: bool) -> list[str]:
    args = [*MERGE_REQUEST, *runner.base_args(variables_file, reg.variables())]
    args += runner.dind_args(airgap)
    if airgap:
        args += runner.airgap_args()
    return args


def run_merge_request(extra: list[str], airgap: bool | None) -> runner.JobRun:
    prepared = runner.prepare(airgap)
    reg = registry.start_registry()
    if prepared.airgap:
        with step("Image store of the dind services (air-gapped: they cannot pull)"):
            for job, images in dind_job_images().items():
                dindstore.seed_dind_store(standins.dind_image_ref(), job, images)
    with tempfile.TemporaryDirectory(prefix="kindlab-pipeline-") as tmp:
        variables = runner.write_variables(Path(tmp) / "variables.yml", reg.variables())
        args = merge_request_args(variables, reg, prepared.airgap)
        return runner.run_jobs(
            prepared, [*args, *extra], "gitlab-ci-local: the merge-request pipeline"
        )


def run_deploy(argv: list[str], airgap: bool | None) -> runner.JobRun:
    parser = argparse.ArgumentParser(prog="python -m kindlab.pipeline deploy")
    parser.add_argument("--tag", required=True, help="the git tag to deploy, e.g. v1.2.3")
    parser.add_argument("--cluster", default=default_cluster_name(), help="kind cluster")
    parser.add_argument("--image", default=f"{APP_REPOSITORY}:{APP_TAG}", help="local image")
    args, extra = parser.parse_known_args(argv)
    if image_labels(args.image) is None:
        raise KindlabError(f"no local image {args.image}: build it (tox -e up) or pass --image")
    prepared = runner.prepare(airgap, production.job_images())
    cluster = attach_cluster(resolve_tools(prepared.airgap), args.cluster)
    release = production.Release(args.tag, args.image, variables=_variables(extra))
    return production.deploy(prepared, cluster, release)


def _variables(extra: list[str]) -> dict[str, str]:
    """`--variable NAME=VALUE` options for the deploy job; anything else is a usage error."""
    variables, rest = {}, list(extra)
    while rest:
        option = rest.pop(0)
        if option != "--variable" or not rest or "=" not in rest[0]:
            raise KindlabError(f"deploy takes --variable NAME=VALUE, not {option!r}")
        name, _, value = rest.pop(0).partition("=")
        variables[name] = value
    return variables


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kindlab.pipeline",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--airgap", action="store_true", default=None, help="force air-gapped mode")
    mode.add_argument("--online", dest="airgap", action="store_false", help="force online mode")
    args, extra = parser.parse_known_args(argv)
    airgap = args.airgap if args.airgap is not None else airgap_setting()
    deploying = extra[:1] == [production.JOB]
    what = "the deploy job" if deploying else "the merge-request pipeline"
    started = time.monotonic()
    try:
        result = run_deploy(extra[1:], airgap) if deploying else run_merge_request(extra, airgap)
    except KindlabError as exc:
        say(f"{what} failed after {time.monotonic() - started:.0f}s: {exc}")
        return 1
    verdict = "passed" if result.passed else "failed"
    say(f"{what} {verdict} in {time.monotonic() - started:.0f}s (logs: {result.state}/output)")
    return 0 if result.passed else 1


if __name__ == "__main__":
    raise SystemExit(main())

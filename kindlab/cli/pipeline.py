"""`kindlab pipeline` (tox -e pipeline): `.gitlab-ci.yml` run with gitlab-ci-local.

Two runs, sharing what kindlab.pipeline.runner provides in place of GitLab and its runner; each
job's status and time go to reports/pipeline.json:

  kindlab pipeline [OPTIONS] [JOB ...]
      the merge-request pipeline (lint, unit, build, e2e), or only the jobs named. Options not
      listed below go to gitlab-ci-local, e.g. `--variable E2E_SELECT='...'` to run a subset of
      the e2e suite.
  kindlab pipeline --prepare
      only what the jobs run in and on (job images or their stand-ins, the registry's image,
      air-gapped also the e2e job's image and the jobs' Go tools); no job runs. `tox -m ci`
      does this beside the cluster build (tox -e jobimages).
  kindlab pipeline deploy --tag TAG [--cluster NAME] [--image REF] [OPTIONS]
      the deploy job of the pipeline of tag TAG, against the running kind cluster NAME
      (default: $KINDLAB_CLUSTER_NAME, else kindlab) as production, shipping the local image
      REF (default kindlab/app:local, what `tox -e up` built) as this commit's build.
"""

from __future__ import annotations

import argparse

from kindlab.bringup.provision import resolve_tools
from kindlab.build.dockerimages import image_labels
from kindlab.build.download import airgap_setting
from kindlab.cluster.identity import chosen_cluster_name
from kindlab.cluster.lifecycle import attach_cluster
from kindlab.cluster.names import APP_REPOSITORY, APP_TAG
from kindlab.core.errors import KindlabError
from kindlab.core.output import say
from kindlab.core.paths import REPO_ROOT
from kindlab.pipeline import production, runner

REPORT = REPO_ROOT / "reports" / "pipeline.json"


def run_deploy(argv: list[str], airgap: bool | None) -> runner.PipelineRun:
    parser = argparse.ArgumentParser(prog="kindlab pipeline deploy")
    parser.add_argument("--tag", required=True, help="the git tag to deploy, e.g. v1.2.3")
    parser.add_argument("--cluster", help="kind cluster")
    parser.add_argument("--image", default=f"{APP_REPOSITORY}:{APP_TAG}", help="local image")
    args, extra = parser.parse_known_args(argv)
    cluster_name = chosen_cluster_name(args.cluster)
    if image_labels(args.image) is None:
        raise KindlabError(f"no local image {args.image}: build it (tox -e up) or pass --image")
    prepared = runner.prepare(airgap, production.job_images())
    cluster = attach_cluster(resolve_tools(prepared.airgap), cluster_name)
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
        prog="kindlab pipeline",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--airgap", action="store_true", default=None, help="force air-gapped mode")
    mode.add_argument("--online", dest="airgap", action="store_false", help="force online mode")
    parser.add_argument("--prepare", action="store_true", help="make what the jobs need, run none")
    args, extra = parser.parse_known_args(argv)
    airgap = args.airgap if args.airgap is not None else airgap_setting()
    if args.prepare and extra:
        parser.error(f"--prepare runs no job: {' '.join(extra)}")
    deploying = extra[:1] == [production.JOB]
    try:
        if args.prepare:
            runner.prepare_pipeline(airgap)
            say("the pipeline's jobs have what they run in")
            return 0
        result = run_deploy(extra[1:], airgap) if deploying else runner.run_pipeline(extra, airgap)
    except KindlabError as exc:
        say(f"the pipeline could not run: {exc}")
        return 1
    report = result.write_report(REPORT).relative_to(REPO_ROOT)
    say(f"{result.summary()}; logs: {result.state_dir}/output; report: {report}")
    return 0 if result.passed else 1

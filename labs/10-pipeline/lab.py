"""Lab 10: the GitLab pipeline. The learner mends a copy of the project's `.gitlab-ci.yml` whose
e2e job has three faults a team could ship without noticing, because the pipeline still goes
green: e2e never runs on merge requests (a rule on the branch, which merge-request pipelines do
not set), it would not test the image the build job pushed (no KINDLAB_APP_IMAGE: the suite
builds its own), and a failing run throws its reports away (artifacts without `when: always`).

The start file is made from the repository's `.gitlab-ci.yml` as it is now, so the lab follows
the real pipeline; the reference solution is that file itself. The checker asks gitlab-ci-local
what GitLab would make of the learner's file (kindlab.pipeline.plan): the schema, which jobs
each kind of pipeline creates, and each job as `extends` and anchors merge it. No job runs;
`tox -e pipeline` runs them all for real.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kindlab.core.errors import KindlabError
from kindlab.core.output import echo, say
from kindlab.core.paths import REPO_ROOT
from kindlab.pipeline import plan
from labs import actions
from labs.framework import CheckContext, Lab, Step, StepFailed, Verdict, failed, passed
from labs.session import Session

PIPELINE_FILE = ".gitlab-ci.yml"
PROJECT_PIPELINE = REPO_ROOT / PIPELINE_FILE
E2E, BUILD = "e2e", "build"
MERGE_REQUEST = "merge-request"
IMAGE_VARIABLE = "KINDLAB_APP_IMAGE"
# The e2e job: from its key to the next top-level key.
E2E_BLOCK = re.compile(rf"^{E2E}:\n(?:(?:[ #].*)?\n)*", re.MULTILINE)
PUSH = re.compile(r"docker push\s+(\"?)([^\"\s]+)\1")


class StartStateBroken(KindlabError):
    """The project's .gitlab-ci.yml changed so that a fault of this lab no longer applies."""


@dataclass(frozen=True)
class Fault:
    """One edit to the e2e job of the project's .gitlab-ci.yml; `old` occurs there once."""

    what: str
    old: str
    new: str


FAULTS = (
    Fault(
        "e2e runs in branch pipelines only, never for a merge request",
        '    - if: $CI_PIPELINE_SOURCE == "merge_request_event"\n',
        "    - if: $CI_COMMIT_BRANCH\n",
    ),
    Fault(
        "e2e does not name the image the build job pushed",
        "    # The suite tags and loads this image instead of building one (e2e/conftest.py).\n"
        f"    {IMAGE_VARIABLE}: $APP_IMAGE\n",
        "",
    ),
    Fault("e2e keeps its artifacts only when the tests pass", "    when: always\n", ""),
)


def break_pipeline(text: str, faults: tuple[Fault, ...] = FAULTS) -> str:
    """The project's pipeline with `faults` applied to its e2e job."""
    block = E2E_BLOCK.search(text)
    if block is None:
        raise StartStateBroken(f"{PIPELINE_FILE} has no top-level {E2E} job")
    job = block[0]
    for fault in faults:
        if job.count(fault.old) != 1:
            raise StartStateBroken(
                f"the {E2E} job of {PIPELINE_FILE} no longer holds {fault.old.strip()!r} once, "
                f"so lab 10 cannot make it so that {fault.what}: update FAULTS in "
                "labs/10-pipeline/lab.py"
            )
        job = job.replace(fault.old, fault.new)
    return text[: block.start()] + job + text[block.end() :]


def write_broken_pipeline(target: Path) -> None:
    (target / PIPELINE_FILE).write_text(break_pipeline(PROJECT_PIPELINE.read_text()))


def start(session: Session) -> None:
    workspace = actions.prepare_workspace(session, LAB)
    shown = _relative(workspace / PIPELINE_FILE)
    say("what GitLab would create from your file, per kind of pipeline (no job runs):")
    echo("")
    echo(f"    kindlab plan {shown}")
    echo(f"    kindlab plan {shown} --job {E2E}")
    echo("")
    plan.gitlab_ci_local()  # installed now (from npm, once), so the first check is quick


def write_reference(target: Path) -> None:
    """The reference solution is the project's own pipeline."""
    shutil.copyfile(PROJECT_PIPELINE, target / PIPELINE_FILE)


def solve(session: Session) -> None:
    actions.use_reference(session, LAB)


def _relative(path: Path) -> str:
    return str(path).removeprefix(str(Path.cwd()) + "/")


# --- what gitlab-ci-local says, asked once per check ------------------------------------------


def _listed(ctx: CheckContext, kind: str) -> dict[str, dict[str, Any]]:
    key = f"jobs:{kind}"
    if key not in ctx.memo:
        # The schema is checked once, by the first listing (the merge-request one).
        validate = kind == MERGE_REQUEST
        ctx.memo[key] = _asked(plan.listed_jobs, _file(ctx), plan.PIPELINES[kind], validate)
    return ctx.memo[key]


def _config(ctx: CheckContext) -> dict[str, Any]:
    if "config" not in ctx.memo:
        ctx.memo["config"] = _asked(plan.expanded_config, _file(ctx), plan.PIPELINES[MERGE_REQUEST])
    return ctx.memo["config"]


def _asked(question: Callable[..., Any], *args: Any) -> Any:
    """gitlab-ci-local's answer; its refusal is the step's failure, in its own words."""
    try:
        return question(*args)
    except plan.PipelineRejected as exc:
        raise StepFailed(f"gitlab-ci-local rejects your {PIPELINE_FILE}: {exc}") from None


def _file(ctx: CheckContext) -> Path:
    path = ctx.session.workspace(LAB.slug) / PIPELINE_FILE
    if not path.is_file():
        raise StepFailed(f"{path} is missing: `labctl start 10` gives it back")
    return path


def _created(jobs: dict[str, dict[str, Any]]) -> list[str]:
    return [name for name, job in jobs.items() if job["when"] != "never"]


def _script(job: dict[str, Any]) -> list[str]:
    def flat(items: Any) -> list[str]:
        if isinstance(items, str):
            return [items]
        return [line for item in items or [] for line in flat(item)]

    return flat(job.get("script"))


# --- steps ----------------------------------------------------------------------------------


def valid(ctx: CheckContext) -> Verdict:
    jobs = _listed(ctx, MERGE_REQUEST)
    missing = [name for name in (BUILD, E2E) if name not in jobs]
    if missing:
        return failed(f"your {PIPELINE_FILE} has no job named {' or '.join(missing)}")
    return passed(f"valid against GitLab's CI schema; jobs: {', '.join(jobs)}")


def e2e_on_merge_requests(ctx: CheckContext) -> Verdict:
    jobs = _listed(ctx, MERGE_REQUEST)
    e2e = jobs[E2E]
    created = ", ".join(_created(jobs))
    if e2e["when"] == "never":
        rules = [rule.get("if", rule) for rule in e2e.get("rules", [])]
        return failed(
            f"a merge-request pipeline creates {created}, but no {E2E} job: none of its rules "
            f"{rules} holds for a merge request"
        )
    if e2e["when"] == "manual":
        return failed(f"in a merge-request pipeline {E2E} waits for someone to start it by hand")
    return passed(f"a merge-request pipeline creates {created}")


def e2e_only_on_merge_requests(ctx: CheckContext) -> Verdict:
    for kind in plan.PIPELINES:
        if kind == MERGE_REQUEST:
            continue
        when = _listed(ctx, kind)[E2E]["when"]
        if when != "never":
            return failed(
                f"a {kind} pipeline creates {E2E} too ({when}): it should test a change before "
                "it is merged, in the merge request's pipeline, and only there"
            )
    others = " and ".join(k for k in plan.PIPELINES if k != MERGE_REQUEST)
    return passed(f"{others} pipelines create no {E2E} job")


def e2e_after_build(ctx: CheckContext) -> Verdict:
    config = _config(ctx)
    stages = config.get("stages", [])
    stage = {name: config[name].get("stage", "test") for name in (BUILD, E2E)}
    needs = [n["job"] if isinstance(n, dict) else n for n in config[E2E].get("needs") or []]
    if "needs" in config[E2E]:
        if BUILD not in needs:
            return failed(f"{E2E} needs {needs}, not {BUILD}: it may start before the image exists")
        return passed(f"{E2E} needs {BUILD}")
    if stages.index(stage[E2E]) <= stages.index(stage[BUILD]):
        return failed(
            f"{E2E} is in stage {stage[E2E]}, which does not come after {BUILD}'s stage "
            f"{stage[BUILD]} (stages: {stages}): it would start before the image is pushed"
        )
    return passed(f"stage {stage[E2E]} comes after stage {stage[BUILD]}")


def e2e_tests_pushed_image(ctx: CheckContext) -> Verdict:
    config = _config(ctx)
    pushes = [m[2] for line in _script(config[BUILD]) for m in PUSH.finditer(line)]
    if len(pushes) != 1:
        return failed(f"the {BUILD} job should push one image, it pushes {pushes}")
    pushed = plan.expand(pushes[0], plan.job_variables(config, BUILD))
    variables = plan.job_variables(config, E2E)
    if IMAGE_VARIABLE not in variables:
        return failed(
            f"{E2E} sets no {IMAGE_VARIABLE}, so the suite builds an image of its own and tests "
            f"that, not {pushed}, the image the {BUILD} job pushed"
        )
    tested = plan.expand(variables[IMAGE_VARIABLE], variables)
    if tested != pushed:
        return failed(f"{E2E} tests {tested}, but the {BUILD} job pushes {pushed}")
    return passed(f"{E2E} tests {tested}, the image the {BUILD} job pushes")


def e2e_keeps_reports(ctx: CheckContext) -> Verdict:
    artifacts = _config(ctx)[E2E].get("artifacts") or {}
    when = artifacts.get("when", "on_success")
    if when != "always":
        return failed(
            f"{E2E}'s artifacts are uploaded {when}: when the tests fail, the JUnit report and "
            "reports/ that say why are thrown away"
        )
    missing = {"reports/", "e2e-artifacts/"} - set(artifacts.get("paths", []))
    if missing:
        return failed(f"{E2E}'s artifacts no longer hold {sorted(missing)}")
    return passed(f"{E2E} uploads {', '.join(artifacts['paths'])} whatever the outcome")


LAB = Lab(
    number=10,
    slug="10-pipeline",
    title="The GitLab pipeline",
    teaches="`rules` and pipeline variables, testing the image you ship, artifacts on failure",
    difficulty="core",
    check_duration="~10 s",
    needs=("npm (installs gitlab-ci-local and its Node 22 once; no cluster, no Docker)",),
    start=start,
    solve=solve,
    needs_cluster=False,
    needs_docker=False,
    start_files=write_broken_pipeline,
    reference_files=write_reference,
    steps=(
        Step("gitlab-ci-local reads .gitlab-ci.yml (GitLab's CI schema)", valid, hint="schema"),
        Step("a merge-request pipeline creates the e2e job", e2e_on_merge_requests, hint="rules"),
        Step("only merge-request pipelines create e2e", e2e_only_on_merge_requests, hint="rules"),
        Step("e2e starts after build", e2e_after_build, hint="needs"),
        Step("e2e tests the image the build job pushes", e2e_tests_pushed_image, hint="image"),
        Step("e2e keeps its reports when the tests fail", e2e_keeps_reports, hint="reports"),
    ),
)

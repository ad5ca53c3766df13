"""The GitLab tier: pipelines of .gitlab-ci.yml run for real with gitlab-ci-local.

Each pipeline runs once per session (it takes minutes) through kindlab.pipeline's Python API,
with what a GitLab runner provides (kindlab.pipeline.runner); its tests then look at what a
GitLab user would: job statuses, logs, artifacts, the registry. Each run's job times go to a
JSON report in reports/.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from kindlab.core.output import say
from kindlab.core.paths import REPO_ROOT
from kindlab.pipeline.runner import MERGE_REQUEST, PipelineRun, run_pipeline

HERE = Path(__file__).parent
REPORTS = REPO_ROOT / "reports"
# What the merge-request pipeline's e2e job runs in this tier (its E2E_SELECT, a pytest -k
# expression): empty, the whole suite. This job is where `tox -m ci` runs the e2e suite.
# KINDLAB_E2E_SELECT gives a developer's short run a subset; under CI that is refused.
E2E_SELECT = ""

RunPipeline = Callable[..., PipelineRun]


@pytest.fixture(scope="session")
def run_gitlab_pipeline() -> RunPipeline:
    """Run a pipeline and write its job times to reports/<report>.

    Call it with the report's file name, gitlab-ci-local arguments (job names, --variable ...)
    and, for other than a merge-request pipeline, the variables that select it (`source`).
    """

    def run(
        report: str, args: Sequence[str] = (), source: Sequence[str] = MERGE_REQUEST
    ) -> PipelineRun:
        result = run_pipeline(args, source=source)
        path = result.write_report(REPORTS / report)
        say(f"{result.summary()}; report: {path.relative_to(REPO_ROOT)}")
        return result

    return run


@pytest.fixture(scope="session")
def e2e_select() -> str:
    select = os.environ.get("KINDLAB_E2E_SELECT", E2E_SELECT)
    if select and os.environ.get("CI"):
        pytest.fail(f"CI runs the whole e2e suite in the pipeline: KINDLAB_E2E_SELECT={select!r}")
    return select


@pytest.fixture(scope="session")
def merge_request_pipeline(run_gitlab_pipeline: RunPipeline, e2e_select: str) -> PipelineRun:
    """The merge-request pipeline (lint, unit, build, e2e), once per session."""
    return run_gitlab_pipeline("pipeline.json", ["--variable", f"E2E_SELECT={e2e_select}"])

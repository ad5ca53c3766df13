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

from kindlab.pipeline.runner import MERGE_REQUEST, PipelineRun, run_pipeline
from kindlab.progress import say
from kindlab.versions import REPO_ROOT

HERE = Path(__file__).parent
REPORTS = REPO_ROOT / "reports"
# The e2e subset the merge-request pipeline runs in this tier (a pytest -k expression; the
# e2e job's E2E_SELECT): the cluster checks, the smoke checks through the ingress and the
# zero-failure rolling update. KINDLAB_E2E_SELECT replaces it ("" runs the whole suite).
E2E_SELECT = "test_cluster or test_smoke or test_rolling_update"

RunPipeline = Callable[..., PipelineRun]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test here `gitlab`, so `pytest -m gitlab` selects the whole tier."""
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.gitlab)


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
    return os.environ.get("KINDLAB_E2E_SELECT", E2E_SELECT)


@pytest.fixture(scope="session")
def merge_request_pipeline(run_gitlab_pipeline: RunPipeline, e2e_select: str) -> PipelineRun:
    """The merge-request pipeline (lint, unit, build, e2e), once per session."""
    return run_gitlab_pipeline("pipeline.json", ["--variable", f"E2E_SELECT={e2e_select}"])

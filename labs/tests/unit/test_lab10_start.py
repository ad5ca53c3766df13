"""Lab 10's start state, made from the project's .gitlab-ci.yml as it is now (no tool needed)."""

from __future__ import annotations

import importlib

import pytest
import yaml

from labs import actions, catalog
from labs.session import Session

LAB = catalog.get(10)
# The catalog loads labs/10-pipeline/lab.py (a folder name Python cannot import) as labs.lab10.
LAB_MODULE = importlib.import_module("labs.lab10")
PROJECT = LAB_MODULE.PROJECT_PIPELINE.read_text()


def test_start_state_breaks_only_the_e2e_job_of_the_project_pipeline():
    broken = LAB_MODULE.break_pipeline(PROJECT)
    project, start = yaml.safe_load(PROJECT), yaml.safe_load(broken)
    assert {k: v for k, v in start.items() if k != "e2e"} == {
        k: v for k, v in project.items() if k != "e2e"
    }
    e2e = start["e2e"]
    assert e2e["rules"] == [{"if": "$CI_COMMIT_BRANCH"}]
    assert "KINDLAB_APP_IMAGE" not in e2e["variables"]
    assert "when" not in e2e["artifacts"]
    # Everything else of the job is as the project has it.
    assert e2e["script"] == project["e2e"]["script"]
    assert e2e["artifacts"]["paths"] == project["e2e"]["artifacts"]["paths"]


def test_start_state_says_what_to_update_when_the_project_pipeline_moves_on():
    moved = PROJECT.replace("KINDLAB_APP_IMAGE: $APP_IMAGE", "KINDLAB_APP_IMAGE: $IMAGE")
    with pytest.raises(LAB_MODULE.StartStateBroken, match="update FAULTS in labs/10-pipeline"):
        LAB_MODULE.break_pipeline(moved)
    with pytest.raises(LAB_MODULE.StartStateBroken, match="no top-level e2e job"):
        LAB_MODULE.break_pipeline(PROJECT.replace("\ne2e:\n", "\nend-to-end:\n"))


def test_workspace_gets_the_broken_copy_and_reset_notices_edits(tmp_path):
    session = Session(workdir=tmp_path)
    workspace = actions.prepare_workspace(session, LAB)
    assert (workspace / ".gitlab-ci.yml").read_text() == LAB_MODULE.break_pipeline(PROJECT)
    assert not actions.workspace_changed(session, LAB)
    LAB.solve(session)
    assert (workspace / ".gitlab-ci.yml").read_text() == PROJECT
    assert actions.workspace_changed(session, LAB), "a reset would lose the learner's edits"

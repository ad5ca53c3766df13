"""How kindlab.pipeline.plan talks to gitlab-ci-local, without it: what it passes, what it
keeps of its complaints. (labs/tests/test_lab10_pipeline.py asks the real tool.)"""

import pytest

from kindlab.pipeline import plan


def test_variables_expand_as_gitlab_does_and_unknown_ones_stay():
    variables = {"APP_IMAGE": "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA", "CI_REGISTRY_IMAGE": "r/k"}
    assert plan.expand("${APP_IMAGE}", variables) == "r/k:$CI_COMMIT_SHA"
    with pytest.raises(ValueError, match="does not terminate"):
        plan.expand("$A", {"A": "$B", "B": "$A"})


def test_job_variables_override_global_ones_and_long_form_is_reduced():
    config = {"variables": {"A": "1", "B": {"value": "2", "description": "b"}}, "j": {}}
    config["j"]["variables"] = {"A": "3"}
    assert plan.job_variables(config, "j") == {"A": "3", "B": "2"}


def test_variables_a_pipeline_sets_are_not_warned_about():
    assert plan._overridden(plan.PIPELINES["merge-request"]) == [
        "CI_PIPELINE_SOURCE",
        "CI_MERGE_REQUEST_IID",
        "CI_COMMIT_BRANCH",
    ]


def test_complaint_keeps_what_is_wrong_and_drops_git_fallbacks_and_advice():
    output = (
        "Using fallback git commit data\n"
        "  Command failed with exit code 128: git rev-parse HEAD\n\n"
        "fatal: not a git repository (or any of the parent directories): .git\n"
        "parsing and downloads finished in 133 ms.\n"
        "Invalid .gitlab-ci.yml configuration!\n"
        "\t• 'when' property must be one of [on_success, on_failure, always] (found allways)\n"
        "For further troubleshooting, consider either of the following:\n"
        "\t• Use --json-schema-validation=false\n"
    )
    assert plan._complaint(output) == (
        "Invalid .gitlab-ci.yml configuration! • 'when' property must be one of "
        "[on_success, on_failure, always] (found allways)"
    )


def test_a_yaml_error_is_one_line_with_its_place(tmp_path):
    broken = tmp_path / ".gitlab-ci.yml"
    broken.write_text("stages: [lint\njob:\n  script: x\n")
    with pytest.raises(plan.PipelineRejected, match=r"not valid YAML: .* at line \d+, column \d+$"):
        plan.listed_jobs(broken, plan.PIPELINES["merge-request"])
    with pytest.raises(plan.PipelineRejected, match="does not exist"):
        plan.listed_jobs(tmp_path / "missing.yml", [])

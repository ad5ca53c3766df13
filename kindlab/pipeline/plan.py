"""What GitLab would make of a `.gitlab-ci.yml`, asked of gitlab-ci-local without running a job.

`--list-json` evaluates every job's `rules` with the variables of a kind of pipeline (merge
request, branch, tag) the way GitLab does, after validating the file against GitLab's CI
schema (gitlab-ci-local ships it); `--preview` prints the configuration with `extends`, YAML
anchors and `default:` merged into each job. Neither starts a container or needs Docker, so
a check built on them takes seconds. One difference from GitLab, seen in gitlab-ci-local 4.75:
`workflow:rules` only contribute variables; a pipeline that no workflow rule admits is still
listed, job by job.

The file is read in a scratch directory of its own: gitlab-ci-local keeps state beside the
file it reads (`.gitlab-ci-local/`) and picks up variables files from there and from $HOME,
none of which should leak into, or out of, what is being checked.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml

from kindlab.core.errors import KindlabError
from kindlab.pipeline.tool import MERGE_REQUEST, gitlab_ci_local, tag_pipeline

TIMEOUT_SECONDS = 120
# The variables GitLab sets for each kind of pipeline .gitlab-ci.yml plans for, as gitlab-ci-local
# options (the default branch is main, a release tag v1.0.0).
PIPELINES = {
    "merge-request": MERGE_REQUEST,
    "default-branch": [
        "--variable", "CI_PIPELINE_SOURCE=push",
        "--variable", "CI_COMMIT_BRANCH=main",
        "--variable", "CI_DEFAULT_BRANCH=main",
    ],
    "tag": tag_pipeline("v1.0.0"),
}  # fmt: skip
VARIABLE_REF = re.compile(r"\$\{(\w+)\}|\$(\w+)")
# What gitlab-ci-local says about a scratch directory that is no git repository (it falls back
# to made-up commit data, which is fine here), and its JavaScript stack frames.
NOISE = re.compile(
    r"git (symbolic-ref|rev-parse|remote)|not a git repository|fallback git|default remote"
    r"|^\s+at |^parsing and downloads finished|^json schema validated"
)
TROUBLESHOOTING = "For further troubleshooting"


class PipelineRejected(KindlabError):
    """gitlab-ci-local refused the file (YAML, schema, an invalid job); says what it said."""


def listed_jobs(
    ci_file: Path, pipeline: Sequence[str], validate: bool = True
) -> dict[str, dict[str, Any]]:
    """Every job of the file by name, with `when` as the rules decide it for the pipeline whose
    variables `pipeline` sets (gitlab-ci-local options); `never` means GitLab creates no job."""
    args = ["--list-json", *pipeline]
    if not validate:
        args.append("--json-schema-validation=false")
    output = _ask(ci_file, args)
    start = output.find("\n[")
    text = output if output.startswith("[") else output[start + 1 :] if start >= 0 else ""
    try:
        jobs = json.loads(text)
    except json.JSONDecodeError:
        raise PipelineRejected(f"gitlab-ci-local listed no jobs: {output[-500:]}") from None
    return {job["name"]: job for job in jobs}


def expanded_config(ci_file: Path, pipeline: Sequence[str]) -> dict[str, Any]:
    """The configuration as GitLab sees it: each job with its `extends` and anchors merged."""
    output = _ask(ci_file, ["--preview", *pipeline, "--json-schema-validation=false"])
    start = output.find("---\n")
    return yaml.safe_load(output[start:] if start >= 0 else output) or {}


def job_variables(config: Mapping[str, Any], job: str) -> dict[str, str]:
    """A job's variables: the global ones overridden by its own, values only."""
    merged = {**(config.get("variables") or {}), **(config.get(job, {}).get("variables") or {})}
    return {k: str(v["value"] if isinstance(v, dict) else v) for k, v in merged.items()}


def expand(value: str, variables: Mapping[str, str], depth: int = 0) -> str:
    """Expand $VAR and ${VAR} as GitLab does for variables; unknown names stay as written."""
    if depth > 10:
        raise ValueError(f"variable expansion does not terminate: {value}")

    def substitute(match: re.Match[str]) -> str:
        name = match[1] or match[2]
        return expand(variables[name], variables, depth + 1) if name in variables else match[0]

    return VARIABLE_REF.sub(substitute, value)


def _ask(ci_file: Path, args: list[str]) -> str:
    if not ci_file.is_file():
        raise PipelineRejected(f"{ci_file} does not exist")
    text = ci_file.read_text()
    try:
        list(yaml.compose_all(text))  # syntax only: GitLab's own tags (!reference) are fine
    except yaml.YAMLError as exc:
        raise PipelineRejected(f"{ci_file.name} is not valid YAML: {_yaml_problem(exc)}") from None
    command = [*gitlab_ci_local(), *args]
    ignored = _overridden(args)
    if ignored:  # setting what GitLab predefines is the point here, not a mistake
        command += ["--ignore-predefined-vars", ",".join(ignored)]
    with tempfile.TemporaryDirectory(prefix="kindlab-gitlab-ci-") as scratch:
        (Path(scratch) / ".gitlab-ci.yml").write_text(text)
        try:
            result = subprocess.run(
                [*command, "--home", scratch, "--no-color"],
                cwd=scratch,
                capture_output=True,
                text=True,
                timeout=TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise PipelineRejected(
                f"gitlab-ci-local did not answer within {TIMEOUT_SECONDS}s"
            ) from None
    if result.returncode != 0:
        raise PipelineRejected(_complaint(result.stderr + "\n" + result.stdout))
    return result.stdout


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """One line: what is wrong and where (PyYAML's own message spans several)."""
    mark = getattr(exc, "problem_mark", None)
    problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
    return f"{problem} at line {mark.line + 1}, column {mark.column + 1}" if mark else problem


def _overridden(args: Sequence[str]) -> list[str]:
    names = []
    for option, value in pairwise(args):
        if option in {"--variable", "--unset-variable"}:
            names.append(value.split("=", 1)[0])
    return names


def _complaint(output: str) -> str:
    """What gitlab-ci-local objects to, without its git fallbacks, stack and advice."""
    lines = []
    for line in output.split(TROUBLESHOOTING, 1)[0].splitlines():
        if line.strip() and not NOISE.search(line) and not line.startswith("  Command failed"):
            lines.append(line.strip())
    return " ".join(lines[:12]) or "gitlab-ci-local failed and said nothing"

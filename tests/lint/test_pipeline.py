"""The GitLab pipeline and the project's front door, checked offline.

GitLab is out of reach (and CI must never depend on it), so `.gitlab-ci.yml` is validated
against the GitLab CI schema that check-jsonschema vendors, then read the way GitLab reads it:
`extends` merged and `rules` evaluated for merge-request, default-branch and tag pipelines by
gitlab-ci-local (kindlab.pipeline.plan, the reading `kindlab plan` and lab 10 use too). The
build and deploy scripts are executed with fake docker and kubectl (the release the deploy job
writes is rendered by the real kustomize in kubectl), so "pushes the commit-SHA image", "passes
the CA secret only when given", "ships the production overlay with this commit's image and tag"
and "rolls back a failed rollout" are observed behaviour, not string matches (tests/gitlab/ runs
the same jobs for real). README.md, tox.ini and .ci/run are held to one another: the documented
tox environments are the real ones and `tox -m ci` is the suite.

Every check is also run on a deliberately broken copy of its input and must reject it.
"""

from __future__ import annotations

import configparser
import copy
import fnmatch
import functools
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from kindlab.core.paths import REPO_ROOT
from kindlab.core.versions import pins
from kindlab.pipeline.plan import (
    PIPELINES,
    VARIABLE_REF,
    PipelineRejected,
    expand,
    expanded_config,
    listed_jobs,
)

from .kustomize import RenderError, by_kind, copy_inputs, render
from .tools import require, run
from .toxini import tox_config, tox_envs, tox_labels, tox_setting

PIPELINE = REPO_ROOT / ".gitlab-ci.yml"
TOX_INI = REPO_ROOT / "tox.ini"
README = REPO_ROOT / "README.md"
CI_RUN = REPO_ROOT / ".ci" / "run"
DOCKERFILE = REPO_ROOT / "Dockerfile"

STAGES = ["lint", "test", "build", "e2e", "deploy"]
# Top-level keys that are not jobs.
KEYWORDS = {
    "stages",
    "workflow",
    "variables",
    "default",
    "include",
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
    "spec",
}
# What the docker client (and so kind and the fixtures) reads from the environment: a job that
# sets one of these for a tox env needs tox to pass it through.
DOCKER_CLIENT_VARIABLES = {
    "DOCKER_HOST",
    "DOCKER_TLS",
    "DOCKER_TLS_VERIFY",
    "DOCKER_CERT_PATH",
    "DOCKER_CONFIG",
    "DOCKER_CONTEXT",
    "DOCKER_API_VERSION",
    "DOCKER_BUILDKIT",
}

# What GitLab predefines, with made-up values, for evaluating rules and running scripts.
REGISTRY_IMAGE = "registry.example.test/team/kindlab"
COMMIT_SHA = "3f2a9c1d0b8e7f6a5c4d3e2f1a0b9c8d7e6f5a4b"
SHA_IMAGE = f"{REGISTRY_IMAGE}:{COMMIT_SHA}"
RELEASE_TAG = "v1.4.0"
PREDEFINED = {
    "CI_REGISTRY": "registry.example.test",
    "CI_REGISTRY_IMAGE": REGISTRY_IMAGE,
    "CI_REGISTRY_USER": "gitlab-ci-token",
    "CI_REGISTRY_PASSWORD": "not-a-secret",
    "CI_COMMIT_SHA": COMMIT_SHA,
    "CI_COMMIT_SHORT_SHA": COMMIT_SHA[:8],
    "CI_DEFAULT_BRANCH": "main",
    "CI_JOB_NAME": "job",
}


# Stage -> how its jobs start, per kind of pipeline (kindlab.pipeline.plan.PIPELINES).
EXPECTED_PLAN = {
    "merge-request": {
        "lint": {"on_success"},
        "test": {"on_success"},
        "build": {"on_success"},
        "e2e": {"on_success"},
    },
    "default-branch": {"lint": {"on_success"}, "test": {"on_success"}, "build": {"on_success"}},
    "tag": {
        "lint": {"on_success"},
        "test": {"on_success"},
        "build": {"on_success"},
        "deploy": {"manual"},
    },
}
WORKFLOW = [
    '$CI_PIPELINE_SOURCE == "merge_request_event"',
    "$CI_COMMIT_TAG",
    "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH",
]


# --- reading the pipeline the way GitLab does: asked of gitlab-ci-local (kindlab.pipeline.plan) --


def load_pipeline(path: Path = PIPELINE) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


def _scratch_file(text: str) -> Path:
    """gitlab-ci-local keeps state beside the file it reads: each content gets a folder."""
    path = Path(tempfile.mkdtemp(prefix="gitlab-ci-")) / ".gitlab-ci.yml"
    path.write_text(text)
    return path


@functools.cache
def _expanded(text: str) -> dict[str, Any]:
    return expanded_config(_scratch_file(text), PIPELINES["merge-request"])


@functools.cache
def _starts(text: str) -> dict[str, dict[str, str]]:
    path = _scratch_file(text)
    return {
        kind: {
            name: job["when"]
            for name, job in listed_jobs(path, variables, validate=False).items()
            if job["when"] != "never"
        }
        for kind, variables in PIPELINES.items()
    }


@dataclass(frozen=True)
class GitLabView:
    """What GitLab makes of a file: each job with `extends` and `default:` merged, and how each
    job starts (on_success, manual, ...) per kind of pipeline; jobs not created are left out.
    Each is asked of gitlab-ci-local once per distinct content, and only when a check needs it.
    """

    text: str

    @property
    def config(self) -> dict[str, Any]:
        return _expanded(self.text)

    @property
    def starts(self) -> dict[str, dict[str, str]]:
        return _starts(self.text)


def gitlab_view(ci: dict[str, Any]) -> GitLabView:
    return GitLabView(yaml.safe_dump(ci, sort_keys=False))


def jobs(ci: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every job GitLab would create, with `extends` and `default:` applied."""
    return {
        name: body
        for name, body in gitlab_view(ci).config.items()
        if name not in KEYWORDS and not name.startswith(".") and isinstance(body, dict)
    }


def jobs_in_stage(ci: dict[str, Any], stage: str) -> dict[str, dict[str, Any]]:
    return {name: job for name, job in jobs(ci).items() if job.get("stage", "test") == stage}


def variables_of(ci: dict[str, Any], job: dict[str, Any] | None = None) -> dict[str, str]:
    """Global variables overridden by the job's, values only (GitLab's long form reduced)."""
    merged = {**ci.get("variables", {}), **((job or {}).get("variables") or {})}
    return {k: v["value"] if isinstance(v, dict) else str(v) for k, v in merged.items()}


def flatten(script: Any) -> list[str]:
    """GitLab accepts nested script arrays (what YAML anchors produce) and runs them in order."""
    if isinstance(script, str):
        return [script]
    return [line for item in script or [] for line in flatten(item)]


# --- the checks: each returns what is wrong, so a broken copy can be shown to fail -----------


def schema_check(path: Path) -> tuple[int, str]:
    """GitLab's CI schema as vendored by check-jsonschema: no download, no cache, no network."""
    result = run(
        [
            require("check-jsonschema"),
            "--builtin-schema",
            "vendor.gitlab-ci",
            "--data-transform",
            "gitlab-ci",
            str(path),
        ]
    )
    return result.returncode, result.stdout + result.stderr


def stage_problems(ci: dict[str, Any]) -> list[str]:
    problems = []
    if ci.get("stages") != STAGES:
        problems.append(f"stages are {ci.get('stages')}, expected {STAGES}")
    all_jobs = jobs(ci)
    for name, job in all_jobs.items():
        stage = job.get("stage", "test")
        if stage not in ci.get("stages", []):
            problems.append(f"job {name} is in undeclared stage {stage}")
        if not flatten(job.get("script")):
            problems.append(f"job {name} has no script")
    for stage in ci.get("stages", []):
        if not any(job.get("stage", "test") == stage for job in all_jobs.values()):
            problems.append(f"stage {stage} has no job")
    return problems


def rule_problems(ci: dict[str, Any]) -> list[str]:
    """Which stages run, and how, in each kind of pipeline (e2e: MRs only; deploy: tags, manual)."""
    problems, view = [], gitlab_view(ci)
    for kind, expected in EXPECTED_PLAN.items():
        stages: dict[str, set[str]] = {}
        for name, when in view.starts[kind].items():
            stages.setdefault(jobs(ci)[name].get("stage", "test"), set()).add(when)
        if stages != expected:
            problems.append(f"{kind} pipeline runs {stages}, expected {expected}")
    return problems


def workflow_problems(ci: dict[str, Any]) -> list[str]:
    """Pipelines exist for merge requests, tags and the default branch only: a plain branch's
    merge request has its own. (gitlab-ci-local lists jobs whatever the workflow says, so the
    workflow rules are compared, not evaluated.)"""
    found = [rule.get("if") for rule in (ci.get("workflow") or {}).get("rules", [])]
    if found != WORKFLOW:
        return [f"workflow rules are {found}, expected {WORKFLOW}: other branches get pipelines"]
    return []


def pin_problems(ci: dict[str, Any]) -> list[str]:
    """Literal versions are copies of versions.env; images come from them."""
    pinned, problems = pins(), []
    blocks = {"variables": ci.get("variables", {})}
    blocks |= {
        f"{name}.variables": body.get("variables") or {}
        for name, body in ci.items()
        if name not in KEYWORDS and isinstance(body, dict)
    }
    for scope, block in blocks.items():
        for name, raw in block.items():
            value = str(raw["value"] if isinstance(raw, dict) else raw)
            if name in pinned and value != pinned[name]:
                problems.append(f"{scope}: {name}={value}, but versions.env pins {pinned[name]}")
            elif name not in pinned and re.search(r"_(IMAGE|VERSION)$", name) and "$" not in value:
                problems.append(f"{scope}: {name}={value} pins a version versions.env lacks")
    # An alias of a pin (E2E_IMAGE: $PYTHON_IMAGE) is as pinned as the pin.
    aliases = {
        name: {m[1] or m[2] for m in VARIABLE_REF.finditer(str(value))}
        for name, value in blocks["variables"].items()
    }
    allowed = set(pinned) | {name for name, refs in aliases.items() if refs and refs <= set(pinned)}
    for name, job in jobs(ci).items():
        images = [job.get("image")] + [
            s["name"] if isinstance(s, dict) else s for s in job.get("services", [])
        ]
        for entry in filter(None, images):
            image = entry["name"] if isinstance(entry, dict) else entry
            used = {m[1] or m[2] for m in VARIABLE_REF.finditer(image)}
            if not used & allowed:
                problems.append(f"job {name}: image {image} is not read from a pinned variable")
    return problems


TOX_CALL = re.compile(r"\btox\s+(?:run\s+)?-e\s+([\w,-]+)")


def tox_problems(ci: dict[str, Any], tox: configparser.ConfigParser) -> list[str]:
    """Jobs call tox envs that exist, and the variables a job sets reach the env it runs."""
    envs, problems = tox_envs(tox), []
    for name, job in jobs(ci).items():
        script = "\n".join(flatten(job.get("before_script")) + flatten(job.get("script")))
        called = {env for m in TOX_CALL.finditer(script) for env in m[1].split(",") if env}
        problems += [f"job {name} runs tox -e {env}, not in tox.ini" for env in called - envs]
        wanted = [
            variable
            for variable in variables_of(ci, job)
            if variable in DOCKER_CLIENT_VARIABLES or variable.startswith("KINDLAB_")
        ]
        for env in called & envs:
            passed = tox_setting(tox, env, "pass_env")
            problems += [
                f"job {name} sets {variable}, but tox -e {env} does not pass it through"
                for variable in wanted
                if not any(fnmatch.fnmatchcase(variable, pattern) for pattern in passed)
            ]
    return problems


def e2e_problems(ci: dict[str, Any], tox: configparser.ConfigParser) -> list[str]:
    """DinD, the pushed image, and the JUnit report and artifacts kept even when tests fail."""
    problems = []
    e2e_jobs = jobs_in_stage(ci, "e2e")
    commands = " ".join(tox_setting(tox, "e2e", "commands"))
    junit = re.search(r"--junitxml[= ](\S+)", commands)
    for name, job in e2e_jobs.items():
        variables = variables_of(ci, job)
        resolved = {k: expand(v, {**variables, **PREDEFINED}) for k, v in variables.items()}
        if resolved.get("KINDLAB_APP_IMAGE") != SHA_IMAGE:
            problems.append(
                f"job {name}: KINDLAB_APP_IMAGE={resolved.get('KINDLAB_APP_IMAGE')}, "
                "expected the image built for this commit ($CI_REGISTRY_IMAGE:$CI_COMMIT_SHA)"
            )
        services = [s if isinstance(s, dict) else {"name": s} for s in job.get("services", [])]
        dind = [s for s in services if expand(s["name"], variables).endswith("-dind")]
        host = re.match(r"tcp://([^:/]+)", resolved.get("DOCKER_HOST", ""))
        if not dind or not host or host[1] not in {s.get("alias") for s in dind}:
            problems.append(f"job {name}: DOCKER_HOST does not point at a dind service")
        artifacts = job.get("artifacts", {})
        if artifacts.get("when") != "always":
            problems.append(f"job {name}: artifacts are not kept when tests fail (when: always)")
        missing = {"e2e-artifacts/", "reports/"} - set(artifacts.get("paths", []))
        if missing:
            problems.append(f"job {name}: artifacts lack {sorted(missing)}")
        report = artifacts.get("reports", {}).get("junit")
        if not junit or report != junit[1]:
            problems.append(f"job {name}: JUnit report {report} is not what tox -e e2e writes")
    return problems


def cache_problems(ci: dict[str, Any]) -> list[str]:
    """Jobs that install Python packages keep pip's cache and their tox envs between runs."""
    problems = []
    for name, job in jobs(ci).items():
        if "tox " not in "\n".join(flatten(job.get("script"))):
            continue
        caches = job.get("cache") or []
        caches = [caches] if isinstance(caches, dict) else caches
        cached = {path for cache in caches for path in cache.get("paths", [])}
        pip_cache = expand(variables_of(ci, job).get("PIP_CACHE_DIR", ""), {"CI_PROJECT_DIR": "."})
        if pip_cache.removeprefix("./") not in cached:
            problems.append(f"job {name}: pip's cache ({pip_cache or 'unset'}) is not cached")
        if ".tox" not in cached:
            problems.append(f"job {name}: .tox is not cached")
    return problems


# --- running job scripts with fake tools -----------------------------------------------------

# A rollout timeout unlike the job's default, to see that the job waits for $ROLLOUT_TIMEOUT.
SHORT_TIMEOUT = "42s"
VERSION_LABEL = "app.kubernetes.io/version"
# Anything a job downloads goes here and fails: job scripts run offline in these checks.
NO_NETWORK = {"http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"}

FAKE_TOOL = """#!{python}
import json, os, sys
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps([os.path.basename(sys.argv[0]), os.getcwd(), *sys.argv[1:]]) + "\\n")
with open(os.environ["FAKE_LOG"] + ".env", "a") as log:
    kindlab = {{k: v for k, v in os.environ.items() if k.startswith("KINDLAB_")}}
    log.write(json.dumps([os.path.basename(sys.argv[0]), kindlab]) + "\\n")
if "rollout" in sys.argv and "status" in sys.argv:
    counter = os.environ["FAKE_LOG"] + ".rollouts"
    done = int(open(counter).read()) if os.path.exists(counter) else 0
    open(counter, "w").write(str(done + 1))
    sys.exit(1 if done < int(os.environ.get("FAKE_ROLLOUT_FAILURES", "0")) else 0)
"""


def install_fakes(directory: Path, names: tuple[str, ...]) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    fakes = {}
    for name in names:
        path = directory / name
        path.write_text(FAKE_TOOL.format(python=sys.executable))
        path.chmod(0o755)
        fakes[name] = path
    return fakes


def run_job_script(
    ci: dict[str, Any],
    job: dict[str, Any],
    workdir: Path,
    extra: dict[str, str],
    before_script: bool = False,
) -> tuple[int, list[list[str]], str]:
    """Run a job's `script` under sh -e, offline, with fake docker, kubectl and tox.

    `before_script` runs first only if asked: the build job's talks to a dind service. Jobs run
    as on an air-gapped runner (KINDLAB_AIRGAP=1, kubectl named by KINDLAB_KUBECTL, a KUBECONFIG
    file) unless `extra` says otherwise: it wins over the file's variables, as variables given
    to a pipeline run do in GitLab (KINDLAB_AIRGAP="" is an online runner).
    """
    bin_dir = workdir / "fake-bin"
    fakes = install_fakes(bin_dir, ("docker", "kubectl", "tox"))
    log = workdir / "calls.jsonl"
    kubeconfig = workdir / "kubeconfig"
    kubeconfig.write_text("apiVersion: v1\nkind: Config\n")
    predefined = {**PREDEFINED, "CI_PROJECT_DIR": str(workdir), **extra}
    variables = {**variables_of(ci, job), **extra}
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(workdir),
        "FAKE_LOG": str(log),
        "KINDLAB_AIRGAP": "1",
        "KINDLAB_KUBECTL": str(fakes["kubectl"]),
        "KUBECONFIG": str(kubeconfig),
        **NO_NETWORK,
        **predefined,
        **{k: expand(v, {**variables, **predefined}) for k, v in variables.items()},
        **extra,
    }
    steps = flatten(job.get("before_script")) if before_script else []
    result = subprocess.run(
        ["sh", "-e", "-c", "\n".join(steps + flatten(job.get("script")))],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return result.returncode, calls, result.stdout + result.stderr


def tool_environments(workdir: Path, tool: str) -> list[dict[str, str]]:
    """The KINDLAB_* variables each call of a fake tool saw (run_job_script's log)."""
    log = workdir / "calls.jsonl.env"
    lines = log.read_text().splitlines() if log.exists() else []
    return [env for name, env in map(json.loads, lines) if name == tool]


def option_values(args: list[str], *names: str) -> list[str]:
    """Values of an option, whether written `--opt value` or `--opt=value`."""
    values = []
    for i, arg in enumerate(args):
        for name in names:
            if arg == name and i + 1 < len(args):
                values.append(args[i + 1])
            elif arg.startswith(name + "="):
                values.append(arg.split("=", 1)[1])
    return values


def dockerfile_secret_id() -> str:
    return re.search(r"--mount=type=secret,id=(\w+)", DOCKERFILE.read_text())[1]


def build_problems(ci: dict[str, Any], workdir: Path) -> list[str]:
    """The build job builds once, tags and pushes the commit-SHA image, CA secret only if given."""
    problems = []
    (name, job), *others = jobs_in_stage(ci, "build").items()
    if others:
        problems.append(
            f"the image must be built by one job, not {[name] + [o for o, _ in others]}"
        )
    secret = f"id={dockerfile_secret_id()},src="
    for bundle in ("", "/builds/team/kindlab.tmp/CA_BUNDLE"):
        where = workdir / ("with-ca" if bundle else "without-ca")
        where.mkdir()
        code, calls, output = run_job_script(ci, job, where, {"CA_BUNDLE": bundle})
        if code != 0:
            problems.append(f"job {name} failed with fake docker: {output}")
            continue
        docker = [c[2:] for c in calls if c[0] == "docker"]
        builds = [a for a in docker if a[:1] == ["build"] or a[:2] == ["buildx", "build"]]
        pushes = [a[1] for a in docker if a[:1] == ["push"]]
        tags = [t for a in builds for t in option_values(a, "--tag", "-t")]
        if len(builds) != 1 or tags != [SHA_IMAGE]:
            problems.append(f"job {name}: builds {len(builds)}x tagged {tags}, not [{SHA_IMAGE}]")
        if pushes != [SHA_IMAGE]:
            problems.append(f"job {name}: pushes {pushes}, not [{SHA_IMAGE}]")
        secrets = [s for a in builds for s in option_values(a, "--secret")]
        wanted = [secret + bundle] if bundle else []
        if secrets != wanted:
            problems.append(
                f"job {name} with CA_BUNDLE={bundle!r}: secrets {secrets}, not {wanted}"
            )
        base = [v for a in builds for v in option_values(a, "--build-arg") if "BASE_IMAGE=" in v]
        if base != [f"BASE_IMAGE={pins()['PYTHON_IMAGE']}"]:
            problems.append(f"job {name}: base image {base}, not versions.env's PYTHON_IMAGE")
    return problems


# Tool -> (project, the variable naming its image, the variable the lint tier reads).
LINT_TOOLS = {
    "promtool": ("prometheus", "PROMETHEUS_IMAGE", "KINDLAB_PROMTOOL"),
    "prometheus": ("prometheus", "PROMETHEUS_IMAGE", "KINDLAB_PROMETHEUS"),
    "amtool": ("alertmanager", "ALERTMANAGER_IMAGE", "KINDLAB_AMTOOL"),
    "traefik": ("traefik", "TRAEFIK_IMAGE", "KINDLAB_TRAEFIK"),
}


@dataclass(frozen=True)
class ReleaseLayout:
    """How a project publishes a release: tarball name, checksums file, where under the
    releases URL, and whether the tarball holds one top directory (Prometheus's) or bare files."""

    name: str
    sums: str
    where: str
    top_dir: bool


def release_layout(project: str, version: str) -> ReleaseLayout:
    if project == "traefik":  # goreleaser's names, at $TRAEFIK_RELEASES/<version>/
        name = f"traefik_{version}_linux_amd64"
        return ReleaseLayout(name, f"traefik_{version}_checksums.txt", f"traefik/{version}", False)
    name = f"{project}-{version.lstrip('v')}.linux-amd64"
    return ReleaseLayout(name, "sha256sums.txt", f"{project}/releases/download/{version}", True)


def publish_fake_releases(root: Path, tamper: str | None = None) -> None:
    """Release tarballs laid out as GitHub serves them, with their checksums files.

    Each binary prints which release it is from. The project `tamper` names gets its tarball
    replaced after its checksums were published, as a substituted download would be.
    """
    for project in {project for project, _image, _variable in LINT_TOOLS.values()}:
        layout = release_layout(project, pins()[f"{project.upper()}_IMAGE"].rsplit(":", 1)[1])
        unpacked = root / "unpacked" / layout.name
        published = root / layout.where
        unpacked.mkdir(parents=True)
        published.mkdir(parents=True)
        for tool, (owner, _image, _variable) in LINT_TOOLS.items():
            if owner == project:
                (unpacked / tool).write_text(f"#!/bin/sh\necho '{tool} of {layout.name}'\n")
                (unpacked / tool).chmod(0o755)
        tarball = published / f"{layout.name}.tar.gz"
        files = sorted(tool.name for tool in unpacked.iterdir())
        contents = (
            ["-C", unpacked.parent, layout.name] if layout.top_dir else ["-C", unpacked, *files]
        )

        def pack(tarball: Path = tarball, contents: list = contents) -> None:
            subprocess.run(["tar", "-czf", tarball, *contents], check=True)

        pack()
        digest = subprocess.run(
            ["sha256sum", tarball.name], cwd=published, capture_output=True, text=True, check=True
        ).stdout
        (published / layout.sums).write_text(f"{'0' * 64}  {layout.name}.zip\n{digest}")
        if tamper == project:
            for tool in unpacked.iterdir():
                tool.write_text("#!/bin/sh\necho substituted\n")
            pack()


def lint_problems(ci: dict[str, Any], workdir: Path) -> list[str]:
    """Lint gets the pinned promtool, prometheus, amtool, traefik and kubectl without building
    them, and Go (a fake, as if cached) before tox for kube-score, which it builds.

    Online: the release tarballs, checked against their published SHA-256 (a tampered one fails
    the job before tox runs), handed to the lint tier by the variables tests/lint/tools.py
    reads. Air-gapped (KINDLAB_AIRGAP=1): no download at all; the lint tier takes the builds in
    the runner's kindlab cache.
    """
    problems = []
    (name, job), *_others = jobs_in_stage(ci, "lint").items()
    variables = variables_of(ci, job)
    projects = sorted({project for project, _image, _variable in LINT_TOOLS.values()})
    for case in ("online", *(f"tampered {p}" for p in projects), "air-gapped"):
        where = workdir / case.replace(" ", "-")
        releases = where / "releases"
        if case != "air-gapped":
            tampered = case.split(" ", 1)[1] if case.startswith("tampered") else None
            publish_fake_releases(releases, tamper=tampered)
        kubectl = where / ".cache/kindlab/bin" / f"kubectl-{variables['KUBERNETES_VERSION']}"
        install_fakes(kubectl.parent, ("kubectl",))["kubectl"].rename(kubectl)
        install_fakes(where / ".cache/go" / f"go{variables['GO_VERSION']}" / "bin", ("go",))
        extra = {
            "PROMETHEUS_RELEASES": releases.as_uri(),
            "TRAEFIK_RELEASES": (releases / "traefik").as_uri(),
            "KINDLAB_AIRGAP": "1" if case == "air-gapped" else "",
        }
        code, calls, output = run_job_script(ci, job, where, extra)
        tox = tool_environments(where, "tox")
        if case.startswith("tampered"):
            if code == 0 or tox:
                problems.append(f"job {name} accepts a {case} release (exit {code}): {output}")
            continue
        if code != 0 or len(tox) != 1:
            problems.append(f"job {name} {case}: exit {code}, tox ran {len(tox)}x: {output}")
            continue
        tools = [tool for tool, *_ in calls]
        if "go" not in tools[: tools.index("tox")]:
            problems.append(
                f"job {name} {case}: runs tox -e lint without Go, which builds kube-score"
            )
        for tool, (project, image, variable) in LINT_TOOLS.items():
            chosen = tox[0].get(variable)
            if case == "air-gapped":
                if chosen is not None:
                    problems.append(f"job {name} air-gapped: {variable}={chosen}, not the cache")
                continue
            release = release_layout(project, variables[image].rsplit(":", 1)[1]).name
            ran = subprocess.run([chosen or "false"], capture_output=True, text=True, check=False)
            if ran.stdout.strip() != f"{tool} of {release}":
                problems.append(f"job {name}: tox -e lint runs without {variable} from {release}")
    return problems


def deploy_problems(ci: dict[str, Any], workdir: Path) -> list[str]:
    """Deploy ships the production overlay with this commit's image and the tag as version,
    needs nothing but kubectl (no download), and undoes a rollout that does not complete."""
    problems = []
    for name, job in jobs_in_stage(ci, "deploy").items():
        if not job.get("environment"):
            problems.append(f"job {name}: no environment (GitLab would not track deployments)")
        for failures in (0, 1):
            where = copy_inputs(workdir / f"{name}-{failures}")
            extra = {
                "CI_COMMIT_TAG": RELEASE_TAG,
                "FAKE_ROLLOUT_FAILURES": str(failures),
                "ROLLOUT_TIMEOUT": SHORT_TIMEOUT,
            }
            code, calls, output = run_job_script(ci, job, where, extra, before_script=True)
            kubectl = [c[2:] for c in calls if c[0] == "kubectl"]
            applied = [a[a.index("-k") + 1] for a in kubectl if "apply" in a and "-k" in a]
            if len(applied) != 1:
                problems.append(f"job {name}: applies {applied}, not one kustomization: {output}")
                continue
            try:
                released = render(applied[0], where)
            except RenderError as exc:
                problems.append(f"job {name}: the release it applies does not render: {exc}")
                continue
            problems += release_problems(name, released, render("k8s/overlays/production", where))
            statuses = [a for a in kubectl if "rollout" in a and "status" in a]
            timeouts = {t for a in statuses for t in option_values(a, "--timeout")}
            if not statuses or timeouts != {SHORT_TIMEOUT}:
                problems.append(
                    f"job {name}: waits for the rollout with --timeout {sorted(timeouts)}, "
                    f"not $ROLLOUT_TIMEOUT ({SHORT_TIMEOUT} here)"
                )
            meta = deployment_of(released)["metadata"]
            namespace, target = meta["namespace"], f"deployment/{meta['name']}"
            for call in (a for a in kubectl if "rollout" in a):
                if option_values(call, "-n", "--namespace") != [namespace] or target not in call:
                    problems.append(
                        f"job {name}: {' '.join(call)} is not about {namespace}/{target}"
                    )
            undone = any("rollout" in a and "undo" in a for a in kubectl)
            if failures and (code == 0 or not undone):
                problems.append(
                    f"job {name}: a failed rollout gives exit {code}, undo called: {undone}"
                )
            if not failures and (code != 0 or undone):
                problems.append(f"job {name}: a good rollout gives exit {code}: {output}")
    return problems


def deployment_of(objects: list[dict[str, Any]]) -> dict[str, Any]:
    (deployment,) = by_kind(objects, "Deployment")
    return deployment


def release_problems(
    job: str, released: list[dict[str, Any]], production: list[dict[str, Any]]
) -> list[str]:
    """The release a job applied is the production overlay, changed only in the app's image
    (this commit's) and version label (the tag)."""
    deployment = deployment_of(released)
    template = deployment["spec"]["template"]
    problems = []
    (image,) = {c["image"] for c in template["spec"]["containers"] if c["name"] == "app"}
    if image != SHA_IMAGE:
        problems.append(f"job {job}: ships image {image}, not {SHA_IMAGE}")
    version = template["metadata"]["labels"].get(VERSION_LABEL)
    if version != RELEASE_TAG:
        problems.append(f"job {job}: version label {version}, not the tag {RELEASE_TAG}")
    expected = copy.deepcopy(production)
    shipped = deployment_of(expected)["spec"]["template"]
    shipped["metadata"]["labels"][VERSION_LABEL] = version
    for container in shipped["spec"]["containers"]:
        if container["name"] == "app":
            container["image"] = image
    if released != expected:
        problems.append(f"job {job}: applies more than the production overlay's release change")
    return problems


# --- README.md, tox.ini and .ci/run agree ----------------------------------------------------


def readme_problems(readme: str, tox: configparser.ConfigParser) -> list[str]:
    """Each tox env in README.md exists and each env in tox.ini is documented."""
    documented = {env for m in TOX_CALL.finditer(readme) for env in m[1].split(",") if env}
    envs, labels = tox_envs(tox), tox_labels(tox)
    problems = [f"README.md names tox -e {e}, which tox.ini lacks" for e in documented - envs]
    problems += [
        f"tox.ini has {e}, which README.md never shows (tox -e {e})" for e in envs - documented
    ]
    for label in re.findall(r"\btox\s+-m\s+([\w-]+)", readme):
        if label not in labels:
            problems.append(f"README.md runs tox -m {label}, a label tox.ini lacks")
    if not re.search(r"\btox\s+-m\s+ci\b", readme):
        problems.append("README.md does not give tox -m ci as the test command")
    return problems


PIPELINE_TIER = "gitlab"


def pipeline_tox_envs(ci: dict[str, Any]) -> set[str]:
    """The tox envs the jobs of a merge-request pipeline run."""
    planned = gitlab_view(ci).starts["merge-request"]
    return {
        env
        for name, job in jobs(ci).items()
        if name in planned
        for m in TOX_CALL.finditer("\n".join(flatten(job.get("script"))))
        for env in m[1].split(",")
        if env
    }


def ci_label_problems(tox: configparser.ConfigParser, ci: dict[str, Any]) -> list[str]:
    """`tox -m ci` is the whole suite: every env that runs pytest is in it, or runs in a job of
    the merge-request pipeline, which the gitlab tier (then in it) runs; nothing unknown."""
    envs, suite = tox_envs(tox), tox_labels(tox).get("ci")
    if suite is None:
        return ["tox.ini has no `ci` label"]
    problems = [f"label ci names {e}, which tox.ini lacks" for e in set(suite) - envs]
    in_pipeline = pipeline_tox_envs(ci) if PIPELINE_TIER in suite else set()
    for env in sorted(envs - set(suite) - in_pipeline):
        if any(re.search(r"\bpytest\b", c) for c in tox_setting(tox, env, "commands")):
            problems.append(f"tox -e {env} runs tests but is not in the ci label")
    return problems


def ci_run_problems(script: str) -> list[str]:
    """.ci/run runs the README's test command and no tier of its own choosing."""
    lines = [
        line for line in script.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]
    body = "\n".join(lines)
    problems = []
    if not re.search(r"\btox\s+-m\s+ci\b", body):
        problems.append(".ci/run does not call tox -m ci")
    problems += [f".ci/run also runs tox -e {m[1]}" for m in TOX_CALL.finditer(body)]
    problems += [
        f".ci/run also runs tox -m {label}"
        for label in re.findall(r"\btox\s+-m\s+([\w-]+)", body)
        if label != "ci"
    ]
    if re.search(r"(^|[;&|]\s*|\bexec\s+)(python3?\s+-m\s+)?pytest\b", body, re.MULTILINE):
        problems.append(".ci/run calls pytest directly")
    return problems


# --- tests -----------------------------------------------------------------------------------


def test_pipeline_matches_gitlab_ci_schema():
    code, output = schema_check(PIPELINE)
    assert code == 0, output


@pytest.mark.parametrize(
    "breakage, message",
    [
        (lambda ci: ci["deploy"]["rules"][0].update(when="manul"), "deploy.rules"),
        (lambda ci: ci["e2e"]["artifacts"].update(when="allways"), "e2e.artifacts.when"),
        (lambda ci: ci.update(varibles=ci.pop("variables")), "varibles"),
    ],
    ids=["unknown when", "unknown artifacts when", "misspelt keyword"],
)
def test_schema_check_rejects_a_broken_copy(tmp_path, breakage, message):
    ci = load_pipeline()
    breakage(ci)
    broken = tmp_path / ".gitlab-ci.yml"
    broken.write_text(yaml.safe_dump(ci, sort_keys=False))
    code, output = schema_check(broken)
    assert code != 0 and message in output, output


Check = Callable[[dict[str, Any]], list[str]]


def rejection_reported(check: Check) -> Check:
    """A file gitlab-ci-local refuses is a problem of the check, as GitLab would refuse it."""

    @functools.wraps(check)
    def checked(ci: dict[str, Any]) -> list[str]:
        try:
            return check(ci)
        except PipelineRejected as exc:
            return [f"GitLab rejects the file: {exc}"]

    return checked


STATIC_CHECKS: dict[str, Check] = {
    "stages": stage_problems,
    "rules": rule_problems,
    "workflow": workflow_problems,
    "pins": pin_problems,
    "tox": lambda ci: tox_problems(ci, tox_config()),
    "e2e": lambda ci: e2e_problems(ci, tox_config()),
    "caches": cache_problems,
}


STATIC_CHECKS = {name: rejection_reported(check) for name, check in STATIC_CHECKS.items()}


@pytest.mark.parametrize("check", STATIC_CHECKS)
def test_pipeline_structure(check):
    assert STATIC_CHECKS[check](load_pipeline()) == []


BREAKAGES = {
    "stage without a job": (
        "stages",
        lambda ci: ci["stages"].insert(3, "scan"),
        "stage scan has no job",
    ),
    "job in an undeclared stage": (
        "stages",
        lambda ci: ci["unit"].update(stage="tests"),
        "stage:tests not found for unit",
    ),
    "e2e also on the default branch": (
        "rules",
        lambda ci: ci["e2e"]["rules"].append({"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"}),
        "default-branch pipeline runs",
    ),
    "e2e without rules runs everywhere": (
        "rules",
        lambda ci: ci["e2e"].pop("rules"),
        "tag pipeline runs",
    ),
    "deploy starts by itself": (
        "rules",
        lambda ci: ci["deploy"]["rules"][0].pop("when"),
        "'deploy': {'on_success'}",
    ),
    "deploy on every branch": (
        "rules",
        lambda ci: ci["deploy"].update(rules=[{"when": "manual"}]),
        "merge-request pipeline runs",
    ),
    "no workflow: branch pipelines duplicate MR ones": (
        "workflow",
        lambda ci: ci.pop("workflow"),
        "other branches get pipelines",
    ),
    "pin drifted from versions.env": (
        "pins",
        lambda ci: ci["variables"].update(PYTHON_IMAGE="docker.io/library/python:3.12-slim"),
        "but versions.env pins",
    ),
    "unknown pin": (
        "pins",
        lambda ci: ci["variables"].update(HELM_VERSION="v3.19.0"),
        "HELM_VERSION=v3.19.0 pins a version versions.env lacks",
    ),
    "hard-coded job image": (
        "pins",
        lambda ci: ci["unit"].update(image="python:3.12"),
        "image python:3.12 is not read from a pinned variable",
    ),
    "tox env that does not exist": (
        "tox",
        lambda ci: ci["unit"].update(script=["tox -e units"]),
        "runs tox -e units",
    ),
    "variable tox would drop": (
        "tox",
        lambda ci: ci["e2e"].setdefault("variables", {}).update(DOCKER_CONTEXT="remote"),
        "sets DOCKER_CONTEXT, but tox -e e2e does not pass it through",
    ),
    "e2e builds instead of testing the pushed image": (
        "e2e",
        lambda ci: ci["e2e"]["variables"].update(KINDLAB_APP_IMAGE="$CI_REGISTRY_IMAGE:latest"),
        "KINDLAB_APP_IMAGE=registry.example.test/team/kindlab:latest",
    ),
    "no dind service": ("e2e", lambda ci: ci[".dind"].pop("services"), "dind service"),
    "artifacts only on success": (
        "e2e",
        lambda ci: ci["e2e"]["artifacts"].pop("when"),
        "when: always",
    ),
    "diagnostics not uploaded": (
        "e2e",
        lambda ci: ci["e2e"]["artifacts"]["paths"].remove("e2e-artifacts/"),
        "artifacts lack ['e2e-artifacts/']",
    ),
    "wrong JUnit path": (
        "e2e",
        lambda ci: ci["e2e"]["artifacts"]["reports"].update(junit="junit.xml"),
        "JUnit report junit.xml",
    ),
    "tox envs not cached": (
        "caches",
        lambda ci: ci[".python"].update(cache=[{"key": "pip", "paths": [".cache/pip"]}]),
        ".tox is not cached",
    ),
}


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_each_structure_check_rejects_a_broken_copy(breakage):
    check, change, message = BREAKAGES[breakage]
    ci = load_pipeline()
    assert STATIC_CHECKS[check](ci) == []
    change(ci)
    problems = STATIC_CHECKS[check](ci)
    assert any(message in p for p in problems), problems


def test_build_job_pushes_the_commit_sha_image_and_passes_the_ca_only_if_given(tmp_path):
    assert build_problems(load_pipeline(), tmp_path) == []


def _replace_in_script(ci, job, old, new):
    script = flatten(ci[job]["script"])
    assert any(old in line for line in script), f"{old!r} not in {job}'s script"
    ci[job]["script"] = [line.replace(old, new) for line in script]


def assert_check_rejects(check, job, old, new, message, workdir):
    """The job's check, run on a copy of the pipeline with `old` replaced in its script, names
    the breakage with `message`."""
    ci = load_pipeline()
    _replace_in_script(ci, job, old, new)
    problems = check(ci, workdir)
    assert any(message in p for p in problems), problems


@pytest.mark.parametrize(
    "replacements, message",
    [
        ([('docker push "$APP_IMAGE"', 'docker push "$CI_REGISTRY_IMAGE:latest"')], "pushes ["),
        ([('--tag "$APP_IMAGE"', '--tag "$CI_REGISTRY_IMAGE:$CI_COMMIT_REF_SLUG"')], "tagged"),
        # The guard dropped, the `set -- --secret ...` it wrapped kept.
        ([('if [ -n "${CA_BUNDLE:-}" ]; then ', ""), ("; fi\n", "\n")], "with CA_BUNDLE=''"),
        ([("BASE_IMAGE=$PYTHON_IMAGE", "BASE_IMAGE=python:3.12-slim")], "base image"),
    ],
    ids=["push latest", "tag by branch", "secret always", "unpinned base"],
)
def test_build_check_rejects_a_broken_copy(tmp_path, replacements, message):
    ci = load_pipeline()
    for old, new in replacements:
        _replace_in_script(ci, "build", old, new)
    problems = build_problems(ci, tmp_path)
    assert any(message in p for p in problems), problems


def test_lint_job_gets_the_pinned_prometheus_tools_traefik_and_go(tmp_path):
    assert lint_problems(load_pipeline(), tmp_path) == []


def test_lint_check_fails_for_the_job_without_its_go_step(tmp_path):
    """The job as it was: on a new runner every kube-score check failed (no Go, no cached build)."""
    ci = load_pipeline()
    lines = flatten(ci["lint"]["script"])
    ci["lint"]["script"] = [line for line in lines if "go_root=" not in line]
    assert len(ci["lint"]["script"]) == len(lines) - 1
    problems = lint_problems(ci, tmp_path)
    assert any("without Go, which builds kube-score" in p for p in problems), problems


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("| sha256sum -c -", "| cat", "accepts a tampered prometheus release"),
        ("export KINDLAB_AMTOOL=", "KINDLAB_AMTOOL=", "without KINDLAB_AMTOOL"),
        ('"${PROMETHEUS_IMAGE##*:}"', "v2.53.0", "exit 1"),
        ('if [ "${KINDLAB_AIRGAP:-}" = 1 ]; then', "if false; then", "air-gapped: exit"),
        (
            'grep " $name.tar.gz\\$" "$sums" | sha256sum -c -',
            "true",
            "accepts a tampered traefik release",
        ),
        ("export KINDLAB_TRAEFIK=", "KINDLAB_TRAEFIK=", "without KINDLAB_TRAEFIK"),
    ],
    ids=[
        "no checksum",
        "amtool not exported",
        "other release",
        "downloads air-gapped",
        "traefik unchecked",
        "traefik not exported",
    ],
)
def test_lint_check_rejects_a_broken_copy(tmp_path, old, new, message):
    assert_check_rejects(lint_problems, "lint", old, new, message, tmp_path)


def test_deploy_job_ships_the_commit_sha_image_and_rolls_back_a_failed_rollout(tmp_path):
    assert deploy_problems(load_pipeline(), tmp_path) == []


KUSTOMIZE_DOWNLOAD = (
    "python3 -c 'import sys, urllib.request as u; u.urlretrieve(*sys.argv[1:])' "
    "https://github.com/kubernetes-sigs/kustomize/releases/download/kustomize%2Fv5.7.1/"
    "kustomize_v5.7.1_linux_amd64.tar.gz kustomize.tar.gz"
)


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("rollout undo", "rollout history", "a failed rollout gives exit"),
        ("  exit 1\n", "", "a failed rollout gives exit 0"),
        ('--timeout="$ROLLOUT_TIMEOUT"; then', "; then", "--timeout []"),
        ('--timeout="$ROLLOUT_TIMEOUT"; then', "--timeout=10m; then", "not $ROLLOUT_TIMEOUT"),
        ('image: "$APP_IMAGE"', 'image: "$CI_REGISTRY_IMAGE:latest"', "ships image"),
        ('version: "$CI_COMMIT_TAG"', 'version: "$CI_COMMIT_SHORT_SHA"', "version label"),
        ("- ../k8s/overlays/production", "- ../k8s/overlays/kind", "more than the production"),
        ("- ../k8s/overlays/production", "- ../k8s/overlays/prod", "does not render"),
        ("deployment/$DEPLOYMENT", "deployment/kindlab", "is not about"),
    ],
    ids=[
        "no undo",
        "failure swallowed",
        "no timeout",
        "fixed timeout",
        "latest image",
        "version not the tag",
        "wrong overlay",
        "no such overlay",
        "waits on another Deployment",
    ],
)
def test_deploy_check_rejects_a_broken_copy(tmp_path, old, new, message):
    assert_check_rejects(deploy_problems, "deploy", old, new, message, tmp_path)


def test_deploy_check_rejects_a_job_that_downloads_a_tool(tmp_path):
    """The job used to download kustomize from GitHub: kubectl has it built in."""
    ci = load_pipeline()
    ci["deploy"]["before_script"] = [*flatten(ci["deploy"]["before_script"]), KUSTOMIZE_DOWNLOAD]
    problems = deploy_problems(ci, tmp_path)
    assert any("applies [], not one kustomization" in p for p in problems), problems


def documentation() -> str:
    """README.md and the docs/ pages it links for the internals (the tiers in detail)."""
    pages = [README, *sorted((REPO_ROOT / "docs").glob("*.md"))]
    return "\n".join(page.read_text() for page in pages)


def test_readme_documents_exactly_the_tox_envs():
    assert readme_problems(documentation(), tox_config()) == []


def test_readme_check_rejects_broken_copies():
    readme, tox = README.read_text(), tox_config()
    assert any("tox -e smok" in p for p in readme_problems(readme + "\n`tox -e smok`\n", tox))
    undocumented = TOX_INI.read_text() + "\n[testenv:docs]\ncommands = sphinx-build docs out\n"
    assert any("has docs" in p for p in readme_problems(readme, tox_config(undocumented)))
    without_ci = re.sub(r"\btox -m ci\b", "tox -e lint", readme)
    assert "README.md does not give tox -m ci as the test command" in readme_problems(
        without_ci, tox
    )


def test_ci_label_is_the_whole_test_suite():
    """The e2e suite is in it through the gitlab tier: the merge-request pipeline's e2e job."""
    assert ci_label_problems(tox_config(), load_pipeline()) == []
    assert "e2e" in pipeline_tox_envs(load_pipeline())


def test_ci_label_check_rejects_a_broken_copy():
    text, ci = TOX_INI.read_text(), load_pipeline()
    dropped = re.sub(r"(ci\s*=.*?), labs", r"\1", text)
    assert dropped != text
    assert "tox -e labs runs tests but is not in the ci label" in ci_label_problems(
        tox_config(dropped), ci
    )
    # Without the gitlab tier, nothing in CI runs the pipeline, and so nothing runs e2e.
    no_pipeline = re.sub(r"(ci\s*=.*?), gitlab", r"\1", text)
    assert no_pipeline != text
    problems = ci_label_problems(tox_config(no_pipeline), ci)
    assert "tox -e e2e runs tests but is not in the ci label" in problems
    # Nor when the pipeline's e2e job stops running the e2e tier.
    ci["e2e"]["script"] = [
        line.replace("tox -e e2e", "true") for line in flatten(ci["e2e"]["script"])
    ]
    problems = ci_label_problems(tox_config(text), ci)
    assert "tox -e e2e runs tests but is not in the ci label" in problems
    unknown = re.sub(r"(ci\s*=.*)", r"\1, integration", text, count=1)
    assert "label ci names integration, which tox.ini lacks" in ci_label_problems(
        tox_config(unknown), ci
    )


def test_ci_run_calls_the_readme_test_command():
    assert CI_RUN.is_file(), ".ci/run is missing"
    assert os.access(CI_RUN, os.X_OK), ".ci/run is not executable"
    assert ci_run_problems(CI_RUN.read_text()) == []


@pytest.mark.parametrize(
    "script, message",
    [
        ("#!/bin/sh\n# tox -m ci\ntox -e lint,unit\n", "does not call tox -m ci"),
        ("#!/bin/sh\ntox -m ci\ntox -e bench\n", "also runs tox -e bench"),
        ("#!/bin/sh\ntox -m ci\npython -m pytest e2e\n", "calls pytest directly"),
    ],
    ids=["other envs", "extra env", "bare pytest"],
)
def test_ci_run_check_rejects_broken_scripts(script, message):
    assert ci_run_problems('#!/bin/sh\nexec tox -m ci "$@"\n') == []
    assert any(message in p for p in ci_run_problems(script))


def cached_paths(ci: dict[str, Any]) -> set[str]:
    """Every path a job (or a template it extends) caches inside the checkout."""
    entries = [e for job in ci.values() if isinstance(job, dict) for e in _cache_entries(job)]
    return {path for entry in entries for path in entry.get("paths", [])}


def _cache_entries(job: dict[str, Any]) -> list[dict[str, Any]]:
    cache = job.get("cache") or []
    return cache if isinstance(cache, list) else [cache]


def yamllint_misses(ignored: str, cached: set[str]) -> list[str]:
    """Cached paths that yamllint (run by the lint job at the checkout's root) would read."""
    prefixes = [line.strip().rstrip("/") + "/" for line in ignored.splitlines() if line.strip()]
    return sorted(p for p in cached if not (p.rstrip("/") + "/").startswith(tuple(prefixes)))


def test_yamllint_ignores_what_the_jobs_cache_in_the_checkout():
    """The jobs' caches sit in the checkout, Go's toolchain among them, whose YAML is not ours:
    the lint job's yamllint failed on it once the job fetched Go (a run of 2026-12-07)."""
    ignored = yaml.safe_load((REPO_ROOT / ".yamllint.yaml").read_text())["ignore"]
    assert cached_paths(load_pipeline()) >= {".cache/go", ".tox"}
    assert yamllint_misses(ignored, cached_paths(load_pipeline())) == []


def test_yamllint_check_names_a_cached_path_it_would_read():
    assert yamllint_misses(".tox/\n", {".tox", ".cache/go"}) == [".cache/go"]

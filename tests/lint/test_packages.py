"""The e2e job's image gets every Debian package a host gets for the e2e suite: one list.

versions/packages.txt declares by purpose what a machine needs (kindlab.packages). The host
(.ci/run), the pipeline's e2e job (its before_script, read from the checkout at job time) and
the stand-in images of `tox -e pipeline` must all install from it. The e2e job is checked by
running its before_script and script offline with fake apt-get, pip, docker and tox, as the
other job checks in test_pipeline.py do: what it would install is observed, not grepped. A job
that installs its own list (the one that lacked libatomic1, so that every browser check errored
in the pipeline while the host passed) fails the check, as do a .ci/run and a stand-in recipe
with lists of their own.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest

from kindlab import packages
from kindlab.build.airgap import cluster_images
from kindlab.core.paths import REPO_ROOT
from kindlab.pipeline import standins

from .test_pipeline import (
    CI_RUN,
    flatten,
    install_fakes,
    jobs,
    load_pipeline,
    run_job_script,
    variables_of,
)

E2E_JOB = "e2e"
TOX_LOCK = REPO_ROOT / "versions" / "locks" / "tox.txt"
HOST_PURPOSES = ("host", "e2e")
IMAGES_DIR = cluster_images.IMAGES_DIR
# `python -m pip ...` is recorded and succeeds (offline); anything else runs the real Python,
# so the job's `python -m kindlab.packages` reads the real file. Its `--missing` answers as in
# the upstream Python image, which has none of the e2e packages (this machine has them all).
FAKE_PYTHON = """#!{python}
import json, os, sys
if sys.argv[1:3] == ["-m", "pip"]:
    with open(os.environ["FAKE_LOG"], "a") as log:
        log.write(json.dumps(["pip", os.getcwd(), *sys.argv[3:]]) + "\\n")
    sys.exit(0)
args = [a for a in sys.argv[1:] if a != "--missing"]
os.execv(sys.executable, [sys.executable, *args])
"""
APT_INSTALL = re.compile(r"apt-get\s+install\b(?P<args>[^&;|\n]*)")


def apt_installs(calls: list[list[str]]) -> set[str]:
    """Package names the fake apt-get was asked to install."""
    return {
        arg
        for tool, _cwd, *args in calls
        if tool == "apt-get" and "install" in args
        for arg in args[args.index("install") + 1 :]
        if not arg.startswith("-")
    }


def run_e2e_job(ci: dict[str, Any], workdir: Path) -> tuple[list[list[str]], list[str]]:
    """The e2e job's calls of fake tools, offline; a Go toolchain sits in the project cache
    (a fake `go`), as after an earlier job fetched it, so the job's fetch step downloads nothing."""
    install_fakes(workdir / "fake-bin", ("apt-get",))
    lock = workdir / TOX_LOCK.relative_to(REPO_ROOT)  # the job runs in the checkout
    lock.parent.mkdir(parents=True)
    lock.write_text(TOX_LOCK.read_text())
    python = workdir / "fake-bin" / "python"
    python.write_text(FAKE_PYTHON.format(python=sys.executable))
    python.chmod(0o755)
    job = jobs(ci)[E2E_JOB]
    go_version = variables_of(ci, job)["GO_VERSION"]
    install_fakes(workdir / ".cache" / "go" / f"go{go_version}" / "bin", ("go",))
    code, calls, output = run_job_script(ci, job, workdir, {}, before_script=True)
    if code != 0:
        return calls, [f"job {E2E_JOB} failed before its tests (exit {code}):\n{output[-1500:]}"]
    return calls, []


def job_go_problems(ci: dict[str, Any], workdir: Path) -> list[str]:
    """Go is on the e2e job's PATH before the suite starts: its load generator is built with it."""
    calls, problems = run_e2e_job(ci, workdir)
    if problems:
        return problems
    tools = [tool for tool, *_ in calls]
    before_suite = tools[: tools.index("tox")] if "tox" in tools else tools
    if "go" not in before_suite:
        return [
            f"job {E2E_JOB} runs the suite without Go: its traffic builds vegeta from its Go "
            "module (kindlab/load/vegeta.py) and the job image has none"
        ]
    return []


def job_package_problems(ci: dict[str, Any], workdir: Path) -> list[str]:
    """The e2e job's image lacks no package the e2e purpose lists (what the host installs)."""
    calls, problems = run_e2e_job(ci, workdir)
    if problems:
        return problems
    installed = apt_installs(calls)
    return [
        f"job {E2E_JOB}'s image lacks {name}, which versions/packages.txt lists for the e2e "
        "suite and .ci/run installs on the host"
        for name in packages.names(["e2e"])
        if name not in installed
    ]


def ci_run_package_problems(script: str) -> list[str]:
    """.ci/run installs the host and e2e purposes from the file, and no list of its own."""
    code = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("#"))
    asked = {p for m in re.finditer(r"kindlab\.packages\b([^)\n]*)", code) for p in m[1].split()}
    problems = [
        f".ci/run does not install the {purpose} packages (python3 -m kindlab.packages ...)"
        for purpose in HOST_PURPOSES
        if purpose not in asked
    ]
    for match in APT_INSTALL.finditer(code):
        own = [a for a in match["args"].split() if not a.startswith(("-", "$", '"$'))]
        if own:
            problems.append(f".ci/run installs {' '.join(own)} from a list of its own")
    return problems


def recipe_package_problems(recipe: str, dockerfile: str) -> list[str]:
    """A stand-in recipe installs exactly the PACKAGES it is given, which the file declares."""
    problems = []
    installs = [m["args"] for m in APT_INSTALL.finditer(dockerfile.replace("\\\n", " "))]
    if not installs:
        problems.append(f"images/{recipe}: installs nothing with apt-get")
    for args in installs:
        named = [a for a in args.split() if not a.startswith("-")]
        if named != ["${PACKAGES}"]:
            problems.append(f"images/{recipe}: installs {' '.join(named)}, not ${{PACKAGES}}")
    try:
        packages.names([recipe])
    except packages.PackagesFileError as exc:
        problems.append(str(exc))
    return problems


STAND_INS = standins.stand_ins()


def test_e2e_job_installs_what_the_host_installs_for_the_e2e_suite(tmp_path):
    assert job_package_problems(load_pipeline(), tmp_path) == []


def test_package_check_fails_when_the_job_image_lacks_a_library_the_host_list_has(tmp_path):
    """The job as it was: its own list, without libatomic1 (Playwright's driver links it)."""
    ci = load_pipeline()
    own_list = [
        "apt-get install -y -qq --no-install-recommends docker.io chromium fonts-liberation"
        if "apt-get install" in line
        else line
        for line in flatten(ci[E2E_JOB]["before_script"])
    ]
    ci[E2E_JOB]["before_script"] = own_list
    problems = job_package_problems(ci, tmp_path)
    assert any(p.startswith("job e2e's image lacks libatomic1") for p in problems), problems
    assert not any("chromium" in p for p in problems), problems


def test_e2e_job_fetches_go_before_the_suite(tmp_path):
    assert job_go_problems(load_pipeline(), tmp_path) == []


def test_go_check_fails_for_the_job_without_its_go_step(tmp_path):
    """The job as it was: a new runner's first e2e job failed every traffic test (GoMissing)."""
    ci = load_pipeline()
    lines = flatten(ci[E2E_JOB]["before_script"])
    ci[E2E_JOB]["before_script"] = [line for line in lines if "go_root=" not in line]
    assert len(ci[E2E_JOB]["before_script"]) == len(lines) - 1
    problems = job_go_problems(ci, tmp_path)
    assert any("runs the suite without Go" in p for p in problems), problems


def test_package_check_fails_when_the_job_reads_another_purpose(tmp_path):
    ci = load_pipeline()
    lines = flatten(ci[E2E_JOB]["before_script"])
    assert any("kindlab.packages --missing e2e" in line for line in lines)
    ci[E2E_JOB]["before_script"] = [
        line.replace("packages --missing e2e", "packages --missing docker-cli") for line in lines
    ]
    problems = job_package_problems(ci, tmp_path)
    assert any("lacks chromium" in p for p in problems), problems


def test_ci_run_installs_the_host_and_e2e_lists():
    assert ci_run_package_problems(CI_RUN.read_text()) == []


@pytest.mark.parametrize(
    "script, message",
    [
        ("need=$(python3 -m kindlab.packages --missing host)\n", "the e2e packages"),
        (
            "need=$(python3 -m kindlab.packages --missing host e2e)\n"
            "apt-get install -y chromium fonts-liberation $need\n",
            "installs chromium fonts-liberation from a list of its own",
        ),
    ],
    ids=["e2e list not installed", "own list"],
)
def test_ci_run_package_check_rejects_broken_scripts(script, message):
    assert any(message in p for p in ci_run_package_problems(script))


@pytest.mark.parametrize("stand_in", STAND_INS, ids=[s.recipe for s in STAND_INS])
def test_stand_in_images_install_their_declared_packages(stand_in):
    dockerfile = (IMAGES_DIR / stand_in.recipe / "Dockerfile").read_text()
    assert recipe_package_problems(stand_in.recipe, dockerfile) == []
    assert standins.build_args(stand_in)["PACKAGES"].split() == packages.names(stand_in.purposes)


def test_stand_in_check_rejects_a_recipe_with_its_own_list():
    dockerfile = (IMAGES_DIR / "gcl-helper" / "Dockerfile").read_text()
    broken = dockerfile.replace("${PACKAGES}", "rsync")
    assert "images/gcl-helper: installs rsync, not ${PACKAGES}" in recipe_package_problems(
        "gcl-helper", broken
    )
    assert any("declares no purpose kaniko" in p for p in recipe_package_problems("kaniko", ""))

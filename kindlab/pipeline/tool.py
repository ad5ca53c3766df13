"""gitlab-ci-local, installed from npm into the kindlab cache, run on the pinned Node.js.

gitlab-ci-local 4.75 crashes on Node 20 (the Node many distributions ship), so it runs on the
pinned Node 22 runtime that kindlab.build.nodejs installs from npm for the Prometheus UI build too:
one runtime, one installer. gitlab-ci-local goes to a cache directory of its own version, never
a global install, and is installed once.
"""

from __future__ import annotations

from pathlib import Path

from kindlab.build.nodejs import node_tools, npm_install
from kindlab.core.cache import building, cache_root
from kindlab.core.versions import pin

STAMP = ".complete"
# The variables GitLab sets in a merge-request pipeline, as gitlab-ci-local options: the source,
# and no branch (GitLab sets CI_COMMIT_BRANCH only in branch pipelines).
MERGE_REQUEST = ["--variable", "CI_PIPELINE_SOURCE=merge_request_event"]
# GitLab sets the merge request's IID in its pipelines: `if: $CI_MERGE_REQUEST_IID` is the
# other common way to write "merge requests only" (lab 10 must accept it).
MERGE_REQUEST += ["--variable", "CI_MERGE_REQUEST_IID=1"]
MERGE_REQUEST += ["--unset-variable", "CI_COMMIT_BRANCH"]


def tag_pipeline(tag: str) -> list[str]:
    """The variables GitLab sets in the pipeline of a git tag: CI_COMMIT_TAG, and no branch."""
    return [
        "--variable", "CI_PIPELINE_SOURCE=push",
        "--variable", f"CI_COMMIT_TAG={tag}",
        "--unset-variable", "CI_COMMIT_BRANCH",
    ]  # fmt: skip


def install_dir() -> Path:
    return cache_root() / f"gitlab-ci-local-{pin('GITLAB_CI_LOCAL_VERSION')}"


def gitlab_ci_local() -> list[str]:
    """The command that runs the pinned gitlab-ci-local on the pinned Node (installed once)."""
    tools, prefix = node_tools(), install_dir()
    if not (prefix / STAMP).exists():
        with building(prefix):
            if not (prefix / STAMP).exists():  # another process may have installed it
                package = f"gitlab-ci-local@{pin('GITLAB_CI_LOCAL_VERSION')}"
                npm_install(prefix, [package])
                (prefix / STAMP).write_text(package + "\n")
    entry = prefix / "node_modules" / "gitlab-ci-local" / "dist" / "index.js"
    return [str(tools.node), str(entry)]

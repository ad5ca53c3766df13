"""Lab 1's image checks on images a learner could end up with: another image under the lab's
tag, and a container still running an earlier build. Real Docker, no cluster."""

from __future__ import annotations

import importlib
import os

import pytest

from kindlab.build.appimage import build_options, find_buildkit_client
from kindlab.core.paths import REPO_ROOT
from kindlab.core.process import run
from kindlab.testing.gates import require_docker
from labs import catalog
from labs.framework import run_check
from labs.session import Session

LAB = catalog.get(1)
# The catalog loads labs/01-local-run/lab.py (a folder name Python cannot import) as labs.lab01.
LAB_MODULE = importlib.import_module("labs.lab01")


@pytest.fixture
def session(tmp_path):
    require_docker("lab 1")
    session = Session(workdir=tmp_path)
    LAB.start(session)
    yield session
    LAB.start(session)  # no lab container or image left behind


def first_failure(session):
    failure = run_check(LAB, session, lambda result: None).first_failure
    assert failure is not None, "every step passes"
    return failure


def test_another_image_under_the_lab_tag_is_not_from_the_dockerfile(session):
    base = LAB_MODULE.build_command().base
    run(["docker", "tag", base, LAB_MODULE.IMAGE])
    failure = first_failure(session)
    assert failure.step.name == "the image was built from this repository's Dockerfile"
    assert "not built from this repository's Dockerfile" in failure.detail


def test_a_container_of_an_earlier_build_does_not_say_lab1(session):
    command = LAB_MODULE.build_command()
    client = find_buildkit_client()
    earlier = [*client.argv, *build_options(LAB_MODULE.IMAGE, "dev", command.base), "."]
    env = {**os.environ, **client.env}
    run(earlier, cwd=REPO_ROOT, env=env)
    run(["docker", "run", "--detach", "--name", LAB_MODULE.CONTAINER, "-p", "127.0.0.1::5000",
         LAB_MODULE.IMAGE])  # fmt: skip
    run(command.argv, cwd=REPO_ROOT, env={**os.environ, **command.env})  # the lab1 build
    failure = first_failure(session)
    assert failure.step.name == "GET /version says lab1"
    assert "version 'dev'" in failure.detail

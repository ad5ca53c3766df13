"""Lint-style checks of the image recipe: cheap, and they catch drift before a slow build."""

import re
from pathlib import Path

from kindlab.core.versions import pin

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = (REPO / "Dockerfile").read_text()
INSTRUCTIONS = [
    line.strip() for line in DOCKERFILE.replace("\\\n", " ").splitlines() if line.strip()
]


def instructions(keyword: str) -> list[str]:
    return [i for i in INSTRUCTIONS if i.split()[0] == keyword]


def test_base_image_default_is_the_pinned_python_image():
    (arg,) = [i for i in instructions("ARG") if i.startswith("ARG BASE_IMAGE=")]
    assert arg == f"ARG BASE_IMAGE={pin('PYTHON_IMAGE')}"


def test_both_stages_use_the_same_base():
    assert instructions("FROM") == ["FROM ${BASE_IMAGE} AS builder", "FROM ${BASE_IMAGE}"]


def test_runs_as_a_numeric_non_root_user():
    (user,) = instructions("USER")
    uid = user.split()[1].split(":")[0]
    assert uid.isdigit() and int(uid) != 0


def test_gunicorn_is_pid_1_in_exec_form_and_healthcheck_needs_no_curl():
    (cmd,) = instructions("CMD")
    assert cmd.startswith('CMD ["/opt/venv/bin/gunicorn"')
    (health,) = instructions("HEALTHCHECK")
    assert '"-m", "app.healthcheck"' in health
    assert "curl" not in DOCKERFILE


def test_ca_bundle_is_a_secret_and_no_frontend_is_pulled():
    assert "--mount=type=secret,id=ca_bundle" in DOCKERFILE
    assert "PIP_CERT=/run/secrets/ca_bundle" in DOCKERFILE
    assert not re.search(r"^#\s*syntax\s*=", DOCKERFILE, re.MULTILINE)
    assert not any("ca_bundle" in i or "cert" in i.lower() for i in instructions("COPY"))


def test_image_is_labelled_with_its_version():
    labels = " ".join(instructions("LABEL"))
    assert 'org.opencontainers.image.version="${APP_VERSION}"' in labels


def test_writable_state_is_under_tmp():
    env = " ".join(instructions("ENV"))
    assert "APP_STATE_DIR=/tmp/" in env
    assert "PROMETHEUS_MULTIPROC_DIR=/tmp/" in env
    assert 'VOLUME ["/tmp"]' in INSTRUCTIONS


def test_dockerignore_keeps_tests_and_bench_out_of_the_image():
    ignored = (REPO / ".dockerignore").read_text().splitlines()
    assert ignored[ignored.index("*") :][:3] == ["*", "!versions/locks/app.txt", "!app/"]
    assert "app/tests/" in ignored
    assert "app/bench.py" in ignored


def test_dependencies_come_from_the_hashed_lock_and_nothing_else():
    """Every package the image installs is named, with its hash, in versions/locks/app.txt."""
    assert "COPY versions/locks/app.txt requirements.txt" in INSTRUCTIONS
    (install,) = [i for i in instructions("RUN") if "pip install" in i]
    assert "--require-hashes" in install and "--no-deps" in install
    assert "--requirement requirements.txt" in install
    assert "pyproject.toml" not in " ".join(instructions("COPY"))

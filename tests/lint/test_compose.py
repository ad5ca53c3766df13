"""The compose files, checked as `docker compose config` would without needing Docker.

Schema: the compose-spec JSON schema vendored in check-jsonschema (offline). Interpolation:
every ${VAR} must come from versions/versions.env, the --env-file the README passes. Paths:
Compose resolves every file's relative paths against the first file's directory, the repo root.
The smoke tier runs the stack itself (tests/smoke/test_compose_stack.py).
"""

import re
import shutil

import pytest
import yaml

from kindlab.core.paths import REPO_ROOT
from kindlab.core.versions import pins

from .tools import require, run

COMPOSE_FILES = ["docker-compose.yml", "monitoring/docker-compose.monitoring.yml"]
VARIABLE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")


def schema_check(root, files):
    result = run(
        [require("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", *files], root
    )
    return result.returncode, result.stdout + result.stderr


def problems(root, name):
    """Undefined variables and bind mounts of files that do not exist, in one compose file."""
    text = (root / name).read_text()
    found = [f"${{{v}}} is not in versions.env" for v in VARIABLE.findall(text) if v not in pins()]
    for service, spec in yaml.safe_load(text)["services"].items():
        for volume in spec.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith(".") and not (root / source).exists():
                found.append(f"{service}: mounts {source}, which does not exist")
    return found


def test_compose_files_match_the_compose_spec():
    returncode, output = schema_check(REPO_ROOT, COMPOSE_FILES)
    assert returncode == 0, output


@pytest.mark.parametrize("name", COMPOSE_FILES)
def test_compose_variables_and_mounts_resolve(name):
    assert problems(REPO_ROOT, name) == []


def test_compose_checks_reject_broken_copies(tmp_path):
    for name in COMPOSE_FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO_ROOT / name, tmp_path / name)
    app = tmp_path / COMPOSE_FILES[0]
    app.write_text(app.read_text().replace("read_only: true", "readonly: true"))
    returncode, output = schema_check(tmp_path, [COMPOSE_FILES[0]])
    assert returncode != 0 and "readonly" in output, output

    monitoring = tmp_path / COMPOSE_FILES[1]
    monitoring.write_text(monitoring.read_text().replace("${GRAFANA_IMAGE}", "${GRAFANA_IMG}"))
    assert "${GRAFANA_IMG} is not in versions.env" in problems(tmp_path, COMPOSE_FILES[1])
    assert any("does not exist" in p for p in problems(tmp_path, COMPOSE_FILES[1]))

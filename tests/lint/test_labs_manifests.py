"""The guided labs' manifests render and match the Kubernetes schema, broken on purpose or not.

Start states are deliberately wrong in what they do (a probe path, a selector), never in their
form: a learner must meet the fault the lab is about, not a typo kubectl rejects first. Their
policy violations are the point, so only rendering, schema and promtool are checked here.
"""

from pathlib import Path

import pytest
import yaml

from kindlab.core.paths import REPO_ROOT

from .kustomize import render
from .schema import schema_errors
from .tools import promtool, run

LABS = REPO_ROOT / "labs"
FOLDERS = sorted(
    path.relative_to(REPO_ROOT)
    for pattern in ("[0-9][0-9]-*/start", "[0-9][0-9]-*/solution")
    for path in LABS.glob(pattern)
)
RULE_FILES = sorted(LABS.glob("[0-9][0-9]-*/*/*.yml"))


def manifests(folder: Path) -> list[dict]:
    """What `labctl` applies from a folder: a kustomization rendered, else its objects."""
    if (REPO_ROOT / folder / "kustomization.yaml").is_file():
        return render(str(folder))
    objects = []
    for path in sorted((REPO_ROOT / folder).glob("*.yaml")):
        objects += [
            doc for doc in yaml.safe_load_all(path.read_text()) if doc and "apiVersion" in doc
        ]
    return objects


def test_labs_have_manifests_to_check():
    assert len(FOLDERS) >= 10, FOLDERS
    assert RULE_FILES, "lab 8's alert rules"


@pytest.mark.parametrize("folder", FOLDERS, ids=str)
def test_lab_manifests_render_and_match_the_schema(folder):
    objects = manifests(folder)
    if (REPO_ROOT / folder / "kustomization.yaml").is_file():
        assert any(o["kind"] == "Deployment" for o in objects)
    assert schema_errors(objects) == []


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_lab_rule_files_pass_promtool(path):
    """The start file too: its `expr: TODO` parses (as a metric name), so Prometheus would load
    it and never fire; lab 8's checker refuses it before it gets there."""
    result = run([promtool(), "check", "rules", str(path)])
    assert result.returncode == 0, result.stdout + result.stderr

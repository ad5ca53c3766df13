"""No pinned version is written twice: manifests and compose files must read versions.env."""

import pytest

from kindlab.core.paths import REPO_ROOT
from kindlab.core.versions import pins

# Files this tier owns that could be tempted to hard-code an image or a version.
CHECKED = [
    *sorted((REPO_ROOT / "k8s").rglob("*.yaml")),
    *sorted((REPO_ROOT / "monitoring").rglob("*.y*ml")),
    REPO_ROOT / "docker-compose.yml",
]


def repeated_pins(text):
    """Pinned values (image references, versions) that appear verbatim in `text`."""
    return sorted(f"{key}={value}" for key, value in pins().items() if value in text)


@pytest.mark.parametrize("path", CHECKED, ids=[str(p.relative_to(REPO_ROOT)) for p in CHECKED])
def test_no_pin_is_repeated(path):
    assert repeated_pins(path.read_text()) == []


def test_repeated_pin_is_caught():
    manifest = (REPO_ROOT / "k8s/addons/traefik/deployment.yaml").read_text()
    broken = manifest.replace("set-from-versions-env", pins()["TRAEFIK_IMAGE"])
    assert "TRAEFIK_IMAGE=" + pins()["TRAEFIK_IMAGE"] in repeated_pins(broken)

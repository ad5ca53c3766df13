from pathlib import Path

import pytest

from .kustomize import APPLIED, render

HERE = Path(__file__).parent


@pytest.fixture(scope="session")
def rendered():
    """Every applied kustomization, rendered once per run: path -> objects."""
    return {path: render(path) for path in APPLIED}

from pathlib import Path

import pytest

from .kustomize import APPLIED, render

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items):
    """Mark every test here `lint`, so `pytest -m lint` selects the whole static tier."""
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.lint)


@pytest.fixture(scope="session")
def rendered():
    """Every applied kustomization, rendered once per run: path -> objects."""
    return {path: render(path) for path in APPLIED}

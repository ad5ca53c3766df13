"""The cluster tiers' command-line options, registered for every run.

pytest parses options before the root conftest decides whether a run needs the cluster fixtures,
so the options live apart from them (and import nothing heavy).
"""

from __future__ import annotations

import os

import pytest


def add_cluster_options(parser: pytest.Parser) -> None:
    """Ours on top of pytest-kind's (--cluster-name, --keep-cluster, --kind-bin, --kind-image)."""
    group = parser.getgroup("kindlab", "kindlab e2e cluster")
    group.addoption(
        "--airgap",
        dest="airgap",
        action="store_true",
        default=None,
        help="use the locally built kind/node/add-on images (default: when no registry answers)",
    )
    group.addoption(
        "--online", dest="airgap", action="store_false", help="use upstream images and binaries"
    )
    group.addoption(
        "--app-image",
        default=os.environ.get("KINDLAB_APP_IMAGE"),
        help="test this prebuilt image (e.g. the one CI pushed) instead of building one",
    )

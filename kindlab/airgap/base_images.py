"""The app's base image: the official Python image where it can be had, ours where not."""

from __future__ import annotations

from kindlab.airgap.cluster_images import debian_based_image
from kindlab.airgap.dockerimages import image_labels, pull
from kindlab.progress import say
from kindlab.versions import pin


def python_base_image() -> str:
    """A reference usable as the Dockerfile's BASE_IMAGE, preferring the pinned upstream."""
    upstream = pin("PYTHON_IMAGE")
    if image_labels(upstream) is not None or pull(upstream):
        return upstream
    say(f"{upstream} cannot be pulled here: using Debian's Python 3 on our debootstrapped base")
    return debian_based_image(f"kindlab/python3:{pin('DEBIAN_SUITE')}", "python", {}, {})

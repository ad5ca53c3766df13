"""The app's base image: the official Python image where it can be had, ours where not."""

from __future__ import annotations

from kindlab.build.airgap.cluster_images import debian_based_image
from kindlab.build.dockerimages import STAND_IN_LABEL, image_labels, pull
from kindlab.core.output import say
from kindlab.core.versions import pin


def python_base_image() -> str:
    """A reference usable as the Dockerfile's BASE_IMAGE, preferring the pinned upstream."""
    upstream = pin("PYTHON_IMAGE")
    labels = image_labels(upstream)
    # A pipeline stand-in under the upstream name (kindlab.pipeline) is not the upstream image.
    if (labels is not None and STAND_IN_LABEL not in labels) or pull(upstream):
        return upstream
    say(f"{upstream} cannot be pulled here: using Debian's Python 3 on our debootstrapped base")
    return debian_based_image(f"kindlab/python3:{pin('DEBIAN_SUITE')}", "python", {}, {})

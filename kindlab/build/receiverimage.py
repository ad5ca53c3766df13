"""The alert receiver's image (tools/alert-receiver): ours, so built here in every mode.

No registry has it, online or not: it is built on the app's Python base and loaded into the
node like the app image. Rebuilt only when the recipe or the base image changes.
"""

from __future__ import annotations

from kindlab.build.airgap.base_images import python_base_image
from kindlab.build.dockerimages import build_dockerfile_image, digest, image_id, is_current
from kindlab.core.output import step
from kindlab.core.paths import REPO_ROOT

RECEIVER_DIR = REPO_ROOT / "tools" / "alert-receiver"
# k8s/addons/alert-receiver/deployment.yaml names this reference (never pulled).
RECEIVER_IMAGE = "kindlab/alert-receiver:local"


def alert_receiver_image() -> str:
    base = python_base_image()
    key = digest(RECEIVER_IMAGE, RECEIVER_DIR, image_id(base))
    if not is_current(RECEIVER_IMAGE, key):
        with step(f"Building {RECEIVER_IMAGE} on {base}"):
            build_dockerfile_image(RECEIVER_IMAGE, RECEIVER_DIR, {"BASE_IMAGE": base}, key)
    return RECEIVER_IMAGE

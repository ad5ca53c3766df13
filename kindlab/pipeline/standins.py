"""Stand-ins for the images the pipeline names, where no registry can give us the real ones.

gitlab-ci-local pulls only images missing locally. Where a pull fails (no registry reachable),
an image built from Debian packages on our debootstrapped base is tagged with the very reference
the pipeline names, so `.gitlab-ci.yml` runs as written. Each carries the label STAND_IN_LABEL
saying what it stands in for; a real upstream image present locally is always preferred. Its
Debian packages are those of versions/packages.txt under the recipe's name (kindlab.packages),
handed to the recipe's Dockerfile as the build argument PACKAGES.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kindlab.build.airgap.cluster_images import debian_based_image
from kindlab.build.dockerimages import STAND_IN_LABEL, image_labels, pull
from kindlab.build.gobuild import build_local_tool
from kindlab.core.cache import building, cache_root
from kindlab.core.errors import KindlabError
from kindlab.core.output import say
from kindlab.core.process import run
from kindlab.core.versions import pin
from kindlab.packages import names

# gitlab-ci-local's default --helper-image (4.75.x): it chowns and copies the job's volumes.
HELPER_IMAGE = "docker.io/firecow/gitlab-ci-local-util:latest"


@dataclass(frozen=True)
class StandIn:
    """An image reference the pipeline uses and the recipe (images/<recipe>) standing in for it.

    `commands`: what gitlab-ci-local runs in the image, checked in whichever image (upstream or
    stand-in) is used, since some failures there are silent (a missing rsync in the helper
    image exports no cache and no artifact, and the job still passes).
    `extra_purposes`: packages.txt purposes installed beside the recipe's own, which a job would
    otherwise install at every run (the e2e job's 2.75 min of apt-get in the Python image).
    """

    ref: str
    recipe: str
    files: Callable[[], dict[str, Path]] = field(default=dict)
    commands: tuple[str, ...] = ()
    extra_purposes: tuple[str, ...] = ()

    @property
    def purposes(self) -> tuple[str, ...]:
        return (self.recipe, *self.extra_purposes)


def dind_image_ref() -> str:
    """The dind service of .gitlab-ci.yml: `${DOCKER_IMAGE}-dind`."""
    return f"{pin('DOCKER_IMAGE')}-dind"


def stand_ins() -> tuple[StandIn, ...]:
    return (
        StandIn(pin("PYTHON_IMAGE"), "ci-python"),
        StandIn(pin("DOCKER_IMAGE"), "docker-cli"),
        StandIn(
            dind_image_ref(),
            "dind",
            lambda: {"runc-capfix": build_local_tool("runc-capfix")},
        ),
        StandIn(HELPER_IMAGE, "gcl-helper", commands=("bash", "chown", "chmod", "cp", "rsync")),
    )


def e2e_image() -> StandIn:
    """The e2e job's $E2E_IMAGE where nothing can be pulled: the Python stand-in with the e2e
    packages in it, which the job would otherwise install at every run (2.75 min measured).

    Not $PYTHON_IMAGE itself: the build job bases the app image on that one.
    """
    tag = pin("PYTHON_IMAGE").rsplit(":", 1)[1]
    return StandIn(f"kindlab/ci-e2e:{tag}", "ci-python", extra_purposes=("e2e",))


def ensure_image(stand_in: StandIn) -> bool:
    """Make `stand_in.ref` present locally; True when it is our stand-in, False when upstream."""
    labels = image_labels(stand_in.ref)
    if labels is not None and STAND_IN_LABEL not in labels:
        return False
    if labels is None and pull(stand_in.ref):
        say(f"{stand_in.ref}: pulled from its registry")
        return False
    if labels is None:
        say(f"{stand_in.ref} cannot be pulled here: building its stand-in ({stand_in.recipe})")
    debian_based_image(stand_in.ref, stand_in.recipe, stand_in.files(), build_args(stand_in))
    return True


def build_args(stand_in: StandIn) -> dict[str, str]:
    """What the recipe's Dockerfile is told: the reference it stands in for, its packages."""
    return {"UPSTREAM": stand_in.ref, "PACKAGES": " ".join(names(stand_in.purposes))}


def missing_commands(ref: str, commands: tuple[str, ...]) -> list[str]:
    """Those of `commands` that the image `ref` does not have on its PATH."""
    if not commands:
        return []
    probe = " ".join(f'command -v {c} >/dev/null || echo "{c}";' for c in commands)
    found = run(["docker", "run", "--rm", "--entrypoint", "sh", ref, "-c", probe])
    return found.split()


def ensure_images(refs: Iterable[str] | None = None) -> dict[str, bool]:
    """The images `refs` (default: every one the pipeline and gitlab-ci-local use) present, with
    the commands gitlab-ci-local runs in them: reference -> is it a stand-in."""
    wanted = [s for s in stand_ins() if refs is None or s.ref in set(refs)]
    # The gitlab tier's merge-request pipeline and deploy tests prepare at the same time.
    with building(cache_root() / "pipeline-stand-ins"):
        used = {s.ref: ensure_image(s) for s in wanted}
    for stand_in in wanted:
        missing = missing_commands(stand_in.ref, stand_in.commands)
        if missing:
            raise KindlabError(
                f"{stand_in.ref} lacks {', '.join(missing)}, which gitlab-ci-local runs in it"
            )
    return used

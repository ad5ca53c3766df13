"""Pinned versions, read from versions/versions.env so no version is written twice."""

from __future__ import annotations

from functools import cache

from kindlab.core.paths import REPO_ROOT

VERSIONS_FILE = REPO_ROOT / "versions" / "versions.env"


class VersionsFileError(ValueError):
    """The versions file is malformed; the message names the line."""


def parse_versions(text: str, source: str = "versions.env") -> dict[str, str]:
    """Parse KEY=value lines strictly, because shell, compose and kustomize read the same file."""
    pins: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.isidentifier() or not value or any(c in value for c in "\"' $"):
            raise VersionsFileError(f"{source}:{number}: expected KEY=value, got {raw!r}")
        if key in pins:
            raise VersionsFileError(f"{source}:{number}: {key} is pinned twice")
        pins[key] = value
    return pins


@cache
def pins() -> dict[str, str]:
    return parse_versions(VERSIONS_FILE.read_text(), str(VERSIONS_FILE))


def pin(key: str) -> str:
    try:
        return pins()[key]
    except KeyError:
        raise VersionsFileError(f"{VERSIONS_FILE} has no {key}") from None


def image_tag(image: str) -> str:
    """The tag of an image reference, which for our pins is the upstream release version."""
    name = image.rsplit("/", 1)[-1]
    if ":" not in name:
        raise VersionsFileError(f"image {image!r} has no tag")
    return name.split(":", 1)[1]

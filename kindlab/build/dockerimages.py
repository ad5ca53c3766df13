"""Local Docker images, rebuilt only when the inputs recorded in their build-key label change."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import subprocess
import tarfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from kindlab.core.process import run

KEY_LABEL = "org.kindlab.build-key"
# Set on images that take an upstream reference without being that image (kindlab.pipeline).
STAND_IN_LABEL = "org.kindlab.stand-in"


def image_labels(ref: str) -> dict[str, str] | None:
    """The image's labels, or None when the image is not present locally."""
    probe = subprocess.run(
        ["docker", "image", "inspect", "--format", "{{json .Config.Labels}}", ref],
        check=False,
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        return None
    return json.loads(probe.stdout.strip() or "null") or {}


def image_id(ref: str) -> str:
    """The content ID, so keys change when a base image is rebuilt under the same tag."""
    return run(["docker", "image", "inspect", "--format", "{{.Id}}", ref]).strip()


def pull(ref: str) -> bool:
    """Try the registry once; on air-gapped hosts this fails within milliseconds."""
    return (
        subprocess.run(["docker", "pull", "-q", ref], check=False, capture_output=True).returncode
        == 0
    )


def is_current(ref: str, key: str) -> bool:
    labels = image_labels(ref)
    return labels is not None and labels.get(KEY_LABEL) == key


def digest(*parts: str | Path) -> str:
    """A short content key over strings, files and directory trees.

    Every field is tagged and length-prefixed so adjacent parts cannot run together ("ab" +
    "c" vs "a" + "bc"). Tree entries are keyed by relative path and executable bit as well as
    content, because the build context carries them: a moved file or one made executable must
    force a rebuild, while a copy of the tree elsewhere must not. Of the permission bits only
    the executable one counts, as in git: the others follow the umask of whoever checked the
    tree out (git archive and gitlab-ci-local write 0664 where a clone has 0644), and keyed,
    they made the pipeline's e2e job rebuild the node image that its dind store already held.
    Symlinks are keyed by their target text rather than followed; they are expected to point
    inside the tree, whose files are keyed in their own right.
    """
    sha = hashlib.sha256()

    def field(tag: bytes, data: bytes) -> None:
        sha.update(tag + len(data).to_bytes(8, "big") + data)

    def mode(path: Path) -> bytes:
        return b"x" if path.stat().st_mode & stat.S_IXUSR else b"-"

    for part in parts:
        if not isinstance(part, Path):
            field(b"s", part.encode())
        elif part.is_dir():
            entries = sorted((p.relative_to(part).as_posix(), p) for p in part.rglob("*"))
            field(b"d", str(len(entries)).encode())
            for relative, entry in entries:
                field(b"p", relative.encode())
                if entry.is_symlink():
                    field(b"l", os.readlink(entry).encode())
                    continue
                field(b"m", mode(entry))
                if entry.is_file():
                    field(b"c", entry.read_bytes())
        else:
            field(b"f", part.name.encode())
            field(b"m", mode(part))
            field(b"c", part.read_bytes())
    return sha.hexdigest()[:16]


def import_files_image(
    ref: str, files: Mapping[str, Path], changes: Sequence[str], key: str
) -> None:
    """An image holding only the given files (no distro), like upstream's distroless images."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for target, source in files.items():
            info = archive.gettarinfo(str(source), arcname=target.lstrip("/"))
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            with source.open("rb") as handle:
                archive.addfile(info, handle)
    argv = ["docker", "import"]
    for change in (*changes, f"LABEL {KEY_LABEL}={key}"):
        argv += ["--change", change]
    run([*argv, "-", ref], input_bytes=buffer.getvalue(), label=f"importing image {ref}")


def build_dockerfile_image(
    ref: str, context: Path, build_args: Mapping[str, str], key: str
) -> None:
    """Classic `docker build`: the air-gapped images need neither BuildKit nor secrets."""
    argv = ["docker", "build", "--label", f"{KEY_LABEL}={key}", "-t", ref]
    for name, value in build_args.items():
        argv += ["--build-arg", f"{name}={value}"]
    run(
        [*argv, str(context)],
        env={**os.environ, "DOCKER_BUILDKIT": "0"},
        label=f"building image {ref} (docker build)",
    )


def containerd_name(ref: str) -> str:
    """containerd names images fully: `traefik:v3` is `docker.io/library/traefik:v3`."""
    first = ref.split("/", 1)[0]
    if "/" not in ref:
        return f"docker.io/library/{ref}"
    if "." not in first and ":" not in first and first != "localhost":
        return f"docker.io/{ref}"
    return ref

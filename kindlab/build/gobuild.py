"""Static Go binaries built from the Go module proxy, the only code source our CI can reach.

Upstream projects that carry `replace` directives (Kubernetes, Traefik) cannot be built with a
plain `go install mod@version`, because replaces only apply in the main module. We build them
from a small wrapper module that requires the upstream module and re-states its replaces; a
local `./staging/src/<module>` replace (Kubernetes) becomes the published staging module.

A project whose release build adds generated files to its tree (Prometheus embeds its web UI
that way) is built inside a writable copy of its downloaded module tree instead (TreeBuild).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from kindlab.core.cache import building, cache_root
from kindlab.core.output import step
from kindlab.core.paths import REPO_ROOT
from kindlab.core.process import run

STAMP = ".complete"


@dataclass(frozen=True)
class ModuleBuild:
    """One upstream module version and the main packages to build from it."""

    name: str
    module: str
    version: str
    packages: tuple[str, ...]
    ldflags: tuple[str, ...] = ()
    staging_version: str | None = None
    main_source: str | None = None

    def key(self) -> str:
        digest = hashlib.sha256(repr(self).encode()).hexdigest()[:10]
        return f"go-{self.name}-{self.version}-{digest}"

    def prepare(self, work: Path, info: dict) -> None:
        """The source to build in `work`: a wrapper module that requires the upstream one."""
        work.mkdir(parents=True, exist_ok=True)
        (work / "go.mod").write_text(wrapper_gomod(self, parse_gomod(Path(info["GoMod"]))))

    def build_flags(self) -> list[str]:
        return []


@dataclass(frozen=True)
class TreeBuild(ModuleBuild):
    """A module built in a writable copy of its own tree, packages named "./cmd/...".

    For projects whose release build adds generated files (Prometheus embeds its web UI): Go
    refuses overlays of files in the module cache. The tree's own go.mod and go.sum apply as
    released, with build tags as the project's release build sets them.
    """

    tags: tuple[str, ...] = ()
    # Files laid over the tree before building; their content, not their path, is keyed.
    overlay: Path | None = None

    def key(self) -> str:
        sha = hashlib.sha256(repr(dataclasses.replace(self, overlay=None)).encode())
        if self.overlay is not None:
            sha.update(tree_digest(self.overlay).encode())
        return f"go-{self.name}-{self.version}-{sha.hexdigest()[:10]}"

    def prepare(self, work: Path, info: dict) -> None:
        writable_copy(Path(info["Dir"]), work, self.overlay)

    def build_flags(self) -> list[str]:
        return ["-tags", ",".join(self.tags)] if self.tags else []


def tree_digest(root: Path) -> str:
    """SHA-256 (hex) over every file under `root`, by relative path and content."""
    sha = hashlib.sha256()
    for file in sorted(p for p in root.rglob("*") if p.is_file()):
        sha.update(file.relative_to(root).as_posix().encode())
        sha.update(file.read_bytes())
    return sha.hexdigest()


def go_env() -> dict[str, str]:
    # GOWORK=off: a released tree may carry a go.work naming directories its zip leaves out.
    return {
        **os.environ,
        "CGO_ENABLED": "0",
        "GOTOOLCHAIN": "local",
        "GOFLAGS": "-mod=mod",
        "GOWORK": "off",
    }


def module_info(module: str, version: str) -> dict:
    """`go mod download -json`: the module's paths, plus its publish time and VCS origin.

    The time (and the origin, where the proxy records one) is only in the version's .info
    file: the download listing leaves them out once the module is in the cache.
    """
    out = run(["go", "mod", "download", "-json", f"{module}@{version}"], env=go_env())
    info = json.loads(out[out.index("{") :])
    published = json.loads(Path(info["Info"]).read_text()) if info.get("Info") else {}
    return {**published, **info}


def parse_gomod(path: Path) -> dict:
    """The go.mod as Go itself reads it (`go mod edit -json`): blocks, comments and all."""
    return json.loads(run(["go", "mod", "edit", "-json", str(path)], env=go_env()))


def wrapper_gomod(spec: ModuleBuild, upstream: dict) -> str:
    """A main module that builds `spec.module` with the upstream's own replace and go lines.

    `upstream` is the parsed go.mod (parse_gomod). Local replaces cannot work outside the
    upstream tree: a `./staging/src/<module>` one becomes that published staging module at
    `spec.staging_version`, any other local one is dropped.
    """
    lines = ["module kindlab.local/build/" + spec.name, ""]
    if upstream.get("Go"):
        lines.append(f"go {upstream['Go']}")
    lines += [f"godebug {d['Key']}={d['Value']}" for d in upstream.get("GoDebug") or []]
    lines += ["", f"require {spec.module} {spec.version}", ""]
    for replace in upstream.get("Replace") or []:
        line = _replace_line(replace, spec.staging_version)
        if line:
            lines.append(line)
    lines += [f"exclude {e['Path']} {e['Version']}" for e in upstream.get("Exclude") or []]
    return "\n".join(lines) + "\n"


def _replace_line(replace: dict, staging_version: str | None) -> str | None:
    old, new = replace["Old"], replace["New"]
    source = " ".join(filter(None, (old["Path"], old.get("Version"))))
    if new.get("Version"):
        return f"replace {source} => {new['Path']} {new['Version']}"
    staged = new["Path"].removeprefix("./staging/src/")
    if staged != new["Path"] and staging_version:
        return f"replace {source} => {staged} {staging_version}"
    return None


def build_module(spec: ModuleBuild) -> Path:
    """Build (once) and return the directory holding the spec's binaries."""
    out_dir = cache_root() / spec.key()
    if (out_dir / STAMP).exists():
        return out_dir
    with building(out_dir):
        if not (out_dir / STAMP).exists():  # another process may have built it meanwhile
            _build(spec, out_dir)
    return out_dir


def _build(spec: ModuleBuild, out_dir: Path) -> None:
    what = f"{spec.name} {spec.version} from {spec.module}"
    with step(f"Building {what} (cached afterwards)"):
        info = module_info(spec.module, spec.version)
        work = out_dir / "src"
        spec.prepare(work, info)
        if spec.main_source:
            (work / "main.go").write_text(spec.main_source)
        ldflags = " ".join(("-s", "-w", *_expand(spec.ldflags, info)))
        targets = list(spec.packages) or ["."]
        run(
            ["go", "build", "-trimpath", *spec.build_flags(), "-ldflags", ldflags,
             "-o", str(out_dir) + "/", *targets],
            cwd=work,
            env=go_env(),
            label=f"go build of {spec.name} {spec.version}",
        )  # fmt: skip
    (out_dir / STAMP).write_text("\n".join(sorted(p.name for p in out_dir.iterdir())))


def writable_copy(tree: Path, work: Path, overlay: Path | None = None) -> None:
    """A fresh writable copy of (part of) a module tree, read-only in the module cache, and
    `overlay`'s files on top."""
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(tree, work, copy_function=shutil.copyfile)
    for directory, _dirs, _files in os.walk(work):
        os.chmod(directory, 0o755)
    if overlay is not None:
        shutil.copytree(overlay, work, dirs_exist_ok=True)


def _expand(flags: tuple[str, ...], info: dict) -> list[str]:
    """Fill {commit} and {date} from the module's origin, so version stamps are truthful."""
    commit = info.get("Origin", {}).get("Hash") or "0" * 40
    date = info.get("Time", "1970-01-01T00:00:00Z")
    return [flag.format(commit=commit, date=date) for flag in flags]


def build_local_tool(name: str) -> Path:
    """Build one of our own Go tools under tools/<name>; cached by a digest of its source."""
    source = REPO_ROOT / "tools" / name
    target = cache_root() / "bin" / f"{name}-{tree_digest(source)[:12]}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        with step(f"Building tools/{name}"):
            run(["go", "build", "-trimpath", "-o", target, "."], cwd=source, env=go_env())
    return target

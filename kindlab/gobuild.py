"""Static Go binaries built from the Go module proxy, the only code source our CI can reach.

Upstream projects that carry `replace` directives (Kubernetes, Traefik) cannot be built with a
plain `go install mod@version`, because replaces only apply in the main module. We build them
from a small wrapper module that requires the upstream module and re-states its replaces; a
local `./staging/src/<module>` replace (Kubernetes) becomes the published staging module.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from kindlab.cache import cache_root
from kindlab.progress import run
from kindlab.versions import REPO_ROOT

STAMP = ".complete"
STAGING_REPLACE = re.compile(r"^\s*(\S+)\s+=>\s+\./staging/src/(\S+)\s*$")
VERSIONED_REPLACE = re.compile(r"^\s*(\S+)(\s+\S+)?\s+=>\s+([^./\s]\S*)\s+(\S+)\s*$")


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


def go_env() -> dict[str, str]:
    return {**os.environ, "CGO_ENABLED": "0", "GOTOOLCHAIN": "local", "GOFLAGS": "-mod=mod"}


def module_info(module: str, version: str) -> dict:
    """`go mod download -json`: the module's go.mod path, publish time and VCS origin."""
    out = run(["go", "mod", "download", "-json", f"{module}@{version}"], env=go_env())
    return json.loads(out[out.index("{") :])


def wrapper_gomod(spec: ModuleBuild, upstream_gomod: str) -> str:
    """A main module that builds `spec.module` with the upstream's own replace and go lines."""
    lines = ["module kindlab.local/build/" + spec.name, ""]
    for line in upstream_gomod.splitlines():
        if line.startswith(("go ", "godebug ")):
            lines.append(line)
    lines += ["", f"require {spec.module} {spec.version}"]
    lines += ["", *_replaces(upstream_gomod, spec.staging_version)]
    lines += [f"exclude {body}" for body in _directives(upstream_gomod, "exclude")]
    return "\n".join(lines) + "\n"


def _directives(gomod: str, verb: str) -> list[str]:
    """Bodies of every `verb` directive, whether written on one line or in a block."""
    bodies: list[str] = []
    in_block = False
    for raw in gomod.splitlines():
        line = raw.split("//", 1)[0].strip()
        if line == f"{verb} (":
            in_block = True
        elif in_block and line == ")":
            in_block = False
        elif in_block and line:
            bodies.append(line)
        elif line.startswith(f"{verb} "):
            bodies.append(line.removeprefix(f"{verb} ").strip())
    return bodies


def _replaces(gomod: str, staging_version: str | None) -> list[str]:
    out: list[str] = []
    for body in _directives(gomod, "replace"):
        staged = STAGING_REPLACE.match(body)
        if staged and staging_version:
            out.append(f"replace {staged.group(1)} => {staged.group(2)} {staging_version}")
        elif VERSIONED_REPLACE.match(body):
            out.append(f"replace {body}")
    return out


def build_module(spec: ModuleBuild) -> Path:
    """Build (once) and return the directory holding the spec's binaries."""
    out_dir = cache_root() / spec.key()
    if (out_dir / STAMP).exists():
        return out_dir
    work = out_dir / "src"
    work.mkdir(parents=True, exist_ok=True)
    info = module_info(spec.module, spec.version)
    (work / "go.mod").write_text(wrapper_gomod(spec, Path(info["GoMod"]).read_text()))
    if spec.main_source:
        (work / "main.go").write_text(spec.main_source)
    ldflags = " ".join(("-s", "-w", *_expand(spec.ldflags, info)))
    targets = list(spec.packages) or ["."]
    run(
        ["go", "build", "-trimpath", "-ldflags", ldflags, "-o", str(out_dir) + "/", *targets],
        cwd=work,
        env=go_env(),
    )
    (out_dir / STAMP).write_text("\n".join(sorted(p.name for p in out_dir.iterdir())))
    return out_dir


def _expand(flags: tuple[str, ...], info: dict) -> list[str]:
    """Fill {commit} and {date} from the module's origin, so version stamps are truthful."""
    commit = info.get("Origin", {}).get("Hash") or "0" * 40
    date = info.get("Time", "1970-01-01T00:00:00Z")
    return [flag.format(commit=commit, date=date) for flag in flags]


def build_local_tool(name: str) -> Path:
    """Build one of our own Go tools under tools/<name>; cached by a digest of its source."""
    source = REPO_ROOT / "tools" / name
    sha = hashlib.sha256()
    for file in sorted(p for p in source.rglob("*") if p.is_file()):
        sha.update(file.relative_to(source).as_posix().encode())
        sha.update(file.read_bytes())
    target = cache_root() / "bin" / f"{name}-{sha.hexdigest()[:12]}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        run(["go", "build", "-trimpath", "-o", target, "."], cwd=source, env=go_env())
    return target

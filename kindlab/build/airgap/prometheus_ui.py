"""Prometheus's web UI, built from the npm sources in its Go module tree, ready to embed.

The module carries the UI's sources but not the built files, so a plain `go build` serves 500
on every UI page. Upstream's release build (`make assets-compress`, then build tag
`builtinassets`) compiles the UI in: web/ui/static holds each built file gzipped, web/ui/embed.go
(embed.go.tmpl plus a `//go:embed` list) embeds them, and prometheus/common's assets FS serves
them decompressed. Here the 3.x UI (mantine-ui) is built as `make ui-build BUILD_UI=mantine`
does: pnpm installs the workspace from its frozen lockfile (npm registry only) and upstream's
own build_ui.sh runs vite. The compressed files and embed.go are then written as
scripts/compress_assets.sh writes them, into an overlay for the module tree (kindlab.build.gobuild),
cached by Prometheus, Node.js and pnpm version. The 2.x UI (react-app, only behind
--enable-feature=old-ui) is not built.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

from kindlab.build.gobuild import module_info, writable_copy
from kindlab.build.nodejs import node_package, node_tools
from kindlab.core.cache import building, cache_root
from kindlab.core.errors import KindlabError
from kindlab.core.output import step
from kindlab.core.process import run
from kindlab.core.versions import pin

STAMP = ".complete"
UI_DIR = Path("web/ui")
OLD_UI = "react-app"


class UIBuildError(KindlabError):
    """The UI build produced nothing to embed."""


def prometheus_ui_overlay(module: str, version: str) -> Path:
    """A directory to lay over the module tree: web/ui/static/**.gz and web/ui/embed.go."""
    pnpm = f"pnpm-{pin('PNPM_VERSION')}"
    root = cache_root() / f"prometheus-ui-{version}-{node_package().replace('@', '-')}-{pnpm}"
    overlay = root / "overlay"
    if (root / STAMP).exists():
        return overlay
    with building(root):
        if not (root / STAMP).exists():  # another process may have built it meanwhile
            _build_ui(module, version, root)
    return overlay


def _build_ui(module: str, version: str, root: Path) -> None:
    tools, work, overlay = node_tools(), root / "src", root / "overlay"
    with step(f"Building the web UI of {module} {version} with pnpm (cached afterwards)"):
        writable_copy(Path(module_info(module, version)["Dir"]) / UI_DIR, work)
        shutil.rmtree(work / OLD_UI)
        # Package data and metadata stay in the kindlab cache, so a cold cache is truly cold.
        dirs = ["--store-dir", str(cache_root() / "pnpm-store"),
                "--cache-dir", str(cache_root() / "pnpm-cache")]  # fmt: skip
        env = tools.env(npm_config_cache=str(cache_root() / "npm-cache"))
        run(["pnpm", "install", "--frozen-lockfile", *dirs], cwd=work, env=env,
            label="pnpm install of the Prometheus UI's packages")  # fmt: skip
        # CI="" as upstream's Makefile sets it for the UI build.
        run(["pnpm", "run", "build:mantine-ui"], cwd=work, env=env | {"CI": ""},
            label="building the Prometheus UI (tsc and vite)")  # fmt: skip
        shutil.rmtree(overlay, ignore_errors=True)
        write_embedded_assets(work / "static", overlay / UI_DIR, work / "embed.go.tmpl")
        shutil.rmtree(work)
    (root / STAMP).write_text("built\n")


def write_embedded_assets(static: Path, ui_dir: Path, template: Path) -> list[str]:
    """Each file under `static` gzipped into ui_dir/static, and ui_dir/embed.go naming them.

    gzip without name or timestamp (as `gzip -n`), so the same UI gives the same bytes.
    Returns the embedded paths, relative to ui_dir.
    """
    embedded = []
    for source in sorted(p for p in static.rglob("*") if p.is_file() and p.suffix != ".gz"):
        relative = Path("static") / source.relative_to(static)
        target = ui_dir / relative.with_name(relative.name + ".gz")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(gzip.compress(source.read_bytes(), compresslevel=9, mtime=0))
        embedded.append(target.relative_to(ui_dir).as_posix())
    if not embedded:
        raise UIBuildError(f"no built UI files under {static}: nothing to embed")
    # JSON strings are valid Go string literals for these paths, spaces and all.
    patterns = " ".join(json.dumps(path) for path in embedded)
    embed_go = template.read_text() + f"//go:embed {patterns}\nvar EmbedFS embed.FS\n"
    (ui_dir / "embed.go").write_text(embed_go)
    return embedded

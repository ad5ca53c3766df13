import gzip
import json

import pytest

from kindlab.build.airgap.binaries import prometheus_module_version
from kindlab.build.airgap.prometheus_ui import UIBuildError, write_embedded_assets

TEMPLATE = '//go:build builtinassets\n\npackage ui\n\nimport "embed"\n\n'


@pytest.mark.parametrize(
    ("release", "module"),
    [("v3.13.5", "v0.313.5"), ("v3.5.0", "v0.305.0"), ("v3.16.0", "v0.316.0"),
     ("v2.42.0", "v0.42.0")],
)  # fmt: skip
def test_module_versions_follow_prometheus_numbering(release, module):
    assert prometheus_module_version(release) == module


@pytest.fixture
def built_ui(tmp_path):
    static = tmp_path / "static"
    (static / "mantine-ui" / "assets").mkdir(parents=True)
    (static / "mantine-ui" / "index.html").write_text("<html>TITLE_PLACEHOLDER</html>")
    (static / "mantine-ui" / "assets" / "index-AbC_1.js").write_text("console.log(1)")
    (static / "mantine-ui" / "assets" / "old.js.gz").write_bytes(b"already compressed")
    template = tmp_path / "embed.go.tmpl"
    template.write_text(TEMPLATE)
    return static, template


def test_embedded_assets_are_gzipped_and_listed_for_go_embed(built_ui, tmp_path):
    static, template = built_ui
    ui_dir = tmp_path / "overlay" / "web" / "ui"

    embedded = write_embedded_assets(static, ui_dir, template)

    assert embedded == [
        "static/mantine-ui/assets/index-AbC_1.js.gz",
        "static/mantine-ui/index.html.gz",
    ]
    index = (ui_dir / "static/mantine-ui/index.html.gz").read_bytes()
    assert gzip.decompress(index) == b"<html>TITLE_PLACEHOLDER</html>"
    embed_go = (ui_dir / "embed.go").read_text()
    assert embed_go.startswith(TEMPLATE)
    embed_line, var_line = embed_go.removeprefix(TEMPLATE).splitlines()
    assert embed_line == "//go:embed " + " ".join(json.dumps(p) for p in embedded)
    assert var_line == "var EmbedFS embed.FS"


def test_same_ui_gives_the_same_bytes(built_ui, tmp_path):
    static, template = built_ui
    write_embedded_assets(static, tmp_path / "a", template)
    write_embedded_assets(static, tmp_path / "b", template)
    name = "static/mantine-ui/index.html.gz"
    assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_an_empty_ui_build_is_refused(tmp_path):
    (tmp_path / "static").mkdir()
    template = tmp_path / "embed.go.tmpl"
    template.write_text(TEMPLATE)
    with pytest.raises(UIBuildError, match="nothing to embed"):
        write_embedded_assets(tmp_path / "static", tmp_path / "out", template)

import os
import shutil

import pytest

from kindlab.build.gobuild import ModuleBuild, TreeBuild, parse_gomod, wrapper_gomod, writable_copy


@pytest.fixture
def go() -> None:
    """go.mod is parsed by `go mod edit -json`: without Go, skip, but fail in CI (it has Go)."""
    if shutil.which("go") is None:
        reason = "go is not on PATH: go.mod is parsed by `go mod edit -json`"
        if os.environ.get("CI"):
            pytest.fail(f"CI: {reason}")
        pytest.skip(reason)


UPSTREAM = """module k8s.io/kubernetes

go 1.24.0

godebug default=go1.24

require (
\tk8s.io/api v0.0.0
)

replace (
\tk8s.io/api => ./staging/src/k8s.io/api
\tgithub.com/a/b => github.com/fork/b v1.2.3 // a fork
\tgithub.com/c/d v1.0.0 => github.com/fork/d v1.0.1
\tgithub.com/local/x => ./pkg/x
)

replace github.com/e/f => github.com/fork/f v0.1.0

exclude github.com/bad/one v1.0.0

exclude (
\tgithub.com/bad/two v1.2.0
)
"""


@pytest.fixture
def upstream(tmp_path):
    path = tmp_path / "go.mod"
    path.write_text(UPSTREAM)
    return parse_gomod(path)


def test_wrapper_restates_the_upstream_build_rules(go, upstream):
    spec = ModuleBuild("k", "k8s.io/kubernetes", "v1.34.0", (), staging_version="v0.34.0")
    gomod = wrapper_gomod(spec, upstream).splitlines()
    assert gomod[0] == "module kindlab.local/build/k"
    assert "go 1.24.0" in gomod and "godebug default=go1.24" in gomod
    assert "require k8s.io/kubernetes v1.34.0" in gomod
    assert "replace k8s.io/api => k8s.io/api v0.34.0" in gomod
    assert "replace github.com/a/b => github.com/fork/b v1.2.3" in gomod
    assert "replace github.com/c/d v1.0.0 => github.com/fork/d v1.0.1" in gomod
    assert "replace github.com/e/f => github.com/fork/f v0.1.0" in gomod
    assert "exclude github.com/bad/one v1.0.0" in gomod
    assert "exclude github.com/bad/two v1.2.0" in gomod
    assert not any("./pkg/x" in line or "./staging" in line for line in gomod)


def test_staging_replaces_need_a_staging_version(go, upstream):
    spec = ModuleBuild("x", "k8s.io/kubernetes", "v1.34.0", ())
    assert not any("k8s.io/api" in line for line in wrapper_gomod(spec, upstream).splitlines())


def test_cache_key_changes_with_the_build_inputs():
    base = ModuleBuild("t", "m", "v1", ("m/cmd",))
    flagged = ModuleBuild("t", "m", "v1", ("m/cmd",), ldflags=("-X a=b",))
    assert base.key() != flagged.key()
    assert base.key().startswith("go-t-v1-")
    tree = TreeBuild("t", "m", "v1", ("./cmd",))
    tagged = TreeBuild("t", "m", "v1", ("./cmd",), tags=("builtinassets",))
    assert len({base.key(), tree.key(), tagged.key()}) == 3


def test_cache_keys_of_wrapper_builds_stay_as_they_were():
    # Every cached Go build would be rebuilt if adding build kinds changed these keys.
    spec = ModuleBuild("kind", "sigs.k8s.io/kind", "v0.30.0", ("sigs.k8s.io/kind",))
    assert spec.key() == "go-kind-v0.30.0-b4fec330be"


def test_cache_key_follows_the_overlay_content_not_its_path(tmp_path):
    def overlaid(folder, content):
        (tmp_path / folder / "web").mkdir(parents=True)
        (tmp_path / folder / "web" / "embed.go").write_text(content)
        return TreeBuild("t", "m", "v1", ("./cmd",), overlay=tmp_path / folder)

    one, moved, changed = overlaid("a", "x"), overlaid("b", "x"), overlaid("c", "y")
    assert one.key() == moved.key()
    assert one.key() != changed.key()


def test_writable_copy_of_a_read_only_tree_takes_the_overlay(tmp_path):
    tree = tmp_path / "mod@v1"
    (tree / "web" / "ui").mkdir(parents=True)
    (tree / "web" / "ui" / "embed.go.tmpl").write_text("package ui\n")
    (tree / "go.mod").write_text("module m\n")
    overlay = tmp_path / "overlay"
    (overlay / "web" / "ui" / "static").mkdir(parents=True)
    (overlay / "web" / "ui" / "embed.go").write_text("//go:embed static\n")
    for path in [*tree.rglob("*"), tree]:  # as the module cache leaves it
        path.chmod(0o555 if path.is_dir() else 0o444)
    work = tmp_path / "work"
    (work / "stale").mkdir(parents=True)

    writable_copy(tree, work, overlay)

    assert sorted(p.relative_to(work).as_posix() for p in work.rglob("*")) == [
        "go.mod", "web", "web/ui", "web/ui/embed.go", "web/ui/embed.go.tmpl", "web/ui/static",
    ]  # fmt: skip
    (work / "web" / "ui" / "new.go").write_text("package ui\n")
    (work / "go.mod").write_text("module changed\n")
    assert (tree / "go.mod").read_text() == "module m\n"

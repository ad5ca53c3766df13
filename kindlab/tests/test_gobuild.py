import shutil

import pytest

from kindlab.gobuild import ModuleBuild, parse_gomod, wrapper_gomod

pytestmark = pytest.mark.unit
needs_go = pytest.mark.skipif(
    shutil.which("go") is None, reason="go is not on PATH: go.mod is parsed by `go mod edit -json`"
)

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


@needs_go
def test_wrapper_restates_the_upstream_build_rules(upstream):
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


@needs_go
def test_staging_replaces_need_a_staging_version(upstream):
    spec = ModuleBuild("x", "k8s.io/kubernetes", "v1.34.0", ())
    assert not any("k8s.io/api" in line for line in wrapper_gomod(spec, upstream).splitlines())


def test_cache_key_changes_with_the_build_inputs():
    base = ModuleBuild("t", "m", "v1", ("m/cmd",))
    flagged = ModuleBuild("t", "m", "v1", ("m/cmd",), ldflags=("-X a=b",))
    assert base.key() != flagged.key()
    assert base.key().startswith("go-t-v1-")

"""Finding and thawing frozen freezer cgroups, on a tree shaped like cgroup v1's."""

from kindlab.host import cgroups


def _cgroup(root, relative, state):
    path = root / relative
    path.mkdir(parents=True)
    (path / "freezer.state").write_text(state + "\n")
    return path


def test_only_the_containers_frozen_cgroups_are_thawed(tmp_path):
    node = _cgroup(tmp_path, "docker/abc", "THAWED")
    frozen = _cgroup(tmp_path, "docker/abc/kubelet.slice/pod/cri-x.scope", "FROZEN")
    other = _cgroup(tmp_path, "docker/other/y", "FROZEN")
    assert cgroups.frozen_cgroups("abc", tmp_path) == [frozen]
    assert cgroups.thaw("abc", tmp_path) == 1
    assert (frozen / "freezer.state").read_text() == "THAWED"
    assert (other / "freezer.state").read_text().strip() == "FROZEN"
    assert (node / "freezer.state").read_text().strip() == "THAWED"


def test_systemd_driver_paths_and_absent_containers(tmp_path):
    frozen = _cgroup(tmp_path, "system.slice/docker-abc.scope/x", "FROZEN")
    assert cgroups.frozen_cgroups("abc", tmp_path) == [frozen]
    assert cgroups.thaw("missing", tmp_path) == 0

"""The docker config mirror that carries kindlab's Compose plugin beside the user's own files."""

import os

import pytest

from kindlab.host.compose import PLUGIN_NAME, PLUGINS, mirror_docker_config


@pytest.fixture
def user(tmp_path):
    home = tmp_path / "user"
    (home / "contexts").mkdir(parents=True)
    (home / "config.json").write_text('{"currentContext": "remote"}')
    (home / PLUGINS).mkdir()
    (home / PLUGINS / "docker-buildx").write_text("buildx")
    return home


def links(directory):
    return {p.name: os.readlink(p) for p in directory.iterdir() if p.is_symlink()}


def test_the_mirror_is_the_users_config_plus_the_plugin(tmp_path, user):
    plugin = tmp_path / "build" / "cmd"
    mirror = mirror_docker_config(user, tmp_path / "mirror", plugin)
    assert links(mirror) == {
        "config.json": str(user / "config.json"),
        "contexts": str(user / "contexts"),
    }
    assert links(mirror / PLUGINS) == {
        "docker-buildx": str(user / PLUGINS / "docker-buildx"),
        PLUGIN_NAME: str(plugin),
    }
    assert (mirror / "config.json").read_text() == '{"currentContext": "remote"}'
    assert sorted(p.name for p in (user / PLUGINS).iterdir()) == ["docker-buildx"], "user untouched"


def test_the_mirror_follows_the_user_and_keeps_what_was_written_into_it(tmp_path, user):
    mirror = tmp_path / "mirror"
    mirror_docker_config(user, mirror, tmp_path / "old")
    (user / "contexts").rmdir()
    (mirror / "written-by-the-cli.json").write_text("{}")
    mirror_docker_config(user, mirror, tmp_path / "new")
    assert sorted(links(mirror)) == ["config.json"]
    assert (mirror / "written-by-the-cli.json").read_text() == "{}"
    assert links(mirror / PLUGINS)[PLUGIN_NAME] == str(tmp_path / "new")


def test_a_missing_user_config_gives_a_mirror_with_only_the_plugin(tmp_path):
    mirror = mirror_docker_config(tmp_path / "absent", tmp_path / "mirror", tmp_path / "cmd")
    assert links(mirror) == {}
    assert links(mirror / PLUGINS) == {PLUGIN_NAME: str(tmp_path / "cmd")}

import re
import sys

import pytest

from kindlab import packages
from kindlab.packages import Package, PackagesFileError, missing, names, parse_packages

pytestmark = pytest.mark.unit

SAMPLE = """\
# comment
host   docker.io    dockerd   # the engine
e2e    docker.io    docker
e2e    libatomic1

e2e    chromium     {browser}
"""


@pytest.fixture
def sample(tmp_path):
    path = tmp_path / "packages.txt"
    path.write_text(SAMPLE.format(browser=tmp_path / "chromium"))
    return path


def test_parses_purpose_package_and_probe():
    declared = parse_packages(SAMPLE.format(browser="/usr/bin/chromium"))
    assert declared == [
        Package("host", "docker.io", "dockerd"),
        Package("e2e", "docker.io", "docker"),
        Package("e2e", "libatomic1", None),
        Package("e2e", "chromium", "/usr/bin/chromium"),
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("e2e a b c d", "expected 'purpose package [probe]'"),
        ("e2e a\ne2e a", "a is listed twice for e2e"),
    ],
)
def test_rejects_malformed_lines_naming_the_line(text, problem):
    with pytest.raises(PackagesFileError, match=re.escape(problem)):
        parse_packages(text, "p.txt")


def test_names_of_several_purposes_come_once_in_file_order(sample):
    assert names(["host", "e2e"], sample) == ["docker.io", "libatomic1", "chromium"]


def test_an_unknown_purpose_is_an_error_not_an_empty_list(sample):
    with pytest.raises(PackagesFileError, match="declares no purpose browser"):
        names(["e2e", "browser"], sample)


def test_missing_asks_the_probe_or_dpkg(sample, tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    docker = bin_dir / "docker"
    docker.write_text("#!/bin/sh\n")
    docker.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    # No dockerd: the engine is missing although a docker client (another need) is there.
    assert missing(["host"], sample, installed=lambda name: True) == ["docker.io"]
    assert missing(["e2e"], sample, installed=lambda name: True) == ["chromium"]
    (tmp_path / "chromium").touch()
    assert missing(["e2e"], sample, installed=lambda name: True) == []
    assert missing(["e2e"], sample, installed=lambda name: False) == ["libatomic1"]


def test_the_repository_declares_what_the_e2e_suite_needs():
    """The libraries whose absence broke the pipeline's browser checks are in the e2e list."""
    assert {"docker.io", "chromium", "fonts-liberation", "libatomic1"} <= set(names(["e2e"]))


def test_command_line_prints_names_and_fails_clearly(capsys, monkeypatch):
    assert packages.main(["e2e"]) == 0
    assert "libatomic1" in capsys.readouterr().out.split()
    assert packages.main(["nope"]) == 1
    assert "declares no purpose nope" in capsys.readouterr().err
    assert packages.main([]) == 2
    monkeypatch.setattr(sys, "argv", ["kindlab.packages", "--missing"])
    assert packages.main() == 2

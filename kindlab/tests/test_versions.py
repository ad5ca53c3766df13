import pytest

from kindlab.core.versions import VersionsFileError, image_tag, parse_versions, pins


def test_parses_pins_and_skips_comments():
    assert parse_versions("# c\n\nA=1\nB_IMAGE=x/y:v2\n") == {"A": "1", "B_IMAGE": "x/y:v2"}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("A", "expected KEY=value"),
        ('A="1"', "expected KEY=value"),
        ("A=$B", "expected KEY=value"),
        ("A=", "expected KEY=value"),
        ("A=1\nA=2", "pinned twice"),
    ],
)
def test_rejects_what_shell_compose_or_kustomize_would_read_differently(text, problem):
    with pytest.raises(VersionsFileError, match=problem):
        parse_versions(text, "v.env")


def test_the_repository_pins_the_platform():
    assert pins()["KIND_VERSION"] == "v0.30.0"
    assert pins()["KUBERNETES_VERSION"].startswith("v1.34.")


def test_image_tag():
    assert image_tag("quay.io/prometheus/prometheus:v2.42.0") == "v2.42.0"
    assert image_tag("localhost:5000/app:v2") == "v2"
    with pytest.raises(VersionsFileError):
        image_tag("localhost:5000/app")

import pytest

from kindlab.host.docker_engine import missing_sys_resource_cap


@pytest.mark.parametrize(
    ("capbnd", "missing"),
    [("000001ffffffffff", False), ("000001fffeffffff", True), ("0000000000000000", True)],
)
def test_detects_the_missing_capability(capbnd, missing):
    status = f"Name:\tpython\nCapEff:\t0000000000000000\nCapBnd:\t{capbnd}\n"
    assert missing_sys_resource_cap(status) is missing

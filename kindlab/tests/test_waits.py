import pytest

from kindlab.cluster.waits import WaitTimeout, wait_for

pytestmark = pytest.mark.unit


def test_returns_the_final_state_once_the_condition_holds():
    calls = iter([(False, "1 of 3"), (False, "2 of 3"), (True, "3 of 3")])
    assert wait_for(lambda: next(calls), "pods", timeout=5, interval=0.01) == "3 of 3"


def test_timeout_names_what_never_happened_and_the_last_state():
    with pytest.raises(WaitTimeout, match=r"waiting for rollout; last state: stuck at 1/3"):
        wait_for(lambda: (False, "stuck at 1/3"), "rollout", timeout=0.2, interval=0.05)

import time

import pytest

from kindlab.core.errors import KindlabError
from kindlab.core.wait import WaitStuck, WaitTimeout, persisting, wait_for


def test_returns_the_final_state_once_the_condition_holds():
    calls = iter([(False, "1 of 3"), (False, "2 of 3"), (True, "3 of 3")])
    assert wait_for(lambda: next(calls), "pods", timeout=5, interval=0.01) == "3 of 3"


def test_timeout_names_what_never_happened_and_the_last_state():
    with pytest.raises(WaitTimeout, match=r"waiting for rollout; last state: stuck at 1/3"):
        wait_for(lambda: (False, "stuck at 1/3"), "rollout", timeout=0.2, interval=0.05)


def test_a_stuck_condition_stops_the_wait_at_once_and_says_why():
    def stuck():
        raise WaitStuck("image kindlab/app:nope is not in the node")

    started = time.monotonic()
    with pytest.raises(WaitStuck, match=r"gave up waiting for rollout .*not in the node"):
        wait_for(stuck, "rollout", timeout=30, interval=0.01)
    assert time.monotonic() - started < 5


def test_a_wait_error_is_a_tool_error_not_an_assertion():
    assert issubclass(WaitTimeout, KindlabError)
    assert not issubclass(WaitTimeout, AssertionError)


def test_a_problem_counts_only_once_it_persists():
    hopeless = persisting(0.2)
    assert hopeless("CrashLoopBackOff") is None
    time.sleep(0.25)
    assert hopeless("CrashLoopBackOff") == "CrashLoopBackOff"


def test_a_problem_that_clears_starts_over():
    hopeless = persisting(0.2)
    hopeless("Unschedulable")
    time.sleep(0.25)
    assert hopeless(None) is None
    assert hopeless("Unschedulable") is None


def test_alternating_problems_still_count_as_one_that_persists():
    hopeless = persisting(0.2)
    hopeless("ErrImagePull")
    time.sleep(0.25)
    assert hopeless("ImagePullBackOff") == "ImagePullBackOff"

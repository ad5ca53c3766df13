"""The one way kindlab waits: poll a named condition, say how it stands, stop when it cannot.

No Kubernetes import here, so every tier (Docker start-up, image builds, the lint tier's live
Prometheus, the smoke tier's container) waits the same way. A condition returns (done, state):
`state` is printed as progress while waiting and quoted in the error, so a failure explains
itself. A condition raises WaitStuck when waiting longer cannot help.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from tenacity import RetryError, Retrying, retry_if_result, stop_after_delay, wait_fixed

from kindlab.core.errors import KindlabError
from kindlab.core.output import HEARTBEAT_SECONDS, say

Condition = Callable[[], tuple[bool, str]]


class WaitTimeout(KindlabError):
    """A condition did not hold in time; the message carries the last observed state."""


class WaitStuck(WaitTimeout):
    """A condition can no longer come true by waiting (e.g. an image that is not there)."""


def wait_for(condition: Condition, what: str, timeout: float = 300, interval: float = 1) -> str:
    """Poll `condition` until it holds; returns its final state string."""
    started = time.monotonic()
    last = {"state": "not checked yet", "said": started}

    def attempt() -> bool:
        done, last["state"] = condition()
        now = time.monotonic()
        if not done and now - last["said"] >= HEARTBEAT_SECONDS:
            say(f"  waiting for {what} ({now - started:.0f}s): {last['state']}")
            last["said"] = now
        return done

    retrying = Retrying(
        retry=retry_if_result(lambda done: not done),
        stop=stop_after_delay(timeout),
        wait=wait_fixed(interval),
    )
    try:
        retrying(attempt)
    except RetryError:
        raise WaitTimeout(
            f"timed out after {timeout:.0f}s waiting for {what}; last state: {last['state']}"
        ) from None
    except WaitStuck as exc:
        raise WaitStuck(f"gave up waiting for {what} after "
                        f"{time.monotonic() - started:.0f}s: {exc}") from None  # fmt: skip
    return last["state"]


def persisting(seconds: float) -> Callable[[str | None], str | None]:
    """A filter that passes a problem on only once problems have been seen without a break
    for `seconds` (the latest one is passed on: ErrImagePull and ImagePullBackOff alternate).

    Pull errors and scheduling failures can clear up by themselves a moment later; reporting
    one as hopeless needs it to last.
    """
    since: list[float] = []

    def check(problem: str | None) -> str | None:
        if problem is None:
            since.clear()
            return None
        if not since:
            since.append(time.monotonic())
        return problem if time.monotonic() - since[0] >= seconds else None

    return check

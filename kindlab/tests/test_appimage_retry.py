"""Which failed app-image builds are built again: only BuildKit's late session (labs tier, CI
of 2026-12-07: the whole tier errored on it), never an error that would repeat."""

import pytest

from kindlab.build.appimage import session_timed_out
from kindlab.core.errors import KindlabError
from kindlab.core.process import CommandError

LATE_SESSION = (
    "command failed (exit 1): docker build ...\n#1 ERROR: no active session for "
    "b7x9ypv7j6ld0dgoj7ecmci5s: context deadline exceeded\nfailed to solve with frontend "
    "dockerfile.v0: failed to read dockerfile: no active session for b7x9ypv7j6ld0dgoj7ecmci5s"
)


def test_a_late_buildkit_session_is_built_again():
    assert session_timed_out(CommandError(LATE_SESSION))


@pytest.mark.parametrize(
    "error",
    [
        CommandError(
            "command failed (exit 1): docker build ...\nERROR: failed to solve: "
            'process "/bin/sh -c pip install" did not complete successfully'
        ),
        CommandError(
            "command failed (exit 1): docker build ...\nCannot connect to the Docker "
            "daemon at unix:///var/run/docker.sock"
        ),
        KindlabError("no active session for x"),
    ],
    ids=["failing Dockerfile step", "no engine", "not a command's failure"],
)
def test_other_failures_are_not_retried(error):
    assert not session_timed_out(error)

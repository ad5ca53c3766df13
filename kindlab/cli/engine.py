"""`kindlab engine`: start the Docker engine if it is not running (CI machines start without one).

The capability-fix runtime this host's privileged containers need is registered on the way.
"""

from __future__ import annotations

import argparse

from kindlab.core.output import say
from kindlab.host.docker_engine import DockerUnavailable, ensure_docker


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(prog="kindlab engine", description=__doc__.splitlines()[0]).parse_args(
        argv
    )
    try:
        ensure_docker()
    except DockerUnavailable as exc:
        say(f"Docker unavailable: {exc}")
        return 1
    say("Docker engine is running")
    return 0

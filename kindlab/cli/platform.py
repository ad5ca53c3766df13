"""`kindlab platform` (`tox -e platform`): build or find everything a kind cluster needs, once.

CI runs the e2e and labs tiers side by side; both would otherwise start the same cold builds at
the same moment.
"""

from __future__ import annotations

import argparse

from kindlab.bringup.provision import resolve_platform
from kindlab.core.output import say


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kindlab platform", description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--airgap", dest="airgap", action="store_true", default=None)
    mode.add_argument("--online", dest="airgap", action="store_false")
    args = parser.parse_args(argv)
    found = resolve_platform(args.airgap)
    mode_name = "air-gapped" if found.airgap else "online"
    say(f"cluster platform ready ({mode_name}): node image {found.node_image}, kind {found.kind}")
    return 0

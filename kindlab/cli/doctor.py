"""`kindlab doctor` (`tox -e doctor`): what this host has for the lab, one line per item.

Each line is ok, what will not work, or FAIL with the command that fixes it; the exit status is
non-zero when a check failed. `kindlab up`, the cluster tiers and `.ci/run` run the same checks
first, so a missing piece stops them before any build.
"""

from __future__ import annotations

import argparse
import sys

from kindlab.bringup.preflight import HostNotReady, require_ready
from kindlab.cluster.identity import CLUSTER_NAME_VARIABLE, BadClusterName, chosen_cluster_name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kindlab doctor", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--name", help=f"kind cluster name (default: ${CLUSTER_NAME_VARIABLE}, else kindlab)"
    )
    parser.add_argument(
        "--lab-only",
        action="store_true",
        help="check what `kindlab up` needs (Go only warns), not the whole test suite",
    )
    args = parser.parse_args(argv)
    try:
        # Checked as `kindlab up` checks it, so a name doctor passes is one up accepts.
        name = chosen_cluster_name(args.name)
    except BadClusterName as exc:
        print(f"kindlab doctor: {exc}", file=sys.stderr)
        return 2
    try:
        require_ready(name, go_required=not args.lab_only)
    except HostNotReady as exc:
        print(f"kindlab doctor: {exc}", file=sys.stderr)
        return 1
    return 0

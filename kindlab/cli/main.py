"""`kindlab VERB`: one command for everything kindlab does, the way kind and kubectl work.

Each verb lives in a module of its own and is imported only when it runs, so `kindlab --help`
answers at once and a verb that needs no cluster never loads the Kubernetes client.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Verb:
    module: str
    summary: str


VERBS: dict[str, Verb] = {
    "up": Verb("kindlab.cli.lab", "create or reuse the lab cluster with the app and add-ons"),
    "down": Verb("kindlab.cli.lab", "delete a lab cluster (needs only Docker)"),
    "status": Verb("kindlab.cli.lab", "say which kindlab clusters run and whether the app serves"),
    "doctor": Verb("kindlab.cli.doctor", "check this host for what the lab needs, one line each"),
    "platform": Verb("kindlab.cli.platform", "build or find kind, kubectl, node and add-on images"),
    "airgap": Verb("kindlab.cli.airgap", "build everything an air-gapped cluster needs, timed"),
    "engine": Verb("kindlab.cli.engine", "start the Docker engine if it is not running"),
    "pipeline": Verb("kindlab.cli.pipeline", "run .gitlab-ci.yml with gitlab-ci-local"),
    "plan": Verb("kindlab.cli.plan", "list the jobs GitLab would create, per pipeline"),
    "soak": Verb("kindlab.cli.soak", "hold the lab under steady load; report leaks and failures"),
    "charts": Verb("kindlab.cli.charts", "redraw the HTML charts of a JSON traffic report"),
    "compose": Verb("kindlab.cli.compose", "docker compose, with the pinned plugin if missing"),
    "watch": Verb("kindlab.cli.watch", "run a command; say what still runs when it is silent"),
    "lock": Verb("kindlab.cli.lock", "remake the hashed Python lock files in versions/locks/"),
}


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="kindlab",
        description="A tested local-cluster lab: a Flask service on a real kind cluster.",
        epilog="`kindlab VERB --help` shows a verb's options.",
    )
    verbs = top.add_subparsers(dest="verb", required=True, metavar="VERB")
    for name, verb in VERBS.items():
        verbs.add_parser(name, help=verb.summary, add_help=False)
    return top


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    verb, _ = parser().parse_known_args(args[:1])
    module = importlib.import_module(VERBS[verb.verb].module)
    if VERBS[verb.verb].module == "kindlab.cli.lab":
        return module.main([verb.verb, *args[1:]])
    return module.main(args[1:])

"""`kindlab up|down|status` (`tox -e up`, `tox -e down`): the lab cluster, for people.

`up` is idempotent: a second run reuses the cluster, re-applies what changed and brings the
app back to its committed, healthy state. Tool failures end in one clear line, not a
traceback; a bug still shows its traceback.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable

from kubernetes.client.exceptions import ApiException

from kindlab.bringup.addon_registry import ADDONS
from kindlab.bringup.preflight import require_ready
from kindlab.bringup.provision import resolve_platform
from kindlab.bringup.steps import BringUp
from kindlab.cluster.deletion import delete_cluster
from kindlab.cluster.identity import (
    CLUSTER_NAME_VARIABLE,
    BadClusterName,
    chosen_cluster_name,
    kubeconfig_path,
)
from kindlab.cluster.inventory import app_replicas, node_states, running_clusters
from kindlab.core.errors import KindlabError
from kindlab.core.output import say
from kindlab.host.docker_engine import DockerUnavailable, ensure_docker


def up(name: str, airgap: bool | None) -> int:
    # The host's report first: a missing piece stops here, not twenty minutes into a build.
    # Go only warns: a warm cache needs none, and a build that would says so itself.
    require_ready(name, go_required=False)
    ensure_docker()
    platform = resolve_platform(airgap)
    urls = BringUp(platform, name, with_optional=True).everything()
    port = urls.ingress.rsplit(":", 1)[1]
    lines = [
        f"The lab is up (cluster {name!r}, {'air-gapped' if platform.airgap else 'online'}).",
        f"  {'App:':<17} curl -H 'Host: {urls.ingress_host}' {urls.ingress}/version",
        f"  {'':<17} (a browser: http://{urls.ingress_host}:{port}/)",
    ]
    for addon in ADDONS:
        if addon.service:
            shown = urls.urls.get(addon.name, "not deployed (no image for it on this host)")
            lines.append(f"  {addon.title + ':':<17} {shown}")
        elif addon.usage:
            lines.append(f"  {addon.title + ':':<17} {addon.usage}")
    lines += [
        f"  {'kubectl:':<17} export KUBECONFIG={kubeconfig_path(name)}",
        f"  {'':<17} alias kubectl={platform.kubectl}",
    ]
    print("\n".join(lines))
    return 0


def down(name: str, airgap: bool | None) -> int:
    """Delete the cluster; needs Docker only, builds nothing."""
    ensure_docker()
    if not delete_cluster(name):
        say(f"no cluster named {name!r}: nothing to delete")
    return 0


def status(name: str, airgap: bool | None) -> int:
    """Which kind clusters run here, and whether cluster `name` serves the app.

    Read from Docker and the API server only, so it answers at once and builds nothing.
    """
    ensure_docker()
    print(f"kind clusters on this Docker host: {', '.join(running_clusters()) or 'none'}")
    nodes = node_states(name)
    if not nodes:
        print(f"cluster {name!r}: not created (kindlab up --name {name})")
        return 1
    print(f"cluster {name!r}: " + ", ".join(f"{node} {state}" for node, state in nodes.items()))
    kubeconfig = kubeconfig_path(name)
    if not kubeconfig.is_file():
        print(f"  no kubeconfig at {kubeconfig}: run `kindlab up --name {name}` to re-export it")
        return 1
    ready = app_replicas(kubeconfig)
    print(f"  kubeconfig: {kubeconfig}")
    print(f"  app: {ready}")
    return 0 if ready.startswith("serving") else 1


VERBS: dict[str, Callable[[str, bool | None], int]] = {"up": up, "down": down, "status": status}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kindlab", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=VERBS)
    parser.add_argument(
        "--name", help=f"kind cluster name (default: ${CLUSTER_NAME_VARIABLE}, else kindlab)"
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--airgap", dest="airgap", action="store_true", default=None)
    mode.add_argument("--online", dest="airgap", action="store_false")
    args = parser.parse_args(argv)
    try:
        # Before anything is built or deleted: a name is a path under .pytest-kind/.
        name = chosen_cluster_name(args.name)
    except BadClusterName as exc:
        print(f"kindlab: {exc}", file=sys.stderr)
        return 2
    try:
        return VERBS[args.command](name, args.airgap)
    except DockerUnavailable as exc:
        print(f"kindlab: Docker is required: {exc}", file=sys.stderr)
    except KindlabError as exc:
        print(f"kindlab: {args.command} failed: {exc}", file=sys.stderr)
    except ApiException as exc:
        print(f"kindlab: the API server refused a request: {exc.status} {exc.reason}: "
              f"{(exc.body or '')[:300]}", file=sys.stderr)  # fmt: skip
    except subprocess.CalledProcessError as exc:
        print(f"kindlab: {' '.join(map(str, exc.cmd))} failed: {exc.stderr or ''}".strip(),
              file=sys.stderr)  # fmt: skip
    except KeyboardInterrupt:
        print("kindlab: interrupted", file=sys.stderr)
        return 130
    return 2

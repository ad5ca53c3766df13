"""`python -m kindlab up|down` (`tox -e up`, `tox -e down`): the lab cluster, for people.

`up` is idempotent: a second run reuses the cluster, re-applies what changed and brings the
app back to its committed, healthy state. Tool failures end in one clear line, not a
traceback; a bug still shows its traceback.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from kubernetes.client.exceptions import ApiException

from kindlab import cgroups
from kindlab.cluster.addon_registry import ADDONS
from kindlab.cluster.bringup import BringUp
from kindlab.cluster.lifecycle import default_cluster_name, kubeconfig_path
from kindlab.cluster.platform import resolve_platform
from kindlab.docker_engine import DockerUnavailable, ensure_docker
from kindlab.errors import KindlabError
from kindlab.progress import say, step

KIND_CLUSTER_LABEL = "io.x-k8s.kind.cluster"


def up(name: str, airgap: bool | None) -> int:
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
    """Delete the cluster's node containers; needs Docker only, builds nothing.

    kind labels every node container with its cluster's name, and deleting those containers
    (and the kubeconfig) is all `kind delete cluster` does, so a new machine with nothing
    built yet answers at once.
    """
    ensure_docker()
    nodes = subprocess.run(
        ["docker", "ps", "-aq", "--no-trunc", "--filter", f"label={KIND_CLUSTER_LABEL}={name}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    kubeconfig_path(name).unlink(missing_ok=True)
    if not nodes:
        say(f"no cluster named {name!r}: nothing to delete")
        return 0
    remove = ["docker", "rm", "-f", "-v", *nodes]
    with step(f"Deleting cluster {name!r} ({len(nodes)} node container(s))"):
        first = subprocess.run(remove, check=False, capture_output=True, text=True)
        if first.returncode != 0:
            thawed = sum(cgroups.thaw(node) for node in nodes)
            say(f"docker rm failed ({first.stderr.strip()[:160]}); thawed {thawed} frozen cgroups")
            subprocess.run(remove, capture_output=True, check=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kindlab", description=__doc__)
    parser.add_argument("command", choices=("up", "down"))
    parser.add_argument("--name", default=default_cluster_name(), help="kind cluster name")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--airgap", dest="airgap", action="store_true", default=None)
    mode.add_argument("--online", dest="airgap", action="store_false")
    args = parser.parse_args(argv)
    try:
        return {"up": up, "down": down}[args.command](args.name, args.airgap)
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


if __name__ == "__main__":
    raise SystemExit(main())

"""`python -m kindlab.lab up|down`: the lab cluster with everything deployed, for people.

`up` is idempotent: a second run reuses the cluster and re-applies what changed.
"""

from __future__ import annotations

import argparse
import sys

from kindlab.cluster import stack
from kindlab.cluster.platform import resolve_platform
from kindlab.docker_engine import DockerUnavailable, ensure_docker
from kindlab.progress import say


def up(name: str, airgap: bool | None) -> int:
    ensure_docker()
    platform = resolve_platform(airgap)
    lab = stack.start_cluster(platform, name)
    urls = stack.deploy_addons(lab, with_grafana=True)
    stack.deploy_app(lab, stack.build_app_image())
    stack.wait_until_routed(urls)
    kubeconfig = stack.kubeconfig_path(name)
    lines = [
        f"The lab is up (cluster {name!r}, {'air-gapped' if platform.airgap else 'online'}).",
        f"  App:        curl -H 'Host: {urls.ingress_host}' {urls.ingress}/version",
        f"              (a browser: http://{urls.ingress_host}:{urls.ingress.rsplit(':', 1)[1]}/)",
        f"  Prometheus: {urls.prometheus}",
        f"  Grafana:    {urls.grafana or 'not deployed (no Grafana image on this host)'}",
        f"  kubectl:    export KUBECONFIG={kubeconfig}",
        f"              alias kubectl={platform.kubectl}",
    ]
    print("\n".join(lines))
    return 0


def down(name: str, airgap: bool | None) -> int:
    ensure_docker()
    platform = resolve_platform(airgap)
    if not stack.cluster_exists(platform, name):
        say(f"no cluster named {name!r}: nothing to delete")
        return 0
    lab_kind = stack.KindCluster(name, kind_path=platform.kind, kubectl_path=platform.kubectl)
    lab_kind.delete()
    say(f"cluster {name!r} deleted")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kindlab.lab", description=__doc__)
    parser.add_argument("command", choices=("up", "down"))
    parser.add_argument("--name", default=stack.DEFAULT_CLUSTER_NAME, help="kind cluster name")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--airgap", dest="airgap", action="store_true", default=None)
    mode.add_argument("--online", dest="airgap", action="store_false")
    args = parser.parse_args(argv)
    try:
        return {"up": up, "down": down}[args.command](args.name, args.airgap)
    except DockerUnavailable as exc:
        print(f"kindlab: Docker is required: {exc}", file=sys.stderr)
        return 2
    except stack.PortTaken as exc:
        print(f"kindlab: cannot create the cluster: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())

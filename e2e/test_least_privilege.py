"""Least privilege, asked of the running cluster (issue 23, finding 7): what the lint tier
proves from the manifests (tests/lint/test_traefik_rbac.py, test_prometheus_lifecycle.py),
here answered by the API server's authorizer and by Prometheus itself. About 3 s.
"""

from __future__ import annotations

import time

import pytest
import requests

pytestmark = pytest.mark.e2e

TRAEFIK = "system:serviceaccount:traefik:traefik"


def can_i(kube, *args: str) -> str:
    """kubectl auth can-i's answer ("yes"/"no"); it exits 1 on "no"."""
    return kube.kubectl("auth", "can-i", *args, check=False).strip()


def test_traefik_cannot_read_secrets_cluster_wide(deployed_app):
    kube = deployed_app.kube
    assert can_i(kube, "list", "secrets", "--all-namespaces", f"--as={TRAEFIK}") == "no"
    assert can_i(kube, "get", "secrets", "-n", "kube-system", f"--as={TRAEFIK}") == "no"
    # What it needs where it serves: the app's namespace.
    assert can_i(kube, "list", "ingresses", "-n", "kindlab", f"--as={TRAEFIK}") == "yes"


def test_quit_on_the_published_prometheus_url_does_not_stop_it(prom):
    reply = requests.post(f"{prom.base_url}/-/quit", timeout=10)
    assert reply.status_code == 403, reply.text
    time.sleep(2)
    assert prom.ready()

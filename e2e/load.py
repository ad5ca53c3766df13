"""The load every traffic scenario runs under: production-like rate through the ingress.

200 requests/s over keep-alive connections is what the whole stack carries comfortably on a
2-core machine (about 350/s saturates it); a rollout's traffic lasts at least long enough for
10,000 requests, so "zero failed" means something.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from kindlab.clients.ingress import IngressClient
from kindlab.cluster.kube import Kube
from kindlab.core import wait
from kindlab.drills import appops, autoscaling
from kindlab.load.traffic import TrafficReport, traffic

RATE = 200.0
# vegeta holds the rate exactly; a shortfall means the generator or the machine choked.
MIN_RATE = 0.95 * RATE
ROLLOUT_REQUESTS = 10_000
# The kind overlay's replica count: the scenarios start from it.
REPLICAS = 3


def hold_replicas(kube: Kube) -> None:
    """Pause the autoscaler (restore_app brings it back) and go back to REPLICAS pods: under
    load it adds pods (or already has, from the previous test's load), and the scenarios
    count pods."""
    autoscaling.pause(kube)
    if appops.replicas(kube) != REPLICAS:
        appops.scale(kube, REPLICAS)
        wait.wait_for(appops.settled(kube, REPLICAS), f"{REPLICAS} pods", timeout=180)


@contextmanager
def production_load(
    kube: Kube, ingress: IngressClient, min_requests: int = 0, **request: bytes | str
) -> Iterator[TrafficReport]:
    """Traffic at RATE for the block, held on afterwards until `min_requests` were sent;
    ready pods are sampled once a second beside it. The replicas are held (hold_replicas)."""
    hold_replicas(kube)
    with traffic(ingress, rate=RATE, observe=lambda: appops.ready_pods(kube), **request) as report:
        # After the machine's load slot was granted: a wait for it sent nothing.
        started = time.monotonic()
        yield report
        remaining = min_requests / RATE - (time.monotonic() - started)
        if remaining > 0:
            time.sleep(remaining + 1)

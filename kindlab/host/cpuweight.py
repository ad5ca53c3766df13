"""A tier that shares the machine with a measuring one gives way to it on the CPU.

On our 2-core machines the labs tier's cluster runs beside the gitlab tier's e2e job, whose
cluster (in Docker-in-Docker) is where requests dropped in a rollout are counted at 200/s.
The load slot (kindlab.host.loadslot) keeps two loads apart, but not a lab's rollouts and pod
restarts: starved of CPU, the e2e job's cluster timed out requests no pod dropped (s13c: 507
of 10,197 at 5 s while lab 6 recreated its pods; Traefik's own readiness probe timed out).

A tier run with KINDLAB_YIELD_CPU=1 gives way: its cluster's node containers get a quarter of
Docker's default CPU weight (cgroup cpu.shares 256 of 1024), and its own processes (pytest,
kubectl, vegeta, the docker CLI) run at nice 10. Weights only matter when the CPU is short:
alone, nothing is slower. Beside the e2e job the labs tier does get slower, and weights alone
did not keep pod churn away from the e2e job's traffic (s14c); the lab self-tests hold the load
slot while they replace pods for that (labs/tests/test_labs.py).
"""

from __future__ import annotations

import os

from kindlab.core.output import say
from kindlab.core.process import run

YIELD_VARIABLE = "KINDLAB_YIELD_CPU"
NODE_CPU_SHARES = 256
NICENESS = 10


def yielding() -> bool:
    return os.environ.get(YIELD_VARIABLE) == "1"


def give_way_if_told(node_containers: list[str]) -> None:
    """Lower the nodes' CPU weight and this process's priority (its children inherit it).
    Called once the tier's cluster serves: made while the machine is busiest (the first
    minutes of `tox -m ci`), its bring-up took 200 s instead of 125 giving way (s14b), before
    any measurement of the e2e job's had begun."""
    if not yielding():
        return
    run(["docker", "update", "--cpu-shares", str(NODE_CPU_SHARES), *node_containers])
    raised = NICENESS - os.getpriority(os.PRIO_PROCESS, 0)
    if raised > 0:
        os.nice(raised)
    say(
        f"giving way on the CPU ({YIELD_VARIABLE}=1): nodes {', '.join(node_containers)} at "
        f"cpu.shares {NODE_CPU_SHARES} of 1024, this run at nice {NICENESS}"
    )

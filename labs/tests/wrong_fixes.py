"""Wrong fixes, per lab, as a learner errs: each is applied on top of the lab's start state
and must fail the check at the named step, with a message that names the symptom.

"Re-apply the committed overlay" (what `tox -e up` does, and what a search for "make it healthy
again" suggests) is in every lab whose fix is an edit of manifests: the lab's faults are gone
from the cluster, and still nothing was learnt, so the check must not pass.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kindlab.bringup.appdeploy import APP_OVERLAY
from kindlab.cluster.names import APP_NAME, APP_NAMESPACE, APP_TAG
from kindlab.core import wait
from kindlab.drills import appops
from labs import actions, catalog, facts
from labs.session import Session


@dataclass(frozen=True)
class WrongFix:
    what: str
    apply: Callable[[Session], None]
    step: str
    symptom: str
    # Tried on the solved lab instead of the start state: lab 8's drills leave failures in
    # Prometheus's [1m] windows for a minute, which the passing check would wait out first;
    # after the passing check (whose alert has resolved) they cost nothing.
    after_solution: bool = False


def workspace(session: Session, number: int) -> Path:
    return session.workspace(catalog.get(number).slug)


def edit(session: Session, number: int, name: str, *changes: tuple[str, str]) -> Path:
    path = workspace(session, number) / name
    text = path.read_text()
    for old, new in changes:
        assert old in text, f"{name} has no {old!r}: update labs/tests/wrong_fixes.py"
        text = text.replace(old, new)
    path.write_text(text)
    return path


def apply_workspace(session: Session, number: int) -> None:
    actions.kubectl_apply(session, workspace(session, number))


def reapply_overlay(session: Session) -> None:
    """`kubectl apply -k k8s/overlays/kind`, as the learner would type it."""
    session.kube.kubectl("apply", "-k", str(APP_OVERLAY))


def tox_up(session: Session) -> None:
    """The app step of `tox -e up`: the committed overlay put back whole, rolled out."""
    session.bringup.app(actions.app_image(APP_TAG))


def reference_file(number: int, name: str) -> str:
    return (catalog.get(number).folder / "solution" / name).read_text()


def lab3_readiness_only(session: Session) -> None:
    edit(session, 3, "probes.yaml", ("path: /readyz", "path: /ready"))
    apply_workspace(session, 3)


def lab3_readiness_on_health(session: Session) -> None:
    edit(
        session,
        3,
        "probes.yaml",
        ("path: /ready\n", "path: /health\n"),
        ("port: 8080", "port: http"),
    )
    apply_workspace(session, 3)


def lab4_selector_only(session: Session) -> None:
    edit(session, 4, "service.yaml", ("app: kindlab-app", "app.kubernetes.io/name: kindlab-app"))
    apply_workspace(session, 4)


def lab7_target_only(session: Session) -> None:
    edit(session, 7, "hpa.yaml", ("name: kindlab\n", "name: kindlab-app\n"))
    apply_workspace(session, 7)


def lab9_diagnosis(session: Session) -> None:
    (workspace(session, 9) / "diagnosis.yaml").write_text(reference_file(9, "diagnosis.yaml"))


def lab9_diagnosis_then_overlay(session: Session) -> None:
    lab9_diagnosis(session)
    reapply_overlay(session)


def lab9_symptom_as_cause(session: Session) -> None:
    edit(
        session,
        9,
        "diagnosis.yaml",
        ("last_termination_reason: OOMKilled", "last_termination_reason: CrashLoopBackOff"),
        ("exit_code: 137", "exit_code: 1"),
    )


def lab8_queries(session: Session) -> None:
    (workspace(session, 8) / "queries.yaml").write_text(reference_file(8, "queries.yaml"))


def lab8_summary_todo(session: Session) -> None:
    lab8_queries(session)
    text = reference_file(8, "alerts.yml")
    summary = text[text.index("summary:") :].splitlines()[0]
    (workspace(session, 8) / "alerts.yml").write_text(text.replace(summary, "summary: TODO"))


def lab8_never_fires(session: Session) -> None:
    """The project's own alert name (the lab invites reading it), an expression that cannot
    hold: a ratio of requests is never above 10."""
    lab8_queries(session)
    text = reference_file(8, "alerts.yml").replace("KindlabLabErrorRatio", "KindlabHighErrorRatio")
    (workspace(session, 8) / "alerts.yml").write_text(text.replace("> 0.1\n", "> 10\n"))


def lab2_apply_without_loading(session: Session) -> None:
    reapply_overlay(session)


def lab2_load_into_the_default_cluster(session: Session) -> None:
    """`kind load docker-image` without `--name`: kind's default cluster is called `kind`."""
    kind = str(session.platform.kind)
    subprocess.run([kind, "load", "docker-image", actions.app_image(APP_TAG)], check=False)


def lab5_undo_only(session: Session) -> None:
    appops.rollout_undo(session.kube)
    appops.wait_rolled_out(session.kube)


def lab5_strategy_only(session: Session) -> None:
    edit(session, 5, "rollout.yaml", ("maxUnavailable: 1", "maxUnavailable: 0"))
    apply_workspace(session, 5)
    appops.wait_rolled_out(session.kube)


def lab6_liveness_on_another_port(session: Session) -> None:
    edit(
        session,
        6,
        "probes.yaml",
        (
            "livenessProbe: null",
            "livenessProbe:\n            httpGet:\n              path: /health\n"
            "              port: 8080",
        ),
    )
    apply_workspace(session, 6)


def lab11_fault_switched_off(session: Session) -> None:
    """A hotfix on top of v3 instead of a rollback: the fault's env removed."""
    deployment = f"deployment/{APP_NAME}"
    session.kube.kubectl("set", "env", deployment, "-n", APP_NAMESPACE, "FAULT_STATUS_CODE-")
    appops.wait_rolled_out(session.kube)


def lab11_overlay_and_no_postmortem(session: Session) -> None:
    tox_up(session)
    start = catalog.get(11).folder / "start" / "postmortem.md"
    (workspace(session, 11) / "postmortem.md").write_text(start.read_text())


def lab11_release_time_as_detection(session: Session) -> None:
    lab = catalog.get(11)
    lab.solve(session)
    released = facts.read(session, lab)["released_at"]
    shipped = datetime.fromtimestamp(released, UTC).strftime("%H:%M")
    text = (workspace(session, 11) / "postmortem.md").read_text()
    detected = re.search(r"Detected: (\d\d:\d\d)", text)
    assert detected, "the reference postmortem gives Detected: HH:MM"
    edit(session, 11, "postmortem.md", (detected[0], f"Detected: {shipped}"))


def lab11_scale_to_zero_and_back(session: Session) -> None:
    """A "clean restart" after the rollback: `kubectl scale --replicas=0`, then back to 3."""
    lab11_reference_postmortem(session)
    kube = session.kube
    appops.scale(kube, 0)
    wait.wait_for(appops.settled(kube, 0), "every app pod gone", 180)
    appops.scale(kube, 3)
    appops.wait_rolled_out(kube)


def lab11_reference_postmortem(session: Session) -> None:
    catalog.get(11).solve(session)


OVERLAY = "re-apply the committed overlay (kubectl apply -k k8s/overlays/kind)"
NOT_YOURS = "the cluster does not run what"
WRONG_FIXES: dict[int, list[WrongFix]] = {
    2: [
        WrongFix(
            "kind load without --name (into a cluster called kind)",
            lab2_load_into_the_default_cluster,
            "image kindlab/app:local is in the cluster's node",
            "is not in the node",
        ),
        WrongFix(
            "apply the overlay without loading the image into the node",
            lab2_apply_without_loading,
            "image kindlab/app:local is in the cluster's node",
            "is not in the node",
        ),
    ],
    3: [
        WrongFix(OVERLAY, reapply_overlay, "the cluster runs your labs/work/03-probes", NOT_YOURS),
        WrongFix(
            "fix the readiness path, leave liveness as it was",
            lab3_readiness_only,
            "the liveness probe can tell a live container",
            "connection refused",
        ),
        WrongFix(
            "readiness on /health (it answers 200)",
            lab3_readiness_on_health,
            "the readiness probe can tell a ready pod",
            "keeps getting requests",
        ),
    ],
    4: [
        WrongFix(
            OVERLAY,
            reapply_overlay,
            "the cluster runs your labs/work/04-services-ingress",
            NOT_YOURS,
        ),
        WrongFix(
            "fix the selector only",
            lab4_selector_only,
            "Service port 80 forwards to a port the app pods listen on",
            "502 Bad Gateway",
        ),
    ],
    5: [
        WrongFix(
            "roll back, keep the team's rollout settings",
            lab5_undo_only,
            "the rollout keeps every Ready pod until its replacement is Ready",
            "capacity drops",
        ),
        WrongFix(
            "then fix maxUnavailable only",
            lab5_strategy_only,
            "pods keep serving while they leave the Service (preStop)",
            "before Traefik has heard it is going",
        ),
        # Last: an undo after it would bring the bad release back.
        WrongFix(OVERLAY, reapply_overlay, "release v2 is live on every pod", "release v2 is"),
    ],
    6: [
        WrongFix(
            OVERLAY, reapply_overlay, "the cluster runs your labs/work/06-self-healing", NOT_YOURS
        ),
        WrongFix(
            "liveness back, on a port nothing listens on",
            lab6_liveness_on_another_port,
            "the liveness probe can tell a live container",
            "connection refused",
        ),
    ],
    7: [
        WrongFix(
            "fix the scale target only",
            lab7_target_only,
            "the autoscaler keeps 3 to 8 replicas",
            "it keeps 1 to 1 replicas",
        ),
        WrongFix(
            "then run tox -e up", tox_up, "the cluster runs your labs/work/07-scaling", NOT_YOURS
        ),
    ],
    8: [
        WrongFix(
            "a rule whose summary is still TODO",
            lab8_summary_todo,
            "alerts.yml defines an alert with an expression",
            "a page would say nothing",
            after_solution=True,
        ),
        WrongFix(
            "the project's alert name with an expression that never holds",
            lab8_never_fires,
            "in the fault drill, the alert's condition holds",
            "cannot fire",
            after_solution=True,
        ),
    ],
    9: [
        WrongFix(
            "the right diagnosis, then " + OVERLAY,
            lab9_diagnosis_then_overlay,
            "the cluster runs your labs/work/09-resources",
            NOT_YOURS,
        ),
        WrongFix(
            "the symptom (CrashLoopBackOff) written as the cause",
            lab9_symptom_as_cause,
            "diagnosis.yaml names why the containers stop",
            "not what Kubernetes recorded",
        ),
    ],
    11: [
        WrongFix(
            "the fault switched off on v3 (kubectl set env ... FAULT_STATUS_CODE-)",
            lab11_fault_switched_off,
            "release v3 no longer runs",
            "still run release v3",
        ),
        WrongFix(
            "tox -e up as the rollback, and no postmortem",
            lab11_overlay_and_no_postmortem,
            "the postmortem says what broke, when monitoring saw it, and the fix",
            "still TODO",
            after_solution=True,
        ),
        WrongFix(
            "the postmortem gives the release's time as the detection time",
            lab11_release_time_as_detection,
            "the postmortem says what broke, when monitoring saw it, and the fix",
            "went out, not when seen",
            after_solution=True,
        ),
        WrongFix(
            "after the rollback, a clean restart: scaled to zero and back",
            lab11_scale_to_zero_and_back,
            "no request failed because of the recovery, since the release",
            "the recovery took capacity away",
            after_solution=True,
        ),
    ],
}

"""Lab 11, the capstone: an incident. `labctl start 11` starts steady traffic in the background
(it goes on between commands) and then ships release v3, broken on one route only: POST /data
answers 500 while the probes and GET /version stay healthy, so the rollout completes and only
monitoring shows the damage (KindlabHighErrorRatio fires; errors by endpoint name the route).
The learner rolls back without failing a request and writes the postmortem. The check reads
what the traffic met since the release, the alert's firing time as Prometheus recorded it,
and the learner's postmortem."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

from kindlab.clients.prom import PrometheusError
from kindlab.cluster.names import APP_NAMESPACE, APP_SELECTOR
from kindlab.core import wait
from kindlab.core.output import say
from kindlab.drills import appops
from kindlab.load.background import gaps
from kindlab.load.vegeta import Hit, Target
from labs import actions, checks, facts
from labs.framework import CheckContext, Lab, Step, StepFailed, Verdict, failed, passed
from labs.session import Session

RELEASE = "v3"
BROKEN_PATH = "/data"
RELEASE_ENV = {"FAULT_STATUS_CODE": "500", "FAULT_PATH": BROKEN_PATH}
ALERT = "KindlabHighErrorRatio"
# Requests/s of the steady traffic, taken in turn by GET /version and POST /data.
RATE = 8.0
POSTMORTEM = "postmortem.md"
REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
# "Now" for the users: the traffic of this many seconds after the app has settled.
FRESH_SECONDS = 8.0
SETTLE_TIMEOUT = 150
# No request sent for this long means the traffic stopped: nothing is known of that time.
GAP_SECONDS = 5.0
# The alert needs its [1m] window above 5 % and then `for: 1m`: about 80 s after the release.
FIRE_TIMEOUT = 240
# How far the postmortem's HH:MM may be from the alert's firing, in minutes: the minute it
# fired or the next. The release went out at least a minute before (the rule's `for: 1m`),
# so its time is never taken for the detection.
DETECTION_TOLERANCE_MINUTES = 1.0
FIELDS = ("Cause", "Detected", "Fix")
CLOCK = re.compile(r"\b([01]?\d|2[0-3]):([0-5]\d)\b")
ROLLED_BACK = re.compile(r"roll(ed|ing)?[ -]?back|rollout undo|\bundo\b", re.IGNORECASE)


def start(session: Session) -> None:
    actions.baseline(session)
    actions.ensure_image_in_node(session, RELEASE)
    actions.prepare_workspace(session, LAB)
    facts.forget(session, LAB)
    say(f"steady traffic: {RATE:g} requests/s, GET /version and POST {BROKEN_PATH} in turn")
    actions.steady_traffic(session).start(targets(session), RATE)
    facts.record(session, LAB, released_at=time.time(), release_before=_live_image(session))
    actions.ship_release(session, RELEASE, RELEASE_ENV)
    wait.wait_for(appops.only_release_left(session.kube, RELEASE), f"only {RELEASE} pods", 120)
    facts.record(session, LAB, incident_live_at=time.time())
    say(f"release {RELEASE} is live; the steady traffic goes on until another lab starts")


def targets(session: Session) -> list[Target]:
    base, host = session.ingress.base_url, session.ingress.host
    json_body = {"Content-Type": "application/json"}
    return [
        Target(f"{base}/version", host),
        Target(f"{base}{BROKEN_PATH}", host, "POST", b'{"order": 11}', json_body),
    ]


def _live_image(session: Session) -> str:
    return checks.app_container(checks.deployment(session.kube)).image


def solve(session: Session) -> None:
    """Wait for monitoring to notice (as the learner must), roll back while v3 is live (not
    again once it is gone: a second undo would bring it back), write the postmortem."""
    fired_at = wait_for_alert(session)
    if _runs_release(session):
        before = facts.read(session, LAB)["release_before"]
        appops.rollout_undo(session.kube, last_revision_of(session, before))
        appops.wait_rolled_out(session.kube)
    workspace = actions.use_reference(session, LAB)
    postmortem = workspace / POSTMORTEM
    detected = datetime.fromtimestamp(fired_at, UTC).strftime("%H:%M")
    postmortem.write_text(postmortem.read_text().replace("HH:MM", detected))


def wait_for_alert(session: Session) -> float:
    def fired() -> tuple[bool, str]:
        when = alert_fired_at(session)
        return when is not None, f"{ALERT} {'fired' if when else 'not firing yet'}"

    wait.wait_for(fired, f"{ALERT} to fire", FIRE_TIMEOUT, 5)
    return alert_fired_at(session) or 0.0


def alert_fired_at(session: Session) -> float | None:
    """When the alert first fired since the release, from Prometheus's ALERTS series; kept as
    a fact once seen, so a check long after still knows."""
    known = facts.read(session, LAB)
    if known.get("alert_fired_at"):
        return float(known["alert_fired_at"])
    released = float(known.get("released_at") or time.time())
    # Only evaluations since the release: an alert of an earlier lab may still have fired then.
    window = max(10, int(time.time() - released))
    firing = f'ALERTS{{alertname="{ALERT}", alertstate="firing"}}'
    first = session.prom.scalar(f"min(min_over_time(timestamp({firing})[{window}s:5s]))")
    if first is None:
        return None
    facts.record(session, LAB, alert_fired_at=first)
    return first


def last_revision_of(session: Session, image: str) -> int:
    """The latest Deployment revision that ran `image`: what a rollback goes to, even past
    revisions the learner made on top of the bad release."""
    sets = session.kube.apps.list_namespaced_replica_set(APP_NAMESPACE, label_selector=APP_SELECTOR)
    revisions = [
        int((rs.metadata.annotations or {}).get(REVISION_ANNOTATION, 0))
        for rs in sets.items
        if rs.spec.template.spec.containers[0].image == image
    ]
    if not revisions:
        raise StepFailed(f"no revision of the Deployment ran {image}")
    return max(revisions)


def _runs_release(session: Session) -> bool:
    return _live_image(session).endswith(f":{RELEASE}")


# --- the steps ----------------------------------------------------------------------------


def _traffic(ctx: CheckContext) -> list[Hit]:
    """The steady traffic since the release (read once per check)."""
    if "hits" not in ctx.memo:
        background = actions.steady_traffic(ctx.session)
        if not background.running():
            raise StepFailed(
                "the steady traffic is not running, so nothing tells what users see: "
                "`labctl start 11` starts the incident again"
            )
        ctx.memo["hits"] = background.hits()
    return ctx.memo["hits"]


def _injected(hit: Hit) -> bool:
    """The bad release's own answer (the incident), not one your actions caused."""
    return hit.status == 500 and "injected fault" in hit.body


def _shown_failure(hit: Hit) -> str:
    return f"HTTP {hit.status}" if hit.status else (hit.error or "no answer")


def _clock(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%H:%M:%S UTC")


def users_served(ctx: CheckContext) -> Verdict:
    kube = ctx.session.kube
    rollout = checks.rollout_complete(ctx)
    if not rollout.ok:
        return rollout
    replicas = checks.deployment(kube).spec.replicas
    wait.wait_for(appops.settled(kube, replicas), "replaced pods gone", SETTLE_TIMEOUT)
    since = time.time()
    time.sleep(FRESH_SECONDS)
    recent = [hit for hit in _traffic(ctx) if hit.sent_at >= since]
    bad = [hit for hit in recent if not 200 <= (hit.status or 0) < 300]
    if not recent:
        return failed(f"the steady traffic sent no request in the last {FRESH_SECONDS:g} s")
    if bad:
        kinds = sorted({_shown_failure(hit) for hit in bad})
        return failed(
            f"{len(bad)} of the {len(recent)} requests of the steady traffic in the last "
            f"{FRESH_SECONDS:g} s failed ({', '.join(kinds)}): users still get errors"
        )
    return passed(f"all {len(recent)} requests of the last {FRESH_SECONDS:g} s answered 2xx")


def release_gone(ctx: CheckContext) -> Verdict:
    image = _live_image(ctx.session)
    before = facts.read(ctx.session, LAB).get("release_before")
    if image.endswith(f":{RELEASE}"):
        return failed(
            f"the pods still run release {RELEASE} ({image}): the errors stopped, but the "
            "release that caused them is still what the Deployment ships"
        )
    if before and image != before:
        return failed(f"the pods run {image}, not the release before {RELEASE} ({before})")
    return passed(f"the pods run {image}, the release before {RELEASE}")


def nothing_dropped(ctx: CheckContext) -> Verdict:
    since = float(facts.read(ctx.session, LAB).get("incident_live_at") or 0)
    hits = [hit for hit in _traffic(ctx) if hit.sent_at >= since]
    stopped = gaps(hits, GAP_SECONDS)
    if stopped:
        start, end = stopped[0]
        return failed(
            f"the steady traffic stopped from {_clock(start)} to {_clock(end)}: what users met "
            "then is unknown; `labctl start 11` starts the incident again"
        )
    caused = [hit for hit in hits if not 200 <= (hit.status or 0) < 300 and not _injected(hit)]
    incident = sum(1 for hit in hits if _injected(hit))
    if caused:
        kinds = sorted({_shown_failure(hit) for hit in caused})
        return failed(
            f"{len(caused)} requests failed with {', '.join(kinds)} between "
            f"{_clock(caused[0].sent_at)} and {_clock(caused[-1].sent_at)}, besides the "
            f"{incident} answers of the bad release itself: the recovery took capacity away "
            "from users"
        )
    return passed(
        f"{len(hits)} requests since the release: {incident} failed by the bad release, "
        "none because of the recovery"
    )


def postmortem_fields(ctx: CheckContext) -> dict[str, str]:
    path = ctx.session.workspace(LAB.slug) / POSTMORTEM
    if not path.is_file():
        raise StepFailed(f"{path} is missing: `labctl reset 11` brings the template back")
    return parse_postmortem(path.read_text())


def parse_postmortem(text: str) -> dict[str, str]:
    """The text after `Cause:`, `Detected:` and `Fix:` up to the next of them, each joined
    into one line ("" for a field that is missing)."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        label, colon, rest = line.partition(":")
        if colon and label.strip().capitalize() in FIELDS:
            current = found.setdefault(label.strip().capitalize(), [])
            current.append(rest.strip())
        elif current is not None:
            current.append(line.strip())
    return {name: " ".join(found.get(name, [])).strip() for name in FIELDS}


def _minutes_apart(clock: re.Match[str], when: float) -> float:
    """Minutes between HH:MM and `when`, read as UTC or as this machine's local time."""
    written = int(clock[1]) * 60 + int(clock[2])
    apart = []
    for moment in (datetime.fromtimestamp(when, UTC), datetime.fromtimestamp(when).astimezone()):
        actual = moment.hour * 60 + moment.minute + moment.second / 60
        difference = abs(written - actual) % (24 * 60)
        apart.append(min(difference, 24 * 60 - difference))
    return min(apart)


def postmortem(ctx: CheckContext) -> Verdict:
    fields = postmortem_fields(ctx)
    todo = [name for name in FIELDS if checks.is_todo(fields[name]) or "TODO" in fields[name]]
    if todo:
        return failed(f"{POSTMORTEM}: {', '.join(todo)} still TODO")
    if BROKEN_PATH not in fields["Cause"] or RELEASE not in fields["Cause"]:
        return failed(
            "Cause: does not say which release broke and which requests failed (the route): "
            "a reader cannot tell who was hit, or what to look for next time"
        )
    clock = _detection(ctx, fields["Detected"])
    if not ROLLED_BACK.search(fields["Fix"]):
        return failed("Fix: does not say how the service came back (what was run?)")
    return passed(f"cause, detection at {clock} (the alert fired then) and fix")


def _detection(ctx: CheckContext, detected: str) -> str:
    """The postmortem's detection time, if it is when the alert fired (StepFailed if not)."""
    clock = CLOCK.search(detected)
    if clock is None:
        raise StepFailed("Detected: gives no time as HH:MM")
    try:
        fired_at = alert_fired_at(ctx.session)
    except PrometheusError as exc:
        raise StepFailed(f"could not read when {ALERT} fired from Prometheus: {exc}") from None
    if fired_at is None:
        raise StepFailed(
            f"{ALERT} has not fired since release {RELEASE}, so monitoring has detected nothing yet"
        )
    released = float(facts.read(ctx.session, LAB).get("released_at") or 0)
    if _minutes_apart(clock, fired_at) > DETECTION_TOLERANCE_MINUTES:
        if _minutes_apart(clock, released) <= 1:
            raise StepFailed(f"Detected: {clock[0]} is when {RELEASE} went out, not when seen")
        raise StepFailed(
            f"Detected: {clock[0]} is not when monitoring noticed: {ALERT}'s ALERTS series in "
            "Prometheus records when it fired"
        )
    return clock[0]


LAB = Lab(
    number=11,
    slug="11-incident",
    title="Incident: detect, roll back, write it up",
    teaches="finding a bad release from an alert and PromQL, a rollback under traffic, postmortems",
    difficulty="advanced",
    check_duration="~25 s",
    needs=("the lab cluster (tox -e up)", "labs 5 and 8 first"),
    steady_traffic=True,
    start=start,
    solve=solve,
    steps=(
        Step("users are served again: the steady traffic gets 2xx", users_served, hint="served"),
        Step(f"release {RELEASE} no longer runs", release_gone, hint="rollback"),
        Step(
            "no request failed because of the recovery, since the release",
            nothing_dropped,
            hint="dropped",
        ),
        Step(
            "the postmortem says what broke, when monitoring saw it, and the fix",
            postmortem,
            hint="postmortem",
        ),
    ),
)

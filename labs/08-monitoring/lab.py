"""Lab 8: monitoring. The learner writes PromQL for the four golden signals and an alert rule.
The checker loads the rule into the cluster's Prometheus (a ConfigMap it mounts optionally,
then POST /-/reload), proves the alert stays quiet on healthy traffic, runs a fault drill (two
of three pods answer 500, one of them slowly) during which the queries must match the reference
and the alert must fire, and then proves the alert resolves."""

from __future__ import annotations

import hashlib
import math
import re
import time
from typing import Any

import yaml

from kindlab.clients.prom import PrometheusError, RulesRejected
from kindlab.cluster.pods import is_ready
from kindlab.core import wait
from kindlab.core.output import say
from kindlab.drills import appops
from kindlab.load.traffic import TrafficGenerator
from labs import actions, checks
from labs.framework import CheckContext, Lab, Step, StepFailed, Verdict, failed, passed
from labs.session import Session

SIGNALS = ("traffic", "errors", "latency_p99", "saturation")
REFERENCE_FILE = "queries.yaml"
RULES_FILE = "alerts.yml"
MOUNTED_AS = "kindlab-lab8.yml"
REVISION_LABEL = "kindlab_lab_revision"
MAX_FOR_SECONDS = 60
RATE = 20.0
# Lab-only windows, short so that a check takes minutes: the project's own rules
# (monitoring/prometheus/rules) hold conditions for 1m to 5m over [1m] to [5m] windows, and a
# production alert would need longer calm to prove it quiet. A rule firing on healthy traffic
# is pending at its first evaluation (every 5 s), so 10 s of calm tells; the drill waits at
# least DRILL_WARMUP_SECONDS and until the error ratio passes WARM_RATIO.
QUIET_SECONDS = 10
DRILL_WARMUP_SECONDS = 10
# Twice the alert's threshold: the [1m] window still holds healthy traffic from before the
# drill, so the ratio climbs towards its steady ~0.45 for a minute; at 0.2 an alert on
# "above 0.1" must already hold.
WARM_RATIO = 0.2
FIRE_TIMEOUT = 150
RESOLVE_TIMEOUT = 180
# Two expressions that say the same thing give the same number on the same data; these bounds
# only absorb different but equivalent ways of writing it (and float rounding).
TOLERANCE = {"traffic": 1.0, "errors": 0.05, "latency_p99": 0.05, "saturation": 0.1}
RELATIVE_TOLERANCE = 0.15


def start(session: Session) -> None:
    actions.baseline(session)
    actions.prepare_workspace(session, LAB)


def solve(session: Session) -> None:
    workspace = actions.use_reference(session, LAB)
    load_rules(session, yaml.safe_load((workspace / RULES_FILE).read_text()))


def reference() -> dict[str, str]:
    return yaml.safe_load((LAB.folder / "solution" / REFERENCE_FILE).read_text())


# --- the learner's files -------------------------------------------------------------------


def _queries(ctx: CheckContext) -> dict[str, str]:
    given = checks.read_yaml_answers(ctx.session.workspace(LAB.slug) / REFERENCE_FILE)
    return {signal: str(given.get(signal, "")).strip() for signal in SIGNALS}


def queries_written(ctx: CheckContext) -> Verdict:
    queries = _queries(ctx)
    todo = [s for s in SIGNALS if checks.is_todo(queries[s])]
    if todo:
        return failed(f"queries.yaml still has TODO for: {', '.join(todo)}")
    return passed(f"queries for {', '.join(SIGNALS)}")


def queries_valid(ctx: CheckContext) -> Verdict:
    prom = ctx.session.prom
    for signal, expr in _queries(ctx).items():
        try:
            prom.query(expr)
        except PrometheusError as exc:
            return failed(f"{signal}: Prometheus rejects it: {exc}")
    return passed("Prometheus parses all four")


def _rules(ctx: CheckContext) -> dict[str, Any]:
    path = ctx.session.workspace(LAB.slug) / RULES_FILE
    if not path.is_file():
        raise StepFailed(f"{path} is missing: `labctl reset 8` brings the start file back")
    try:
        document = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise StepFailed(f"{RULES_FILE} is not valid YAML: {exc}") from None
    return document if isinstance(document, dict) else {}


def alert_names(document: dict[str, Any]) -> list[str]:
    return [
        rule["alert"]
        for group in document.get("groups") or []
        for rule in group.get("rules") or []
        if isinstance(rule, dict) and "alert" in rule
    ]


def rules_written(ctx: CheckContext) -> Verdict:
    document = _rules(ctx)
    groups = document.get("groups")
    if not isinstance(groups, list) or not groups:
        return failed(f"{RULES_FILE} needs a top-level `groups:` list, as in the start file")
    alerts = [
        rule
        for group in groups
        for rule in (group.get("rules") or [])
        if isinstance(rule, dict) and "alert" in rule
    ]
    if not alerts:
        return failed(f"{RULES_FILE} defines no alert rule (`- alert: Name` with an `expr:`)")
    for rule in alerts:
        name = rule["alert"]
        if checks.is_todo(rule.get("expr")):
            return failed(f"alert {name}: its expr is still TODO")
        summary = (rule.get("annotations") or {}).get("summary")
        if checks.is_todo(summary):
            return failed(f"alert {name}: its summary is still TODO, so a page would say nothing")
        waiting = _seconds(str(rule.get("for", "0s")))
        if waiting is None or waiting > MAX_FOR_SECONDS:
            return failed(f"alert {name}: `for: {rule.get('for')}` must be at most 1m here")
    return passed(f"alerts: {', '.join(alert_names(document))}")


def _seconds(duration: str) -> float | None:
    """A Prometheus duration ("15s", "1m", "1m30s") in seconds; None if it is not one."""
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
    parts = re.findall(r"(\d+)(ms|s|m|h|d|w|y)", duration)
    if not parts or "".join(n + u for n, u in parts) != duration.strip():
        return None
    return sum(int(n) * units[u] for n, u in parts)


def load_rules(session: Session, document: dict[str, Any]) -> str:
    """Hand the rules to Prometheus, tagged with a revision label so that the rules it then
    reports are provably this version of the file; returns that revision."""
    text = yaml.safe_dump(document, sort_keys=False)
    revision = hashlib.sha256(text.encode()).hexdigest()[:12]
    for group in document.get("groups") or []:
        for rule in group.get("rules") or []:
            if isinstance(rule, dict) and "alert" in rule:
                rule.setdefault("labels", {})[REVISION_LABEL] = revision
    actions.set_lab_rules(session, yaml.safe_dump(document, sort_keys=False), MOUNTED_AS)

    def loaded() -> tuple[bool, str]:
        session.prom.reload()
        groups = session.prom.rule_groups_by_file().get(MOUNTED_AS, [])
        revisions = {
            rule.get("labels", {}).get(REVISION_LABEL) for g in groups for rule in g["rules"]
        }
        return revisions == {revision}, f"loaded revisions {sorted(map(str, revisions))}"

    wait.wait_for(loaded, f"Prometheus to load {RULES_FILE}", 120, interval=2)
    return revision


def rules_loaded(ctx: CheckContext) -> Verdict:
    session = ctx.session
    document = _rules(ctx)
    try:
        ctx.memo["revision"] = load_rules(session, document)
    except RulesRejected as exc:
        # Leave Prometheus with rules it can load: a rejected file would fail every reload.
        actions.set_lab_rules(session, None, MOUNTED_AS)
        return failed(f"Prometheus refuses {RULES_FILE}: {exc}")
    ctx.memo["alerts"] = alert_names(document)
    ctx.memo["exprs"] = {
        rule["alert"]: str(rule["expr"])
        for group in document.get("groups") or []
        for rule in group.get("rules") or []
        if isinstance(rule, dict) and "alert" in rule
    }
    return passed(f"Prometheus evaluates {', '.join(ctx.memo['alerts'])} every 5 s")


# --- the drill -----------------------------------------------------------------------------


def _alert_states(ctx: CheckContext) -> dict[str, str]:
    """alertname -> pending/firing for the learner's alerts that are active now: only those of
    the rules loaded from their file (the revision label), never the project's own rules of
    the same name."""
    revision = ctx.memo["revision"]
    series = ctx.session.prom.query(f'ALERTS{{{REVISION_LABEL}="{revision}"}}')
    return {s["metric"]["alertname"]: s["metric"]["alertstate"] for s in series}


def condition_holds(ctx: CheckContext) -> Verdict:
    """During the drill, each of the learner's alert expressions returns something: an
    expression that returns nothing while requests fail can never fire, whatever its name."""
    prom = ctx.session.prom
    silent = [name for name, expr in ctx.memo["exprs"].items() if not prom.query(expr)]
    if silent:
        return failed(
            f"with two of three pods answering 500, the expression of {', '.join(silent)} "
            "returns nothing: that alert cannot fire"
        )
    return passed(f"the expressions of {', '.join(ctx.memo['exprs'])} hold during the drill")


def _traffic(ctx: CheckContext) -> TrafficGenerator:
    if "traffic" not in ctx.memo:
        generator = TrafficGenerator(ctx.session.ingress, rate=RATE)
        generator.start()
        ctx.memo["traffic"] = generator
        ctx.defer(generator.stop)
    return ctx.memo["traffic"]


def quiet(ctx: CheckContext) -> Verdict:
    _traffic(ctx)
    started = time.monotonic()

    def calm() -> tuple[bool, str]:
        active = _alert_states(ctx)
        elapsed = time.monotonic() - started
        return elapsed >= QUIET_SECONDS and not active, f"{elapsed:.0f}s, active: {active}"

    try:
        wait.wait_for(calm, "healthy traffic with your alert quiet", QUIET_SECONDS + 90, 2)
    except wait.WaitTimeout:
        return failed(
            f"with every request answered 200, {_alert_states(ctx)} stayed active for "
            f"{QUIET_SECONDS + 90} s: the alert must only fire when requests fail"
        )
    return passed(f"{QUIET_SECONDS} s of healthy traffic at {RATE:g}/s: no alert")


def _break_pods(ctx: CheckContext) -> None:
    kube = ctx.session.kube
    pods = [p.metadata.name for p in checks.current_pods(kube) if is_ready(p)]
    if len(pods) < 3:
        raise StepFailed(f"the drill needs 3 Ready app pods, there are {len(pods)}")
    slow, failing = pods[0], pods[1]
    appops.inject_fault(kube, slow, status_code=500, delay_seconds=0.3)
    appops.inject_fault(kube, failing, status_code=500)
    ctx.memo["broken"] = [slow, failing]
    ctx.defer(lambda: _heal(ctx))


def _heal(ctx: CheckContext) -> None:
    for pod in ctx.memo.pop("broken", []):
        try:
            appops.inject_fault(ctx.session.kube, pod, status_code=None, delay_seconds=0)
        except Exception as exc:  # the pod may be gone; cleaning up must not fail the check
            say(f"could not clear the faults of {pod}: {exc}")


def queries_match(ctx: CheckContext) -> Verdict:
    _traffic(ctx)
    _break_pods(ctx)
    prom = ctx.session.prom
    wanted = reference()
    started = time.monotonic()

    def warmed_up() -> tuple[bool, str]:
        ratio = prom.scalar(wanted["errors"])
        elapsed = time.monotonic() - started
        ready = elapsed >= DRILL_WARMUP_SECONDS and ratio is not None and ratio > WARM_RATIO
        return ready, f"{elapsed:.0f}s into the drill, error ratio {ratio}"

    wait.wait_for(warmed_up, "the drill's failures to show in Prometheus", 120, 2)
    at = time.time()
    shown, wrong = [], []
    for signal, expr in _queries(ctx).items():
        mine = _one_number(prom.query(expr, at))
        theirs = _one_number(prom.query(wanted[signal], at))
        if isinstance(mine, str):
            wrong.append(f"{signal}: {mine}")
            continue
        assert not isinstance(theirs, str), theirs
        shown.append(f"{signal} {mine:.3g}")
        limit = max(TOLERANCE[signal], RELATIVE_TOLERANCE * abs(theirs))
        if not math.isfinite(mine) or abs(mine - theirs) > limit:
            wrong.append(f"{signal} is {mine:.3g}, the reference says {theirs:.3g}")
    if wrong:
        return failed("; ".join(wrong))
    return passed(f"two of three pods failing: {', '.join(shown)}")


def _one_number(result: list[dict]) -> float | str:
    if not result:
        return "returns nothing (no series matched)"
    if len(result) > 1:
        labels = [r["metric"] for r in result[:3]]
        return f"returns {len(result)} series ({labels}...), not one number: aggregate them"
    return float(result[0]["value"][1])


def fires(ctx: CheckContext) -> Verdict:
    started = time.monotonic()

    def firing() -> tuple[bool, str]:
        states = _alert_states(ctx)
        return "firing" in states.values(), f"alerts {states or 'inactive'}"

    try:
        wait.wait_for(firing, "your alert to fire", FIRE_TIMEOUT, 2)
    except wait.WaitTimeout:
        return failed(
            f"after {FIRE_TIMEOUT} s with two of three pods answering 500, your alert is "
            f"{_alert_states(ctx) or 'not even pending'}"
        )
    return passed(f"firing {time.monotonic() - started:.0f} s later (states {_alert_states(ctx)})")


def resolves(ctx: CheckContext) -> Verdict:
    _heal(ctx)
    started = time.monotonic()

    def resolved() -> tuple[bool, str]:
        states = _alert_states(ctx)
        return not states, f"alerts {states or 'inactive'}"

    try:
        wait.wait_for(resolved, "your alert to resolve", RESOLVE_TIMEOUT, 2)
    except wait.WaitTimeout:
        return failed(
            f"{RESOLVE_TIMEOUT} s after every pod answers 200 again, your alert is still "
            f"{_alert_states(ctx)}"
        )
    return passed(f"resolved {time.monotonic() - started:.0f} s after the pods were healed")


LAB = Lab(
    number=8,
    slug="08-monitoring",
    title="Monitoring: golden signals and an alert",
    teaches="PromQL for the golden signals, alert rules",
    difficulty="advanced",
    check_duration="~2 min",
    needs=("the lab cluster (tox -e up)",),
    start=start,
    solve=solve,
    steps=(
        Step("queries.yaml has a query for each golden signal", queries_written, hint="queries"),
        Step("every query is valid PromQL", queries_valid, hint="valid"),
        Step("alerts.yml defines an alert with an expression", rules_written, hint="rule"),
        Step("Prometheus loads alerts.yml", rules_loaded, hint="loaded"),
        Step("with healthy traffic the alert stays quiet", quiet, hint="quiet"),
        Step("in a fault drill, each query matches the reference", queries_match, hint="drill"),
        Step("in the fault drill, the alert's condition holds", condition_holds, hint="fires"),
        Step("in the fault drill, the alert fires", fires, hint="fires"),
        Step("after the drill, the alert resolves", resolves, hint="resolves"),
    ),
)

"""Where an alert stands on its way rule → Prometheus → Alertmanager → receiver.

The alert drill (e2e/test_alerting.py) waits on these conditions in turn. Each is a named
condition for kindlab.core.wait, so a drill that stalls says at which hop and what it saw there.
The receiver is read through the API server's service proxy: it has no host port, and the
proxy reaches it the same way on a laptop and in Docker-in-Docker.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from kindlab.bringup import health
from kindlab.clients.alertmanager import Alertmanager
from kindlab.clients.prom import Prometheus
from kindlab.cluster.kube import Kube
from kindlab.core.output import say
from kindlab.core.wait import Condition, wait_for

RECEIVER_PATH = "/api/v1/namespaces/monitoring/services/alert-receiver:web/proxy/alerts"


def received(kube: Kube) -> dict[str, Any]:
    """What the alert receiver recorded: {"received": n, "notifications": [...]}."""
    return json.loads(kube.kubectl("get", "--raw", RECEIVER_PATH))


def notifications_since(kube: Kube, seq: int) -> list[dict[str, Any]]:
    """Notifications the receiver got after its `seq`-th one, oldest first."""
    return [n for n in received(kube)["notifications"] if n["seq"] > seq]


def alerts_in(notification: dict[str, Any], alertname: str, status: str) -> list[dict[str, Any]]:
    """The alerts of one webhook notification with that name and status (firing/resolved)."""
    return [
        alert
        for alert in notification["payload"]["alerts"]
        if alert["labels"].get("alertname") == alertname and alert["status"] == status
    ]


def rule_in_state(prom: Prometheus, alertname: str, *states: str) -> Condition:
    def check() -> tuple[bool, str]:
        state = prom.alert_state(alertname)
        return state in states, f"{alertname} is {state or 'not loaded'} in Prometheus"

    return check


def held_by_alertmanager(alertmanager: Alertmanager, alertname: str) -> Condition:
    def check() -> tuple[bool, str]:
        active = [a for a in alertmanager.alerts(alertname) if a["status"]["state"] == "active"]
        return bool(active), f"{len(active)} active {alertname} alert(s) in Alertmanager"

    return check


def notified(
    kube: Kube, alertname: str, status: str, after_seq: int, *, found: list, starts_at: str = ""
) -> Condition:
    """A notification about `alertname` in `status` arrived after `after_seq`; kept in `found`.

    `starts_at` narrows it to one episode of the alert: a late resolution of an earlier one
    must not count as this one's.
    """

    def check() -> tuple[bool, str]:
        news = notifications_since(kube, after_seq)
        matching = [
            a
            for n in news
            for a in alerts_in(n, alertname, status)
            if not starts_at or a["startsAt"] == starts_at
        ]
        found[:] = matching
        return bool(matching), f"{len(news)} new notification(s), {len(matching)} {status}"

    return check


def reached_anywhere(
    prom: Prometheus, alertmanager: Alertmanager, kube: Kube, alertname: str, after_seq: int
) -> list[str]:
    """Every hop at which `alertname` shows up: empty means it never fired at all."""
    hops = []
    if prom.alert_state(alertname) in {"pending", "firing"}:
        hops.append(f"Prometheus ({prom.alert_state(alertname)})")
    if alertmanager.alerts(alertname):
        hops.append("Alertmanager")
    if any(
        alerts_in(n, alertname, status)
        for n in notifications_since(kube, after_seq)
        for status in ("firing", "resolved")
    ):
        hops.append("the receiver")
    return hops


@dataclass
class AlertDrill:
    """Force 5xx on every app pod, follow `alertname` to the receiver, clear, follow it back.

    Phases are separate calls so that a caller can look in between (a browser on the
    Alertmanager UI while the alert fires, say); `seconds` holds each hop's time since the
    fault (firing side) or since the clear (resolving side). The caller keeps traffic flowing:
    an error ratio needs requests.
    """

    kube: Kube
    prom: Prometheus
    alertmanager: Alertmanager
    alertname: str
    timeout: float = 240
    seconds: dict[str, float] = field(default_factory=dict)
    firing: dict = field(default_factory=dict)
    resolved: dict = field(default_factory=dict)
    start_seq: int = 0
    _t0: float = 0.0

    def wait_quiet(self) -> None:
        """An earlier episode (another test's fault) must be over before this one starts."""
        wait_for(rule_in_state(self.prom, self.alertname, "inactive"), "a quiet start", 300, 2)
        self.start_seq = received(self.kube)["received"]

    def inject(self) -> None:
        say(f"drill: forcing status 500 in every app pod, following {self.alertname}")
        for pod in health.live_app_pods(self.kube):
            health.fault_call(self.kube, pod.metadata.name, "PUT", {"status_code": 500})
        self._t0 = time.monotonic()

    def wait_notified(self) -> dict:
        """Pending, firing, held by Alertmanager, then the receiver's firing notification."""
        self._hop("pending", rule_in_state(self.prom, self.alertname, "pending", "firing"))
        self._hop("firing", rule_in_state(self.prom, self.alertname, "firing"))
        self._hop("alertmanager", held_by_alertmanager(self.alertmanager, self.alertname))
        found: list = []
        self._hop(
            "notified", notified(self.kube, self.alertname, "firing", self.start_seq, found=found)
        )
        self.firing = found[0]
        return self.firing

    def clear(self) -> None:
        health.clear_faults(self.kube)
        self._t0 = time.monotonic()

    def wait_resolved(self) -> dict:
        """Inactive in Prometheus, then the receiver's resolved notification of this episode."""
        self._hop("inactive", rule_in_state(self.prom, self.alertname, "inactive"), "clear")
        found: list = []
        episode = self.firing.get("startsAt", "")
        condition = notified(
            self.kube, self.alertname, "resolved", self.start_seq, found=found, starts_at=episode
        )
        self._hop("resolved_notified", condition, "clear")
        self.resolved = found[0]
        return self.resolved

    def _hop(self, name: str, condition: Condition, since: str = "fault") -> None:
        wait_for(condition, f"{self.alertname}: {name}", self.timeout, 1)
        self.seconds[f"{since}_to_{name}"] = round(time.monotonic() - self._t0, 1)

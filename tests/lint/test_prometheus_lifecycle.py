"""POST /-/quit cannot stop the lab's Prometheus, and edited rules still load (issue 23).

The add-on's Prometheus is published on the host; with --web.enable-lifecycle, any web page a
person opened could POST /-/quit to it (a second one left it in CrashLoopBackOff). The pinned
Prometheus runs here with the add-on's own flags (read from its rendered Deployment): the
lifecycle endpoints answer 403 and it keeps running, while rule files still load by themselves
(kindlab.clients.prom.Prometheus.reload waits for that, and reports a file it keeps refusing).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from kindlab.clients.prom import Prometheus, RulesRejected

from .kustomize import by_kind
from .live import prometheus_with, wait_until

ADDON = "k8s/addons/prometheus"
# Paths and ports are the pod's; everything else is the add-on's behaviour.
OWN_FLAGS = ("--config.file", "--storage.tsdb.path", "--web.listen-address")
RULE = "groups:\n  - name: lab\n    rules:\n      - alert: {name}\n        expr: vector(1) > 2\n"
BROKEN_RULE = "groups:\n  - name: lab\n    rules:\n      - alert: Broken\n        expr: rate(\n"


def addon_flags(objects) -> list[str]:
    (deployment,) = by_kind(objects, "Deployment")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return [a for a in container["args"] if not a.startswith(OWN_FLAGS)]


@contextlib.contextmanager
def running(workdir: Path, flags: list[str]) -> Iterator[tuple[Prometheus, Path]]:
    """The pinned Prometheus with `flags`, its rules in a directory the test edits."""
    rules = workdir / "rules"
    rules.mkdir()
    config = {"global": {"evaluation_interval": "1s"}, "rule_files": [str(rules / "*.yml")]}
    with prometheus_with(workdir, config, tuple(flags)) as url:
        yield Prometheus(url), rules


def survives_quit(prom: Prometheus) -> tuple[int, bool]:
    """The status of POST /-/quit, and whether Prometheus still answers a moment later."""
    status = requests.post(f"{prom.base_url}/-/quit", timeout=10).status_code
    time.sleep(2)
    return status, prom.ready()


def refused(prom: Prometheus) -> bool:
    """Has Prometheus failed its last load? (reload() with no grace raises at once then)."""
    try:
        prom.reload(grace=0)
    except RulesRejected:
        return True
    return False


def test_quit_and_reload_are_refused_and_prometheus_keeps_running(rendered, tmp_path):
    with running(tmp_path, addon_flags(rendered[ADDON])) as (prom, _):
        assert requests.post(f"{prom.base_url}/-/reload", timeout=10).status_code == 403
        assert survives_quit(prom) == (403, True)


def test_edited_rules_load_by_themselves(rendered, tmp_path):
    with running(tmp_path, addon_flags(rendered[ADDON])) as (prom, rules):
        (rules / "lab.yml").write_text(RULE.format(name="LabAlert"))
        wait_until(lambda: "LabAlert" in prom.rule_names(), "the new rule to load", 30)
        prom.reload()
        (rules / "lab.yml").write_text(BROKEN_RULE)
        wait_until(lambda: refused(prom), "Prometheus to notice the broken file", 30)
        with pytest.raises(RulesRejected, match="failed to load its config and rule files"):
            prom.reload(grace=6)
        (rules / "lab.yml").write_text(RULE.format(name="Mended"))
        prom.reload()
        wait_until(lambda: "Mended" in prom.rule_names(), "the mended rule to load", 30)


def test_check_catches_the_lifecycle_api(rendered, tmp_path):
    """Negative control: the old flag back, and one POST stops Prometheus."""
    flags = [*addon_flags(rendered[ADDON]), "--web.enable-lifecycle"]
    with running(tmp_path, flags) as (prom, _):
        assert survives_quit(prom) == (200, False)

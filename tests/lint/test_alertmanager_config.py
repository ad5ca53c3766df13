"""amtool (of the pinned Alertmanager) accepts the lab's Alertmanager config, and its route
reaches the webhook receiver for the alerts our rules raise."""

from kindlab.core.paths import REPO_ROOT

from .tools import amtool, run

CONFIG = REPO_ROOT / "monitoring/alertmanager/alertmanager.yml"


def test_config_is_valid():
    result = run([amtool(), "check-config", str(CONFIG)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_page_is_routed_to_the_webhook_receiver():
    labels = ["alertname=KindlabHighErrorRatio", "severity=page", "signal=errors"]
    result = run([amtool(), "config", "routes", "test", f"--config.file={CONFIG}", *labels])
    assert result.returncode == 0 and result.stdout.strip() == "kindlab-webhook", result.stdout


def test_check_rejects_a_route_to_an_unknown_receiver(tmp_path):
    broken = tmp_path / "alertmanager.yml"
    broken.write_text(CONFIG.read_text().replace("receiver: kindlab-webhook", "receiver: pager"))
    result = run([amtool(), "check-config", str(broken)])
    assert result.returncode != 0 and "pager" in result.stdout + result.stderr

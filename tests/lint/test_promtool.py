"""promtool: both configs parse, the rules parse, and every alert's unit tests pass.

The promtool is the pinned Prometheus 3 build, Kubernetes discovery included, so the in-cluster
config is checked as it is, not only the compose one.
"""

import shutil

import yaml

from .rules import PROMETHEUS_DIR, RULE_FILES, RULE_TESTS, rules, untested_alerts
from .tools import promtool, run


def check_config(config, rule_dir):
    """promtool check config, with the rule glob pointed at `rule_dir` so the rules load too."""
    data = yaml.safe_load(config.read_text())
    data["rule_files"] = [str(rule_dir / "*.yml")]
    checked = config.with_name("checked-" + config.name)
    checked.write_text(yaml.safe_dump(data))
    return run([promtool(), "check", "config", str(checked)])


def test_compose_config_is_valid(tmp_path):
    config = tmp_path / "prometheus.yml"
    shutil.copy(PROMETHEUS_DIR / "prometheus.yml", config)
    result = check_config(config, PROMETHEUS_DIR / "rules")
    assert result.returncode == 0, result.stdout + result.stderr


def test_cluster_config_is_valid(tmp_path):
    config = tmp_path / "prometheus.yml"
    shutil.copy(PROMETHEUS_DIR / "prometheus-kubernetes.yml", config)
    result = check_config(config, PROMETHEUS_DIR / "rules")
    assert result.returncode == 0, result.stdout + result.stderr


def test_rules_are_valid():
    result = run([promtool(), "check", "rules", *map(str, RULE_FILES)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_rule_unit_tests_pass():
    result = run([promtool(), "test", "rules", *map(str, RULE_TESTS)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_fires_and_stays_silent_in_some_test():
    alerts = [rule["alert"] for rule in rules() if "alert" in rule]
    assert len(alerts) >= 4, "one alert per golden signal"
    docs = [yaml.safe_load(path.read_text()) for path in RULE_TESTS]
    assert untested_alerts(alerts, docs) == []


def test_promtool_checks_reject_broken_copies(tmp_path):
    broken = tmp_path / "prometheus"
    shutil.copytree(PROMETHEUS_DIR, broken)
    rule_file = broken / "rules" / RULE_FILES[0].name
    original = rule_file.read_text()

    # A threshold moved: the unit tests must notice that the error alert no longer fires.
    rule_file.write_text(original.replace("> 0.05", "> 0.5"))
    result = run([promtool(), "test", "rules", str(broken / "tests" / RULE_TESTS[0].name)])
    assert result.returncode != 0 and "KindlabHighErrorRatio" in result.stdout + result.stderr

    # A syntax error: check rules and check config both refuse it.
    rule_file.write_text(original.replace("sum by (le) (rate(", "sum by (le) (rate((", 1))
    result = run([promtool(), "check", "rules", str(rule_file)])
    assert result.returncode != 0, result.stdout
    result = check_config(broken / "prometheus.yml", broken / "rules")
    assert result.returncode != 0, result.stdout
    rule_file.write_text(original)

    # A pod discovery role that does not exist, and retention written as the 2.x flag's name.
    cluster = broken / "prometheus-kubernetes.yml"
    text = cluster.read_text()
    cluster.write_text(text.replace("- role: pod", "- role: pods", 1))
    result = check_config(cluster, broken / "rules")
    assert result.returncode != 0 and "pods" in result.stdout + result.stderr
    cluster.write_text(text.replace("retention:", "retention.time:", 1))
    result = check_config(cluster, broken / "rules")
    assert result.returncode != 0, result.stdout

    # An unknown config field.
    config = broken / "prometheus.yml"
    config.write_text(config.read_text().replace("scrape_interval:", "scrape_intervall:", 1))
    result = run([promtool(), "check", "config", str(config)])
    assert result.returncode != 0 and "scrape_intervall" in result.stdout + result.stderr

    # The silent case of one alert removed from the unit tests.
    doc = yaml.safe_load(RULE_TESTS[0].read_text())
    for test in doc["tests"]:
        test["alert_rule_test"] = [
            case
            for case in test["alert_rule_test"]
            if case["alertname"] != "KindlabTargetDown" or case["exp_alerts"]
        ]
    assert untested_alerts(["KindlabTargetDown"], [doc]) == [
        "KindlabTargetDown: no case where it stays silent"
    ]

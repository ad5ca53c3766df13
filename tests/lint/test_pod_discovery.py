"""The in-cluster scrape config finds exactly one target per app pod, each labelled with its pod.

Without a cluster there are no pods to discover, so the pod role is simulated: file_sd targets
carrying the same __meta_kubernetes_* labels Prometheus's pod role derives from the
rendered Deployment's pod template. `promtool check service-discovery` then runs the real
relabeling engine over them.
"""

import copy
import json
import re

import yaml

from .policy import APP, one
from .rules import PROMETHEUS_DIR
from .tools import promtool, run

JOB = "kindlab-app"


def meta(prefix, mapping):
    return {f"{prefix}{re.sub(r'[^a-zA-Z0-9_]', '_', k)}": str(v) for k, v in mapping.items()}


def pod_role_targets(template, name, ip, phase="Running"):
    """What Prometheus's pod role yields for one pod: a target per declared container port."""
    pod = {
        "__meta_kubernetes_namespace": "kindlab",
        "__meta_kubernetes_pod_name": name,
        "__meta_kubernetes_pod_phase": phase,
        "__meta_kubernetes_pod_ip": ip,
        **meta("__meta_kubernetes_pod_label_", template["metadata"].get("labels", {})),
        **meta("__meta_kubernetes_pod_annotation_", template["metadata"].get("annotations", {})),
    }
    return [
        {
            "targets": [f"{ip}:{port['containerPort']}"],
            "labels": pod
            | {
                "__meta_kubernetes_pod_container_name": container["name"],
                "__meta_kubernetes_pod_container_port_name": port.get("name", ""),
                "__meta_kubernetes_pod_container_port_number": str(port["containerPort"]),
            },
        }
        for container in template["spec"]["containers"]
        for port in container.get("ports", [])
    ]


def cluster_pods(rendered):
    """Two app pods (one declaring a second port), an unannotated pod and a finished one."""
    template = one(rendered["k8s/overlays/kind"], "Deployment", APP)["spec"]["template"]
    two_ports = copy.deepcopy(template)
    two_ports["spec"]["containers"][0]["ports"].append({"name": "debug", "containerPort": 6000})
    unannotated = copy.deepcopy(template)
    unannotated["metadata"]["annotations"] = {}
    return [
        *pod_role_targets(template, "kindlab-app-a", "10.244.0.10"),
        *pod_role_targets(two_ports, "kindlab-app-b", "10.244.0.11"),
        *pod_role_targets(unannotated, "other", "10.244.0.12"),
        *pod_role_targets(template, "kindlab-app-old", "10.244.0.13", phase="Succeeded"),
    ]


def scraped_targets(config, groups, tmp_path):
    """Final labels of every target Prometheus would scrape for the app job."""
    (tmp_path / "pods.json").write_text(json.dumps(groups))
    job = next(j for j in config["scrape_configs"] if j["job_name"] == JOB)
    job.pop("kubernetes_sd_configs")
    job["file_sd_configs"] = [{"files": [str(tmp_path / "pods.json")]}]
    # The app job alone: the others discover through Kubernetes, which Debian's build lacks.
    config["scrape_configs"] = [job]
    config["rule_files"] = []
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    checked = run([promtool(), "check", "config", str(path)])
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # File discovery answers at once; promtool waits the whole timeout regardless.
    result = run([promtool(), "check", "service-discovery", "--timeout=3s", str(path), JOB])
    assert result.returncode == 0, result.stderr
    return [t["labels"] for t in json.loads(result.stdout) if t["labels"]]


def kubernetes_config():
    return yaml.safe_load((PROMETHEUS_DIR / "prometheus-kubernetes.yml").read_text())


def by_pod(targets):
    return sorted((t.get("pod"), t["__address__"], t["__metrics_path__"]) for t in targets)


EXPECTED = [
    ("kindlab-app-a", "10.244.0.10:5000", "/metrics"),
    ("kindlab-app-b", "10.244.0.11:5000", "/metrics"),
]


def test_discovers_pods_of_the_app_namespace():
    job = next(j for j in kubernetes_config()["scrape_configs"] if j["job_name"] == JOB)
    assert job["kubernetes_sd_configs"] == [{"role": "pod", "namespaces": {"names": ["kindlab"]}}]


def test_exactly_one_target_per_app_pod_with_pod_labels(rendered, tmp_path):
    targets = scraped_targets(kubernetes_config(), cluster_pods(rendered), tmp_path)
    assert by_pod(targets) == EXPECTED
    assert all(t["namespace"] == "kindlab" and t["version"] == "local" for t in targets)


def test_discovery_check_rejects_broken_copies(rendered, tmp_path):
    def without(predicate):
        config = kubernetes_config()
        job = next(j for j in config["scrape_configs"] if j["job_name"] == JOB)
        job["relabel_configs"] = [r for r in job["relabel_configs"] if not predicate(r)]
        return config

    no_port_filter = without(lambda r: r.get("regex") == "http")
    targets = scraped_targets(no_port_filter, cluster_pods(rendered), tmp_path)
    assert len(targets) == 3, "a pod with two ports would be scraped twice"

    no_pod_label = without(lambda r: r.get("target_label") == "pod")
    targets = scraped_targets(no_pod_label, cluster_pods(rendered), tmp_path)
    assert [t.get("pod") for t in targets] == [None, None]

"""The cluster itself works: node, DNS, pod-to-pod and pod-to-Service traffic, image loading.

Proven from inside a pod, because that is where the app lives: a probe pod (our app image,
loaded with `kind load`) resolves names and calls another pod and a Service.
"""

from __future__ import annotations

import json

from kindlab.core import wait
from kindlab.core.versions import pin

PROBE_NAMESPACE = "kindlab-probe"
PROBE_SCRIPT = """
import json, socket, urllib.request
def get(url):
    try:
        return urllib.request.urlopen(url, timeout=5).status
    except Exception as exc:
        return repr(exc)
print(json.dumps({
    "kubernetes.default": socket.gethostbyname("kubernetes.default"),
    "service": get("http://prometheus.monitoring.svc:9090/-/ready"),
    "pod": get("http://%s:9090/-/ready" % PROMETHEUS_POD_IP),
}))
"""


def test_node_ready_at_pinned_version(cluster):
    (node,) = cluster.kube.core.list_node().items
    ready = {c.type: c.status for c in node.status.conditions}["Ready"]
    assert ready == "True"
    assert node.status.node_info.kubelet_version == pin("KUBERNETES_VERSION")


def test_pod_networking_and_dns(deployed_app, app_images):
    kube = deployed_app.kube
    prometheus_pod = kube.core.list_namespaced_pod(
        "monitoring", label_selector="app.kubernetes.io/name=prometheus"
    ).items[0]
    script = PROBE_SCRIPT.replace("PROMETHEUS_POD_IP", repr(prometheus_pod.status.pod_ip))
    kube.kubectl("create", "namespace", PROBE_NAMESPACE, check=False)
    kube.kubectl(
        "run", "probe", "-n", PROBE_NAMESPACE, "--restart=Never",
        f"--image={app_images['v1']}", "--image-pull-policy=IfNotPresent",
        "--command", "--", "python3", "-c", script,
    )  # fmt: skip
    try:
        wait.wait_for(_pod_succeeded(kube, PROBE_NAMESPACE, "probe"), "probe pod", timeout=120)
        result = json.loads(kube.kubectl("logs", "-n", PROBE_NAMESPACE, "probe"))
    finally:
        kube.kubectl("delete", "namespace", PROBE_NAMESPACE, "--wait=false", check=False)
    service_ip = kube.core.read_namespaced_service("kubernetes", "default").spec.cluster_ip
    assert result == {"kubernetes.default": service_ip, "service": 200, "pod": 200}


def _pod_succeeded(kube, namespace, name) -> wait.Condition:
    def check() -> tuple[bool, str]:
        phase = kube.core.read_namespaced_pod(name, namespace).status.phase
        if phase == "Failed":
            raise AssertionError(kube.kubectl("logs", "-n", namespace, name, check=False))
        return phase == "Succeeded", f"phase {phase}"

    return check

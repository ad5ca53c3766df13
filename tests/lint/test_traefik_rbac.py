"""Traefik's least privilege, from its rendered RBAC and flags (issue 23, finding 7).

It may read no Secret outside the namespaces it serves: no ClusterRole bound to its
ServiceAccount grants any access to Secrets, and it serves only the app's namespace and its
own (the provider's `namespaces` flag, each granted by a Role there). Its API is not served in
insecure mode (which puts it on the port Prometheus and the probes use).
"""

from .kustomize import APPLIED, by_kind, copy_inputs, edit_yaml, render

TRAEFIK = "k8s/addons/traefik"
SERVICE_ACCOUNT = {"kind": "ServiceAccount", "name": "traefik", "namespace": "traefik"}
NAMESPACES_FLAG = "--providers.kubernetesIngress.namespaces="


def everything_rendered(rendered):
    return [obj for path in APPLIED for obj in rendered[path]]


def bound_rules(objects, binding_kind, role_kind):
    """(where, rule) of every rule a `binding_kind` grants Traefik's ServiceAccount."""
    roles = {
        (r["metadata"].get("namespace"), r["metadata"]["name"]): r
        for r in by_kind(objects, role_kind)
    }
    for binding in by_kind(objects, binding_kind):
        if SERVICE_ACCOUNT not in [
            {k: s.get(k) for k in ("kind", "name", "namespace")} for s in binding["subjects"]
        ]:
            continue
        namespace = binding["metadata"].get("namespace")
        ref = binding["roleRef"]
        role = roles.get((namespace if ref["kind"] == "Role" else None, ref["name"]))
        for rule in (role or {}).get("rules", []):
            yield namespace or "cluster-wide", rule


def secret_access(objects) -> dict[str, set[str]]:
    """Where (namespace or "cluster-wide") Traefik may read Secrets, and with which verbs."""
    found: dict[str, set[str]] = {}
    for kinds in (("ClusterRoleBinding", "ClusterRole"), ("RoleBinding", "Role")):
        for where, rule in bound_rules(objects, *kinds):
            if "" in rule.get("apiGroups", []) and {"secrets", "*"} & set(rule["resources"]):
                found.setdefault(where, set()).update(rule["verbs"])
    return found


def traefik_args(objects) -> list[str]:
    (deployment,) = by_kind(objects, "Deployment")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return container["args"]


def test_traefik_reads_secrets_only_where_it_serves(rendered):
    access = secret_access(everything_rendered(rendered))
    watched = next(a for a in traefik_args(rendered[TRAEFIK]) if a.startswith(NAMESPACES_FLAG))
    assert "cluster-wide" not in access
    assert set(access) <= set(watched.removeprefix(NAMESPACES_FLAG).split(","))
    assert set(access) == {"kindlab", "traefik"}


def insecure_api(args: list[str]) -> list[str]:
    """The flags that serve Traefik's API (or dashboard) in insecure mode."""
    return [a for a in args if a.startswith("--api.insecure") and not a.endswith("=false")]


def test_traefik_api_is_not_insecure(rendered):
    args = traefik_args(rendered[TRAEFIK])
    assert insecure_api(args) == []
    assert "--api.dashboard=false" in args


def test_checks_reject_the_old_rbac_and_flags(tmp_path):
    """Negative control: Secrets back in the ClusterRole, --api.insecure=true back."""
    root = copy_inputs(tmp_path)

    def grant_secrets(doc):
        if doc["kind"] == "ClusterRole":
            doc["rules"].append(
                {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list", "watch"]}
            )

    edit_yaml(root / TRAEFIK / "rbac.yaml", grant_secrets)
    objects = render(TRAEFIK, root)
    assert secret_access(objects)["cluster-wide"] == {"get", "list", "watch"}

    def insecure(doc):
        doc["spec"]["template"]["spec"]["containers"][0]["args"].append("--api.insecure=true")

    edit_yaml(root / TRAEFIK / "deployment.yaml", insecure)
    assert insecure_api(traefik_args(render(TRAEFIK, root))) == ["--api.insecure=true"]

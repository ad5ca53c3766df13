"""The replica count belongs to the HorizontalPodAutoscaler alone.

A Deployment that an HPA scales and that also sets `replicas` gets that number back on every
apply: a release shipped under load first scales the app down to it (issue 23, finding 8).
The lab overlay is the one named exception (LAB_PINS_REPLICAS).
"""

import pytest

from .kustomize import APPLIED, by_kind, copy_inputs, edit_yaml, render

# Overlay -> why it may pin the count its autoscaler starts from.
LAB_PINS_REPLICAS = {
    "k8s/overlays/kind": (
        "every test fixture and lab reset re-applies the lab overlay to put the app back at "
        "three pods; a lab cluster has no load whose scale-out an apply could undo"
    ),
}


def replicas_owned_by_both(objects) -> list[str]:
    """Deployments that set `replicas` while an HPA of the same rendering scales them."""
    scaled = {
        (hpa["metadata"].get("namespace"), hpa["spec"]["scaleTargetRef"]["name"])
        for hpa in by_kind(objects, "HorizontalPodAutoscaler")
        if hpa["spec"]["scaleTargetRef"]["kind"] == "Deployment"
    }
    return [
        f"Deployment {d['metadata'].get('namespace')}/{d['metadata']['name']}: "
        f"replicas {d['spec']['replicas']}"
        for d in by_kind(objects, "Deployment")
        if (d["metadata"].get("namespace"), d["metadata"]["name"]) in scaled
        and "replicas" in d["spec"]
    ]


@pytest.mark.parametrize("path", [p for p in APPLIED if p not in LAB_PINS_REPLICAS])
def test_no_autoscaled_deployment_sets_replicas(rendered, path):
    assert replicas_owned_by_both(rendered[path]) == []


def test_the_production_overlay_has_an_autoscaler(rendered):
    """The check above means something there: the HPA exists and has the production floor."""
    (hpa,) = by_kind(rendered["k8s/overlays/production"], "HorizontalPodAutoscaler")
    assert hpa["spec"]["minReplicas"] == 5


def test_check_rejects_replicas_put_back(tmp_path):
    """Negative control: the production overlay's old `replicas: 5`."""
    root = copy_inputs(tmp_path)
    edit_yaml(
        root / "k8s/overlays/production/deployment.yaml",
        lambda d: d["spec"].update(replicas=5),
    )
    assert replicas_owned_by_both(render("k8s/overlays/production", root)) == [
        "Deployment kindlab/kindlab-app: replicas 5"
    ]

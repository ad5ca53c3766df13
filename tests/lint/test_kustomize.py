"""Every kustomization renders, and add-on images come from versions.env and nowhere else."""

import pytest

from kindlab.build.receiverimage import RECEIVER_IMAGE
from kindlab.core.versions import pins

from .kustomize import ADDON_PATHS, APPLIED, RenderError, copy_inputs, edit_yaml, render

LOCAL_CONFIG = "config.kubernetes.io/local-config"


def local_config(objects):
    """Objects meant only for rendering (the versions ConfigMap) that would reach the cluster."""
    return [o for o in objects if LOCAL_CONFIG in o["metadata"].get("annotations", {})]


def unpinned_images(objects):
    containers = (
        c
        for o in objects
        if o["kind"] == "Deployment"
        for c in o["spec"]["template"]["spec"]["containers"]
    )
    # Our own images have no upstream release to pin: kindlab builds them (kindlab/receiverimage).
    return sorted({c["image"] for c in containers} - set(pins().values()) - {RECEIVER_IMAGE})


@pytest.mark.parametrize("path", APPLIED)
def test_renders_without_render_only_objects(rendered, path):
    assert rendered[path]
    assert local_config(rendered[path]) == []


@pytest.mark.parametrize("path", ADDON_PATHS)
def test_addon_images_are_exactly_the_pins(rendered, path):
    assert unpinned_images(rendered[path]) == []


def test_checks_reject_broken_copies(tmp_path):
    root = copy_inputs(tmp_path)

    def keep_versions_configmap(kustomization):
        del kustomization["configMapGenerator"][0]["options"]["annotations"]

    def forget_replacements(kustomization):
        del kustomization["replacements"]

    edit_yaml(root / "versions/kustomization.yaml", keep_versions_configmap)
    edit_yaml(root / "k8s/addons/traefik/kustomization.yaml", forget_replacements)
    objects = render("k8s/addons/traefik", root)
    assert [o["metadata"]["name"] for o in local_config_candidates(objects)] == ["kindlab-versions"]
    assert unpinned_images(objects) == ["set-from-versions-env"]

    (root / "monitoring/prometheus/rules/kindlab-golden-signals.yml").unlink()
    with pytest.raises(RenderError, match=r"kindlab-golden-signals\.yml"):
        render("k8s/addons/prometheus", root)


def local_config_candidates(objects):
    """Without its annotation the versions ConfigMap is an ordinary object: find it by name."""
    return [
        o
        for o in objects
        if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "kindlab-versions"
    ]

import pytest

from .kustomize import APPLIED, copy_inputs, edit_yaml, render
from .schema import schema_errors


@pytest.mark.parametrize("path", APPLIED)
def test_every_rendered_object_matches_the_kubernetes_schema(rendered, path):
    assert schema_errors(rendered[path]) == []


def test_schema_check_rejects_a_broken_copy(tmp_path):
    root = copy_inputs(tmp_path)

    def misspell_probe(deployment):
        probe = deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]
        probe["httpGet"]["paht"] = probe["httpGet"].pop("path")

    def port_as_word(service):
        service["spec"]["ports"][0]["port"] = "three"

    edit_yaml(root / "k8s/base/deployment.yaml", misspell_probe)
    edit_yaml(root / "k8s/base/service.yaml", port_as_word)
    errors = schema_errors(render("k8s/overlays/kind", root))
    assert any("'paht' was unexpected" in e for e in errors), errors
    assert any("'three' is not of type" in e for e in errors), errors

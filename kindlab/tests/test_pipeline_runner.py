"""How tox -e pipeline calls gitlab-ci-local: what GitLab and a runner would provide."""

import stat

import pytest
import yaml

from kindlab import trust
from kindlab.pipeline import dindstore, registry, standins
from kindlab.pipeline import runner as pipeline

pytestmark = pytest.mark.unit

REGISTRY = registry.Registry("registry.kindlab.test", "gitlab-ci-token", "s3cret-not-in-argv")


def option_values(args, option):
    return [args[i + 1] for i, arg in enumerate(args) if arg == option]


@pytest.mark.parametrize("airgap", [False, True])
def test_merge_request_pipeline_with_what_a_runner_provides(tmp_path, airgap):
    args = [*pipeline.MERGE_REQUEST, *pipeline.gitlab_ci_local_args(tmp_path / "v.yml", airgap)]
    variables = option_values(args, "--variable")
    assert "CI_PIPELINE_SOURCE=merge_request_event" in variables
    assert option_values(args, "--unset-variable") == ["CI_COMMIT_BRANCH"]
    assert "--privileged" in args  # dind services
    assert "--no-artifacts-to-source" in args  # artifacts never overwrite the host's reports/
    volumes = option_values(args, "--volume")
    assert "%gcl-cert%:/certs/client" in volumes  # job and dind share the client certificates
    assert f"{registry.CERTS_VOLUME}:/etc/docker/certs.d:ro" in volumes  # dind trusts $CI_REGISTRY
    assert option_values(args, "--network") == [registry.NETWORK]
    assert option_values(args, "--helper-image") == [standins.HELPER_IMAGE]
    assert option_values(args, "--variables-file") == [str(tmp_path / "v.yml")]
    air_gapped = {"KINDLAB_AIRGAP=1", f"KINDLAB_DIND_STORE={dindstore.STORE}"}
    assert air_gapped <= set(variables) if airgap else not air_gapped & set(variables)
    assert any(v.endswith(f":{pipeline.JOB_CACHE}:ro") for v in volumes) == airgap


def test_secrets_go_to_a_private_variables_file_not_argv(tmp_path, monkeypatch):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    path = pipeline.write_variables(tmp_path / "variables.yml", REGISTRY)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert yaml.safe_load(path.read_text()) == {
        "CI_REGISTRY": "registry.kindlab.test",
        "CI_REGISTRY_USER": "gitlab-ci-token",
        "CI_REGISTRY_PASSWORD": "s3cret-not-in-argv",
        # A path: gitlab-ci-local makes it a File variable, as GitLab's CA_BUNDLE setting is.
        "CA_BUNDLE": str(bundle),
    }
    assert "s3cret-not-in-argv" not in " ".join(pipeline.gitlab_ci_local_args(path, True))


def test_no_ca_bundle_no_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.setattr(trust, "SYSTEM_CA_BUNDLE", tmp_path / "missing.pem")
    path = pipeline.write_variables(tmp_path / "variables.yml", REGISTRY)
    assert "CA_BUNDLE" not in yaml.safe_load(path.read_text())


def test_stand_ins_take_the_exact_references_the_pipeline_names():
    ci = yaml.safe_load((pipeline.REPO_ROOT / ".gitlab-ci.yml").read_text())
    refs = {s.ref for s in standins.stand_ins()}
    assert ci["variables"]["PYTHON_IMAGE"] in refs
    assert ci["variables"]["DOCKER_IMAGE"] in refs
    dind = ci[".dind"]["services"][0]["name"].replace(
        "${DOCKER_IMAGE}", ci["variables"]["DOCKER_IMAGE"]
    )
    assert dind == standins.dind_image_ref() and dind in refs

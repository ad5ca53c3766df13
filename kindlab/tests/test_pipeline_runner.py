"""How tox -e pipeline calls gitlab-ci-local: what GitLab and a runner would provide."""

import stat

import pytest
import yaml

from kindlab.cli import pipeline
from kindlab.core import trust
from kindlab.core.cache import cache_root
from kindlab.core.errors import KindlabError
from kindlab.host import loadslot
from kindlab.host.loadslot import LOCK_DIR
from kindlab.pipeline import dindstore, production, registry, runner, standins

REGISTRY = registry.Registry("registry.kindlab.test", "gitlab-ci-token", "s3cret-not-in-argv")
RELEASE = production.Release("v1.2.3", "kindlab/app:local", variables={"ROLLOUT_TIMEOUT": "30s"})


def option_values(args, option):
    return [args[i + 1] for i, arg in enumerate(args) if arg == option]


@pytest.fixture(autouse=True)
def cached_kubectl(monkeypatch):
    """The kubectl kindlab built, as if in the cache (building it is not a unit test's job)."""
    built = cache_root() / "go-kubectl-v1.34.0-0123456789" / "kubectl"
    monkeypatch.setattr(runner, "built_kubectl", lambda: built)
    return built


@pytest.fixture(autouse=True)
def go_builds(monkeypatch):
    """Calls to build Go tools into the host's cache (building them is not a unit test's job)."""
    calls = []
    monkeypatch.setattr(runner, "vegeta_binary", lambda: calls.append("vegeta"))
    monkeypatch.setattr(runner, "kube_score_binary", lambda: calls.append("kube-score"))
    return calls


@pytest.mark.parametrize("airgap", [False, True])
def test_preparing_builds_what_the_jobs_cannot(monkeypatch, airgap, go_builds):
    """Air-gapped, the jobs' cache is read-only: what they build from Go is in it beforehand,
    with the e2e job's image; the registry's image is ours in both modes."""
    monkeypatch.setattr(runner, "prepare", lambda chosen: runner.Runner(["gcl"], airgap))
    monkeypatch.setattr(registry, "registry_image", lambda: go_builds.append("registry"))
    monkeypatch.setattr(standins, "ensure_image", lambda image: go_builds.append(image.ref))
    assert runner.prepare_pipeline(None).airgap == airgap
    air_gapped = [standins.e2e_image().ref, "vegeta", "kube-score"] if airgap else []
    assert go_builds == ["registry", *air_gapped]


@pytest.mark.parametrize("airgap", [False, True])
def test_merge_request_pipeline_with_what_a_runner_provides(tmp_path, airgap, go_builds):
    args = runner.pipeline_args(tmp_path / "variables.yml", REGISTRY, airgap)
    assert not go_builds  # prepare_pipeline built them
    assert "--no-artifacts-to-source" in args  # artifacts never overwrite the host's reports/
    variables = option_values(args, "--variable")
    assert "CI_PIPELINE_SOURCE=merge_request_event" in variables
    assert option_values(args, "--unset-variable") == ["CI_COMMIT_BRANCH"]
    assert "--privileged" in args  # dind services
    assert "--no-artifacts-to-source" in args  # artifacts never overwrite the host's reports/
    volumes = option_values(args, "--volume")
    assert "%gcl-cert%:/certs/client" in volumes  # job and dind share the client certificates
    assert f"{registry.CERTS_VOLUME}:/etc/docker/certs.d:ro" in volumes  # dind trusts $CI_REGISTRY
    assert f"{LOCK_DIR}:{LOCK_DIR}" in volumes  # the e2e job's load waits for the host's
    assert f"{loadslot.LOCK_DIR_VARIABLE}={LOCK_DIR}" in variables  # ... in that very folder
    assert option_values(args, "--network") == [registry.NETWORK]
    assert option_values(args, "--helper-image") == [standins.HELPER_IMAGE]
    assert option_values(args, "--variables-file") == [str(tmp_path / "variables.yml")]
    air_gapped = {"KINDLAB_AIRGAP=1", f"KINDLAB_DIND_STORE={dindstore.STORE}"}
    assert air_gapped <= set(variables) if airgap else not air_gapped & set(variables)
    assert any(v.endswith(f":{runner.JOB_CACHE}:ro") for v in volumes) == airgap
    kubectl = f"KINDLAB_KUBECTL={runner.JOB_CACHE}/go-kubectl-v1.34.0-0123456789/kubectl"
    assert (kubectl in variables) == airgap  # what *fetch-kubectl uses when air-gapped
    # The registry's variables are ours, as GitLab's are: no warning about overriding them.
    (ignored,) = option_values(args, "--ignore-predefined-vars")
    assert set(ignored.split(",")) == set(REGISTRY.variables())


@pytest.mark.parametrize("airgap", [False, True])
def test_deploy_job_of_a_tag_pipeline_against_the_kind_network(tmp_path, airgap):
    args = production.deploy_args(tmp_path / "variables.yml", RELEASE, airgap)
    variables = option_values(args, "--variable")
    assert args[-1] == "deploy"  # named, so it runs although it is manual; nothing else runs
    assert "CI_COMMIT_TAG=v1.2.3" in variables
    assert option_values(args, "--unset-variable") == ["CI_COMMIT_BRANCH"]
    assert "ROLLOUT_TIMEOUT=30s" in variables
    assert option_values(args, "--network") == ["kind"]  # where <cluster>-control-plane resolves
    assert "--privileged" not in args  # no dind service
    assert any(v.startswith("KINDLAB_KUBECTL=") for v in variables) == airgap
    (ignored,) = option_values(args, "--ignore-predefined-vars")
    assert set(ignored.split(",")) == {"CI_REGISTRY", "CI_REGISTRY_IMAGE"}


@pytest.mark.parametrize(
    "extra, expected",
    [
        ([], {}),
        (["--variable", "ROLLOUT_TIMEOUT=30s"], {"ROLLOUT_TIMEOUT": "30s"}),
        (["--variable", "A=1=2", "--variable", "B="], {"A": "1=2", "B": ""}),
    ],
)
def test_deploy_takes_job_variables(extra, expected):
    assert pipeline._variables(extra) == expected


@pytest.mark.parametrize("extra", [["--cwd", "x"], ["--variable"], ["--variable", "NOVALUE"]])
def test_deploy_rejects_other_options_with_a_message(extra):
    with pytest.raises(KindlabError, match="deploy takes --variable NAME=VALUE"):
        pipeline._variables(extra)


def test_secrets_go_to_a_private_variables_file_not_argv(tmp_path, monkeypatch):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    path = runner.write_variables(tmp_path / "variables.yml", REGISTRY.variables())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert yaml.safe_load(path.read_text()) == {
        "CI_REGISTRY": "registry.kindlab.test",
        "CI_REGISTRY_IMAGE": "registry.kindlab.test/kindlab/kindlab",
        "CI_REGISTRY_USER": "gitlab-ci-token",
        "CI_REGISTRY_PASSWORD": "s3cret-not-in-argv",
        # A path: gitlab-ci-local makes it a File variable, as GitLab's CA_BUNDLE setting is.
        "CA_BUNDLE": str(bundle),
    }
    assert "s3cret-not-in-argv" not in " ".join(runner.pipeline_args(path, REGISTRY, True))


def test_no_ca_bundle_no_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.setattr(trust, "SYSTEM_CA_BUNDLE", tmp_path / "missing.pem")
    path = runner.write_variables(tmp_path / "variables.yml", REGISTRY.variables())
    assert "CA_BUNDLE" not in yaml.safe_load(path.read_text())


def test_stand_ins_take_the_exact_references_the_pipeline_names():
    ci = yaml.safe_load((runner.REPO_ROOT / ".gitlab-ci.yml").read_text())
    refs = {s.ref for s in standins.stand_ins()}
    assert ci["variables"]["PYTHON_IMAGE"] in refs
    assert ci["variables"]["DOCKER_IMAGE"] in refs
    dind = ci[".dind"]["services"][0]["name"].replace(
        "${DOCKER_IMAGE}", ci["variables"]["DOCKER_IMAGE"]
    )
    assert dind == standins.dind_image_ref() and dind in refs


def test_the_dind_seeder_has_no_network_and_no_tcp_socket():
    command = dindstore.seeder_command("docker:dind", "e2e")
    assert option_values(command, "--network") == ["none"]
    assert "DOCKER_TLS_CERTDIR=" in option_values(command, "--env")  # unix socket only
    assert not {"-p", "--publish", "-P", "--publish-all"} & set(command)


def test_the_registry_container_carries_no_credential():
    command = registry.registry_command("kindlab/registry:v3", registry.CONTAINER)
    assert not [arg for arg in command if "PASSWORD" in arg or "USER=" in arg], command


def test_prepare_makes_what_the_jobs_need_and_runs_no_job(monkeypatch):
    prepared = []
    monkeypatch.setattr(runner, "prepare_pipeline", prepared.append)
    monkeypatch.setattr(runner, "run_pipeline", lambda *args: pytest.fail("a job ran"))
    assert pipeline.main(["--prepare", "--airgap"]) == 0
    assert prepared == [True]


def test_prepare_with_a_job_name_is_a_usage_error(monkeypatch, capsys):
    monkeypatch.setattr(runner, "prepare_pipeline", lambda airgap: pytest.fail("prepared"))
    with pytest.raises(SystemExit) as stopped:
        pipeline.main(["--prepare", "e2e"])
    assert stopped.value.code == 2
    assert "--prepare runs no job: e2e" in capsys.readouterr().err

"""The docs say what the code does: their commands name real envs, verbs and paths; their host
ports, add-ons and pins are the ones the config holds; every line fits 120 columns.

Shell blocks are marked as kindlab.testing.docblocks says (```sh runnable, ```sh norun static
only); the runnable ones are executed on a cluster by e2e/test_docs.py.
"""

import re

import pytest
import yaml

from kindlab.bringup.addon_registry import ADDONS
from kindlab.cluster.endpoints import CLUSTER_CONFIG, mapped_host_ports
from kindlab.core.paths import REPO_ROOT
from kindlab.core.versions import pin
from kindlab.packages import names
from kindlab.testing import docblocks, doccheck
from labs import docs

DOCS = docblocks.documented_pages(REPO_ROOT)
# Where the 120-column rule holds (k8s/, monitoring/ and labs/ keep wide tables).
NARROW = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]
MAX_COLUMNS = 120
COMPOSE_APP_PORT = 5000  # docker compose publishes the app here, not the cluster
TOX_INI = REPO_ROOT / "tox.ini"


def _name(path):
    return str(path.relative_to(REPO_ROOT))


@pytest.mark.parametrize("doc", DOCS, ids=_name)
def test_every_documented_command_names_what_exists(doc):
    blocks = docblocks.shell_blocks(doc)
    found = [p for block in blocks for p in doccheck.problems(block, docs.vocabulary())]
    assert found == []


def test_a_renamed_env_verb_or_path_fails_the_check(tmp_path):
    doc = tmp_path / "broken.md"
    doc.write_text(
        "```sh\ntox -e nosuch\nkindlab upp --name x\n```\n\n"
        "```sh norun\nkubectl apply -k k8s/overlays/nowhere && labctl chek 3\ntox -m cii\n```\n"
        "```text\ntox -e ignored-in-text\n```\n"
    )
    blocks = docblocks.shell_blocks(doc)
    assert [b.runnable for b in blocks] == [True, False]
    found = [p for block in blocks for p in doccheck.problems(block, docs.vocabulary())]
    assert len(found) == 5, found
    assert f"{doc}:2: `tox -e nosuch`: no such environment in tox.ini" in found
    assert any("`kindlab upp`: no such verb" in p for p in found)
    assert any("k8s/overlays/nowhere: no such file" in p for p in found)
    assert any("`labctl chek`" in p for p in found)
    assert any("`tox -m cii`: no such label" in p for p in found)


@pytest.mark.parametrize("doc", [*DOCS, REPO_ROOT / "labs" / "README.md"], ids=_name)
def test_every_command_and_path_in_a_sentence_exists(doc):
    assert doccheck.prose_problems(doc, docs.vocabulary()) == []


def test_a_renamed_flag_module_or_path_in_a_sentence_fails_the_check(tmp_path):
    """The drift the README had: a test file named where it no longer is; and flags and
    modules, in a block or a sentence, that the code does not have."""
    doc = tmp_path / "broken.md"
    doc.write_text(
        "Run `tests/smoke/test_prerequisites.py`, `tox -e down -- --nmae x` and\n"
        "`python3 -m kindlab.nosuch`; `labs/NN-name/hints.md` is a placeholder.\n\n"
        "```sh norun\nkindlab doctor --lab-onyl\ntox -e doctor -- --name x --lab-only\n```\n"
    )
    words = docs.vocabulary()
    assert doccheck.prose_problems(doc, words) == [
        f"{doc}:1: tests/smoke/test_prerequisites.py: no such file or folder in the repository",
        f"{doc}:1: `kindlab down --nmae`: no such option",
        f"{doc}:2: no module kindlab.nosuch",
    ]
    (block,) = docblocks.shell_blocks(doc)
    assert doccheck.problems(block, words) == [
        f"{doc}:5: `kindlab doctor --lab-onyl`: no such option"
    ]


@pytest.mark.parametrize("doc", NARROW, ids=_name)
def test_no_line_is_wider_than_120_columns(doc):
    wide = [
        f"{_name(doc)}:{number}: {len(line)} columns"
        for number, line in enumerate(doc.read_text().splitlines(), start=1)
        if len(line) > MAX_COLUMNS
    ]
    assert wide == []


@pytest.mark.parametrize("doc", [*DOCS, REPO_ROOT / "labs" / "README.md"], ids=_name)
def test_relative_links_point_at_files_that_exist(doc):
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", doc.read_text())
    local = [link for link in links if "://" not in link and not link.startswith("mailto:")]
    missing = [link for link in local if not (doc.parent / link).exists()]
    # reports/ is what a run writes; the rest resolve.
    generated = ("../reports/", "reports/")
    assert [m for m in missing if not m.startswith(generated)] == []


HOST_PORTS = {port for _, port in mapped_host_ports(CLUSTER_CONFIG)}


@pytest.mark.parametrize("doc", [*DOCS, REPO_ROOT / "labs" / "README.md"], ids=_name)
def test_documented_loopback_ports_are_the_mapped_ones(doc):
    """Each 127.0.0.1:PORT in a doc is a port the kind config maps (or compose's app port),
    and a doc that names the cluster's ports as a list names all of them."""
    text = doc.read_text()
    named = {int(p) for p in re.findall(r"127\.0\.0\.1:(\d{4,5})\b", text)}
    offsets = {0, 10000}
    allowed = {port + offset for port in HOST_PORTS for offset in offsets} | {COMPOSE_APP_PORT}
    assert named - allowed == set()
    prose = re.sub(r"127\.0\.0\.1:\d+", "", text)  # a URL uses a port, it does not list them
    listed = {int(p) for p in re.findall(r"\b(\d{4})\b", prose)} & HOST_PORTS
    # docker compose publishes Prometheus and Grafana on 9090 and 3000 too: not a cluster list.
    if len(listed) >= 2 and doc.name != "compose.md":
        assert listed == HOST_PORTS, f"{_name(doc)} lists host ports {sorted(listed)}"


def test_the_negative_control_of_the_port_list_check():
    stale = "ports 8080 (Traefik), 9090 (Prometheus), 3000 (Grafana)"
    listed = {int(p) for p in re.findall(r"\b(\d{4})\b", stale)} & HOST_PORTS
    assert len(listed) >= 2 and listed != HOST_PORTS  # 9093 (Alertmanager) is missing


def test_k8s_readme_lists_every_addon_in_bring_up_order():
    text = (REPO_ROOT / "k8s" / "README.md").read_text()
    listed = re.findall(r"^- `([\w-]+)/`", text, flags=re.M)
    assert listed == [addon.name for addon in ADDONS]


def _up_description():
    description = re.search(r"\[testenv:up\]\ndescription = (.*)", TOX_INI.read_text())[1]
    return description.split("the lab: ", 1)[1].split("; print")[0]


def test_what_up_deploys_is_said_one_way_and_names_every_addon():
    described = _up_description()
    for addon in ADDONS:
        keyword = addon.title.split()[0]
        assert keyword.lower() in described.lower(), addon.title
    for doc in ("README.md", "labs/README.md", "docs/tiers.md"):
        flat = " ".join((REPO_ROOT / doc).read_text().split())
        assert described in flat, doc


def test_the_readme_pins_are_the_versions_file():
    text = (REPO_ROOT / "README.md").read_text()
    flat = " ".join(text.split())
    assert re.findall(r"tox ([\d.]+) and everything it pulls in", flat) == [pin("TOX_VERSION")]
    assert set(re.findall(r"go.dev/dl/go([\d.]+)\.linux", text)) == {pin("GO_VERSION")}


def _readme_block(tag: str):
    blocks = docblocks.shell_blocks(REPO_ROOT / "README.md")
    return next(b for b in blocks if tag in b.tags)


def _prerequisites():
    return _readme_block("prerequisites")


TOX_FROM_LOCK = "bin/pip install --require-hashes -r versions/locks/tox.txt"


def test_tox_is_installed_against_its_lock_with_hashes():
    """The README, .ci/run and the pipeline's jobs install tox from versions/locks/tox.txt,
    hash-checked; a plain `pip install tox==...` or `pipx install tox==...` fails this."""
    readme = _readme_block("tox").text
    assert TOX_FROM_LOCK in readme and "python3 -m venv" in readme
    assert not re.search(r"(pipx?|pip3) install [^\n]*tox==", readme)
    pipeline = (REPO_ROOT / ".gitlab-ci.yml").read_text()
    assert "pip install --quiet --require-hashes -r versions/locks/tox.txt" in pipeline
    assert not re.findall(r"pip install [^\n]*tox==", pipeline)


def _apt_packages(block: str) -> set[str]:
    joined = block.replace("\\\n", " ")
    found = re.findall(r"apt-get install -y --no-install-recommends ([^\n]+)", joined)
    return {word for line in found for word in line.split()}


def test_the_readme_installs_what_the_suite_needs():
    """Both README blocks together install every package .ci/run installs for the suite
    (versions/packages.txt): the e2e suite's libatomic1 was once missing from them."""
    blocks = docblocks.shell_blocks(REPO_ROOT / "README.md")
    suite = next(b for b in blocks if "suite" in b.tags).text
    documented = _apt_packages(_prerequisites().text) | _apt_packages(suite)
    assert set(names(["host", "e2e"])) - documented == set()
    without = suite.replace("libatomic1", "")
    assert set(names(["e2e"])) - _apt_packages(without) == {"libatomic1", "docker.io"}


def _tag_mismatch(page: str, overlay: str) -> set[str]:
    """The APP_VERSION the page builds that the overlay's image tag is not (and the reverse)."""
    return set(re.findall(r"APP_VERSION=(\w+)", page)) ^ set(re.findall(r"newTag: (\w+)", overlay))


def test_the_by_hand_page_builds_the_tag_the_kind_overlay_deploys():
    page = (REPO_ROOT / "docs" / "kubernetes-by-hand.md").read_text()
    overlay = (REPO_ROOT / "k8s" / "overlays" / "kind" / "kustomization.yaml").read_text()
    assert _tag_mismatch(page, overlay) == set()
    # The drift the page once had: it built `dev` while the overlay deployed `local`.
    assert _tag_mismatch(page.replace("APP_VERSION=local", "APP_VERSION=dev"), overlay) == {
        "dev",
        "local",
    }


def test_ci_installs_the_way_the_readme_says():
    """.ci/run takes the README's packages and tox from its lock in a virtualenv, as the README
    does; no pip into the system Python."""
    ci = (REPO_ROOT / ".ci" / "run").read_text()
    block = _prerequisites().text
    packages = re.search(r"apt-get install -y --no-install-recommends ([^\n]+)", block)[1]
    declared = set(names(["host", "e2e", "buildkit"]))
    assert set(packages.split()) - {"ca-certificates"} <= declared, declared
    assert "kindlab.packages --missing buildkit" in ci
    assert TOX_FROM_LOCK in ci and "python3 -m venv" in ci
    commands = [line for line in ci.splitlines() if not line.lstrip().startswith("#")]
    system_pip = r"(^|\s)(python3? -m )?pip3? install"  # a virtualenv's bin/pip is fine
    assert not [line for line in commands if re.search(system_pip, line)]
    assert re.search(system_pip, "  python3 -m pip install tox")


KIND_DEPLOYMENT = REPO_ROOT / "k8s" / "overlays" / "kind" / "deployment.yaml"
LAB_DOCS = sorted((REPO_ROOT / "labs").rglob("*.md"))
# What `kubectl describe pod` shows for an image the node lacks, by pull policy: a lab that
# names the wrong one sends the learner looking for a reason their pod will never show.
PULL_FAILURES = {
    "Never": {"ErrImageNeverPull"},
    "IfNotPresent": {"ErrImagePull", "ImagePullBackOff"},
    "Always": {"ErrImagePull", "ImagePullBackOff"},
}


def _app_pull_policy() -> str:
    patch = yaml.safe_load(KIND_DEPLOYMENT.read_text())
    (app,) = [c for c in patch["spec"]["template"]["spec"]["containers"] if c["name"] == "app"]
    return app["imagePullPolicy"]


def pull_policy_drift(text: str, policy: str) -> list[str]:
    """Pull policies and missing-image reasons a doc names that contradict the app's policy."""
    named = set(re.findall(r"imagePullPolicy: (\w+)", text)) - {policy}
    reasons = set(re.findall(r"\b(Err\w*Pull|ImagePullBackOff)\b", text)) - PULL_FAILURES[policy]
    return sorted(named | reasons)


@pytest.mark.parametrize("doc", LAB_DOCS, ids=_name)
def test_lab_docs_name_the_kind_overlays_pull_policy(doc):
    """Lab 2 teaches why an image must be loaded into the node; its README, hints and solution
    must agree with k8s/overlays/kind on the policy that makes it so."""
    assert pull_policy_drift(doc.read_text(), _app_pull_policy()) == []


def test_the_negative_control_of_the_pull_policy_check():
    stale = (
        "the app's manifests say `imagePullPolicy: Never` (there is no registry to pull from)\n"
        "`kubectl describe pod`: `ErrImageNeverPull` means the image is not in the node"
    )
    assert _app_pull_policy() == "IfNotPresent"
    assert pull_policy_drift(stale, "IfNotPresent") == ["ErrImageNeverPull", "Never"]
    assert pull_policy_drift(stale, "Never") == []

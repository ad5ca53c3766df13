"""The documented commands run: every runnable shell block of the README, k8s/, monitoring/ and
docs/ pages (```sh, not ```sh norun: kindlab.testing.docblocks), in order, on this cluster.

"Kubernetes by hand" re-applies the add-ons and the app as committed (no change on a cluster the
suite brought up) and ends when the autoscaler has metrics: about 10 s on a warm cluster.
"""

import os
import re

import pytest

from kindlab.cluster.endpoints import CLUSTER_CONFIG, mapped_host_ports, port_offset
from kindlab.cluster.identity import kubeconfig_path
from kindlab.core.paths import REPO_ROOT
from kindlab.testing import docblocks

DOCS = docblocks.documented_pages(REPO_ROOT)
BLOCK_SECONDS = 600


@pytest.fixture
def shell_env(restore_app, tmp_path):
    """What a reader's shell has after `tox -e up`: KUBECONFIG, and `kubectl`/`kind` on PATH
    being the binaries this cluster was made with."""
    platform = restore_app.platform
    tools = docblocks.tool_dir(
        tmp_path / "bin", {"kubectl": platform.kubectl, "kind": platform.kind}
    )
    return {
        **os.environ,
        "KUBECONFIG": str(kubeconfig_path(restore_app.name)),
        "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}",
    }


def on_this_cluster(block, address):
    """The block with the documented host ports moved to where this cluster publishes them
    (KINDLAB_PORT_OFFSET, the Docker host in Docker-in-Docker)."""
    text = block.text
    offset = port_offset()
    for _, port in mapped_host_ports(CLUSTER_CONFIG):
        text = re.sub(rf"127\.0\.0\.1:{port}\b", f"{address}:{port + offset}", text)
    return docblocks.ShellBlock(block.source, block.line, text, block.runnable, block.tags)


def test_every_runnable_block_runs(shell_env, restore_app):
    blocks = docblocks.runnable(DOCS)
    assert blocks, "no runnable block in the docs"
    for block in blocks:
        ran = docblocks.run_block(
            on_this_cluster(block, restore_app.address), REPO_ROOT, shell_env, BLOCK_SECONDS
        )
        assert ran.ok, f"{block.where} failed ({ran.returncode}):\n{ran.output[-2000:]}"
    by_hand = [b for b in blocks if b.source.name == "kubernetes-by-hand.md"]
    assert by_hand and "--for=condition=ScalingActive" in by_hand[-1].text


def test_a_broken_documented_command_fails(shell_env, restore_app, tmp_path):
    """The negative control: a block naming a Deployment that does not exist fails, with its
    place in the file."""
    doc = tmp_path / "broken.md"
    doc.write_text(
        "```sh\nkubectl -n kindlab get deployment kindlab-app\n"
        "kubectl -n kindlab rollout status deployment/kindlab-appp --timeout=5s\n"
        "echo never reached\n```\n"
    )
    (block,) = docblocks.runnable([doc])
    ran = docblocks.run_block(block, REPO_ROOT, shell_env, 60)
    assert not ran.ok
    assert "kindlab-appp" in ran.output and "never reached" not in ran.output
    assert block.where == f"{doc}:2"

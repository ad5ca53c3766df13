"""What this host has for the lab, checked in a second or two before any build starts.

A missing piece used to show only after minutes of building (no BuildKit for the app image,
an old Go under GOTOOLCHAIN=local, a full disk). Each check here is one small function that
returns a Finding: fine, or what will not work and the command that fixes it. Inputs (the pin,
the ports, the path, the bytes a build needs) are parameters, so each failure line is tested
by handing a check the broken input itself: a dead DOCKER_HOST, an old `go`, a disk too small.
"""

from __future__ import annotations

import gzip
import os
import platform
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from kindlab.build.appimage import BuildKitUnavailable, find_buildkit_client
from kindlab.host.ports import port_holder

OK, WARN, FAIL = "ok", "warn", "FAIL"
PROBE_SECONDS = 10
GIB = 1 << 30
CGROUP_ROOT = Path("/sys/fs/cgroup")
# The first Kubernetes minor whose kubelet refuses cgroup v1 by default.
CGROUP_V1_LAST_MINOR = 34


@dataclass(frozen=True)
class Finding:
    """One line of the doctor's report: an item, its state, what was found, and the fix."""

    item: str
    state: str
    detail: str
    fix: str = ""

    @property
    def failed(self) -> bool:
        return self.state == FAIL

    def line(self) -> str:
        fix = f" -> {self.fix}" if self.fix else ""
        return f"{self.state:<4}  {self.item:<12} {self.detail}{fix}"


def docker_engine(environ: dict[str, str] | None = None) -> Finding:
    """The engine answers, and which version it is (the client's is beside it)."""
    env = dict(os.environ if environ is None else environ)
    where = env.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    if shutil.which("docker", path=env.get("PATH")) is None:
        return Finding("docker", FAIL, "no docker client on PATH", "apt-get install docker.io")
    try:
        probe = subprocess.run(
            ["docker", "version", "--format", "{{.Server.Version}} {{.Client.Version}}"],
            capture_output=True, text=True, env=env, timeout=PROBE_SECONDS, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        probe = subprocess.CompletedProcess([], 1, "", f"no answer in {PROBE_SECONDS} s")
    versions = probe.stdout.split()
    if probe.returncode != 0 or len(versions) != 2:
        reason = (probe.stderr.strip().splitlines() or ["no answer"])[-1][:120]
        fix = (
            f"start the engine DOCKER_HOST names, or unset DOCKER_HOST ({where})"
            if env.get("DOCKER_HOST")
            else "sudo systemctl start docker (CI, as root: kindlab engine)"
        )
        return Finding("docker", FAIL, f"the engine at {where} does not answer: {reason}", fix)
    server, client = versions
    return Finding("docker", OK, f"engine {server} at {where} (client {client})")


def buildkit() -> Finding:
    """A docker client that can build the app image (its Dockerfile needs BuildKit)."""
    try:
        client = find_buildkit_client()
    except BuildKitUnavailable as exc:
        return Finding("buildkit", FAIL, str(exc).split(". Install")[0][:160],
                       "apt-get install docker-buildx")  # fmt: skip
    return Finding("buildkit", OK, client.describe())


def go_version(output: str) -> tuple[int, ...] | None:
    """(1, 26, 8) from `go version` output such as `go version go1.26.8 linux/amd64`."""
    match = re.search(r"go(\d+)\.(\d+)(?:\.(\d+))?", output)
    return tuple(int(part or 0) for part in match.groups()) if match else None


def go_toolchain(pin: str, required: bool = True, go: str = "go") -> Finding:
    """Go at the pinned version or newer: builds run with GOTOOLCHAIN=local, so an older Go
    cannot build a module whose go.mod asks for a newer one, and nothing fetches one."""
    fix = f"install Go {pin} or newer (https://go.dev/dl/) first on PATH"
    found = shutil.which(go)
    if found is None:
        state = FAIL if required else WARN
        return Finding("go", state, "not on PATH: builds from Go modules cannot run", fix)
    probe = subprocess.run(
        [found, "version"], capture_output=True, text=True, timeout=PROBE_SECONDS, check=False,
        env={**os.environ, "GOTOOLCHAIN": "local"},
    )  # fmt: skip
    have, want = go_version(probe.stdout), go_version(f"go{pin}")
    if have is None:
        return Finding("go", FAIL, f"{found} does not say its version: {probe.stdout.strip()}", fix)
    shown = ".".join(map(str, have))
    if want is not None and have < want:
        return Finding("go", FAIL, f"{found} is Go {shown}, older than the pin {pin}", fix)
    return Finding("go", OK, f"Go {shown} at {found} (pin {pin}, GOTOOLCHAIN=local)")


def free_disk(path: Path, required_bytes: int, purpose: str) -> Finding:
    """Free bytes on the filesystem holding `path` (or its nearest existing parent)."""
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    free = shutil.disk_usage(existing).free
    detail = f"{free / GIB:.1f} GiB free at {path}, {purpose} needs {required_bytes / GIB:.1f} GiB"
    if free < required_bytes:
        return Finding("disk", FAIL, detail, f"free {(required_bytes - free) / GIB:.1f} GiB there")
    return Finding("disk", OK, detail)


def cgroup_version(kubernetes_version: str, root: Path = CGROUP_ROOT) -> Finding:
    """cgroup v2 runs every kubelet; v1 only up to Kubernetes 1.34 (1.35 refuses it)."""
    v2 = (root / "cgroup.controllers").exists()
    minor = int(re.search(r"1\.(\d+)", kubernetes_version)[1])  # type: ignore[index]
    if v2:
        return Finding("cgroup", OK, f"v2 (Kubernetes {kubernetes_version} runs on it)")
    if minor > CGROUP_V1_LAST_MINOR:
        return Finding("cgroup", FAIL, f"v1, and Kubernetes {kubernetes_version}'s kubelet "
                       "refuses it", "pin Kubernetes v1.34 or boot with cgroup v2")  # fmt: skip
    return Finding("cgroup", OK, f"v1 (hybrid); Kubernetes {kubernetes_version} still runs on it")


def host_ports(mappings: Iterable[tuple[str, int]], own_node: str) -> Finding:
    """Every host port the kind config maps is free, or held by this very cluster's node."""
    taken, reused = [], []
    for address, port in mappings:
        holder = port_holder(address, port)
        if holder == f"container {own_node}":
            reused.append(str(port))
        elif holder:
            taken.append(f"{address}:{port} ({holder})")
    ports = ", ".join(str(port) for _, port in mappings)
    if taken:
        return Finding("ports", FAIL, f"taken: {'; '.join(taken)}",
                       "tox -e down -- --name NAME, or set KINDLAB_PORT_OFFSET")  # fmt: skip
    mine = f" ({', '.join(reused)} held by {own_node}: reused)" if reused else ""
    return Finding("ports", OK, f"{ports} free on the host{mine}")


def remote_ports(address: str) -> Finding:
    return Finding("ports", OK, f"published on the Docker host {address}: not checked from here")


# Kernel option -> (item, what the lab shows with it, what will not work without it).
KERNEL_FEATURES: dict[str, tuple[str, str, str]] = {
    "CONFIG_NFT_QUEUE": (
        "netpolicy",
        "NetworkPolicy enforcement",
        "NetworkPolicies are accepted, not enforced",
    ),
    "CONFIG_NET_SCH_NETEM": (
        "netem",
        "network faults (tc netem)",
        "no network faults via tc netem (delay, loss)",
    ),
    "CONFIG_IP_SET": ("ip_set", "ipset rules", "no ipset rules"),
    "CONFIG_VXLAN": ("vxlan", "VXLAN overlays (flannel)", "no VXLAN overlay CNIs"),
}


def kernel_config(release: str | None = None) -> tuple[str, dict[str, str]] | None:
    """(where it came from, option -> y/m) from /proc/config.gz or /boot/config-RELEASE, with
    modules.builtin as a last, partial source; None when the kernel says nothing."""
    release = release or platform.release()
    proc = Path("/proc/config.gz")
    boot = Path(f"/boot/config-{release}")
    text = None
    for source, read in ((proc, lambda: gzip.decompress(proc.read_bytes()).decode()),
                         (boot, boot.read_text)):  # fmt: skip
        try:
            text = read()
        except OSError:
            continue
        return str(source), parse_kernel_config(text)
    builtin = Path(f"/lib/modules/{release}/modules.builtin")
    if builtin.exists():
        return str(builtin), modules_builtin_options(builtin.read_text())
    return None


def parse_kernel_config(text: str) -> dict[str, str]:
    options = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.startswith("CONFIG_") and value in {"y", "m"}:
            options[key] = value
    return options


# modules.builtin names files, not options: the ones that stand for the options above.
BUILTIN_MODULES = {
    "CONFIG_NFT_QUEUE": "nft_queue.ko",
    "CONFIG_NET_SCH_NETEM": "sch_netem.ko",
    "CONFIG_IP_SET": "ip_set.ko",
    "CONFIG_VXLAN": "vxlan.ko",
}


def modules_builtin_options(text: str) -> dict[str, str]:
    names = {line.rsplit("/", 1)[-1] for line in text.split()}
    return {option: "y" for option, module in BUILTIN_MODULES.items() if module in names}


def kernel_features(config: tuple[str, dict[str, str]] | None) -> list[Finding]:
    """One line per feature that decides what the lab can show; never fatal, "unknown" when
    the kernel does not publish its configuration."""
    findings = []
    for option, (item, with_it, without) in KERNEL_FEATURES.items():
        if config is None:
            findings.append(Finding(item, WARN, f"unknown: no /proc/config.gz or /boot/config "
                                    f"to read {option} from ({with_it})"))  # fmt: skip
            continue
        source, options = config
        value = options.get(option)
        if value == "y":
            findings.append(Finding(item, OK, f"{with_it} ({option}=y in {source})"))
        elif value == "m":
            findings.append(Finding(item, OK, f"{with_it} ({option}=m, a module, in {source})"))
        else:
            findings.append(Finding(item, WARN, f"{without} ({option} not set in {source})"))
    return findings


def registry(reachable: Callable[[], bool], setting: bool | None) -> Finding:
    """Online (images are pulled) or air-gapped (everything is built here); neither fails."""
    if setting is not None:
        mode = "air-gapped" if setting else "online"
        return Finding("registry", OK, f"{mode}: chosen with KINDLAB_AIRGAP")
    if reachable():
        return Finding("registry", OK, "online: Docker Hub answers, images are pulled")
    return Finding("registry", OK, "air-gapped: no registry answers; all is built here "
                   "(Go, debootstrap)")  # fmt: skip

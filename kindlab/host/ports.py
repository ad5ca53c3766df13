"""Who listens on a host port: the question that decides whether kind can publish it.

A plain bind() also fails while closed connections linger in TIME_WAIT on the port (about a
minute after a cluster that served traffic was deleted), although nothing holds it; a server
binds with SO_REUSEADDR and succeeds then. So the probe binds that way, and only a real
listener (or another bound socket) counts, named by its container or process.
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
from pathlib import Path

PROC_NET = ("/proc/net/tcp", "/proc/net/tcp6")
TCP_LISTEN = "0A"


def port_holder(address: str, port: int) -> str | None:
    """None when a server could bind `address:port` now; else who holds it, in words."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((address, port))
        except OSError:
            pass
        else:
            return None
    containers = _containers_publishing(port)
    if containers:
        return f"container {', '.join(containers)}"
    processes = listening_processes(port)
    if processes:
        return ", ".join(processes)
    return f"another program (see `ss -ltnp 'sport = :{port}'`)"


def listening_processes(port: int) -> list[str]:
    """`pid NAME` of each local process with a listening socket on `port` (Linux /proc)."""
    sockets = {f"socket:[{inode}]" for inode in _listening_inodes(port)}
    if not sockets:
        return []
    found: list[str] = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit() and sockets & _open_files(proc):
            try:
                name = (proc / "comm").read_text().strip()
            except OSError:
                continue
            found.append(f"process {proc.name} ({name})")
    return found


def _open_files(proc: Path) -> set[str]:
    """What the process's descriptors point at; ones that close meanwhile are skipped."""
    targets: set[str] = set()
    try:
        descriptors = list((proc / "fd").iterdir())
    except OSError:
        return targets
    for fd in descriptors:
        try:
            targets.add(os.readlink(fd))
        except OSError:
            continue
    return targets


def _listening_inodes(port: int) -> set[str]:
    inodes: set[str] = set()
    for table in PROC_NET:
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == TCP_LISTEN and int(local.rsplit(":", 1)[1], 16) == port:
                inodes.add(inode)
    return inodes


def _containers_publishing(port: int) -> list[str]:
    # Without a docker client (the unit job's Python image) no container can be publishing.
    if shutil.which("docker") is None:
        return []
    listing = subprocess.run(
        ["docker", "ps", "--filter", f"publish={port}", "--format", "{{.Names}}"],
        capture_output=True,
        text=True,
        check=False,
    )
    return listing.stdout.split()


# Below the kernel's ephemeral range (net.ipv4.ip_local_port_range, 32768 and up by default):
# outgoing connections cannot take such a port between a check and a server's bind, as an
# ephemeral one was taken once while other tiers' connections churned ("Connection in use").
FIXED_PORTS = range(20000, 32000)


def unused_fixed_port(candidates: range = FIXED_PORTS) -> int:
    """A loopback port nothing is bound to, for a server started by another process."""
    for port in random.sample(candidates, min(200, len(candidates))):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no unused port in {candidates}")

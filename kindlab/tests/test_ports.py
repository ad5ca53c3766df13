import os
import socket
import time

import pytest

from kindlab.host import ports
from kindlab.host.ports import port_holder


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _leave_time_wait(port: int) -> None:
    """A connection the server side closes first leaves TIME_WAIT on the server's port."""
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", port))
        server.listen()
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = server.accept()
        accepted.close()
        time.sleep(0.1)
        client.close()


def test_time_wait_on_the_port_is_not_a_holder():
    port = _free_port()
    _leave_time_wait(port)
    with socket.socket() as plain, pytest.raises(OSError):
        plain.bind(("127.0.0.1", port))  # the old check's question fails here...
    assert port_holder("127.0.0.1", port) is None  # ...and the right one passes


def test_a_listener_is_named_with_its_process():
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        holder = port_holder("127.0.0.1", port)
    assert holder is not None
    assert f"process {os.getpid()} " in holder


def test_a_free_port_has_no_holder():
    assert port_holder("127.0.0.1", _free_port()) is None


def test_unused_fixed_port_is_below_the_ephemeral_range_and_free():
    port = ports.unused_fixed_port()
    assert port in ports.FIXED_PORTS
    with socket.socket() as server:
        server.bind(("127.0.0.1", port))


def test_no_unused_fixed_port_is_a_clear_error():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        taken = holder.getsockname()[1]
        holder.listen()
        with pytest.raises(RuntimeError, match="no unused port"):
            ports.unused_fixed_port(range(taken, taken + 1))

"""The notify protocol against a test NOTIFY_SOCKET, as systemd would listen."""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path

from edge_agent.sdnotify import Notifier


def listen(path: Path) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(2)
    return sock


def test_ready_and_stopping(tmp_path: Path) -> None:
    path = tmp_path / "notify"
    with listen(path) as sock:
        n = Notifier({"NOTIFY_SOCKET": str(path)})
        assert n.enabled
        n.ready("serving on port 5683")
        assert sock.recv(1024) == b"READY=1\nSTATUS=serving on port 5683"
        n.stopping()
        assert sock.recv(1024) == b"STOPPING=1"


def test_abstract_socket_names() -> None:
    name = f"edge-agent-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(b"\0" + name.encode())
        sock.settimeout(2)
        Notifier({"NOTIFY_SOCKET": "@" + name}).ready()
        assert sock.recv(1024) == b"READY=1"


def test_watchdog_pings_at_half_the_timeout(tmp_path: Path) -> None:
    path = tmp_path / "notify"

    async def scenario(sock: socket.socket) -> list[bytes]:
        n = Notifier({"NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "100000"})
        assert n.watchdog_interval_s == 0.05
        n.start_watchdog()
        await asyncio.sleep(0.5)  # ten intervals: a slow board's late timers still give 3
        await n.stop_watchdog()
        sock.setblocking(False)
        got = []
        while True:
            try:
                got.append(sock.recv(1024))
            except BlockingIOError:
                return got

    with listen(path) as sock:
        pings = asyncio.run(scenario(sock))
    assert 3 <= len(pings) <= 12 and set(pings) == {b"WATCHDOG=1"}


def test_watchdog_for_another_pid_is_ignored(tmp_path: Path) -> None:
    n = Notifier({"NOTIFY_SOCKET": str(tmp_path / "x"), "WATCHDOG_USEC": "100000", "WATCHDOG_PID": "1"})
    assert n.watchdog_interval_s is None


def test_without_systemd_it_does_nothing() -> None:
    n = Notifier({})
    assert not n.enabled
    assert n.notify("READY=1") is False

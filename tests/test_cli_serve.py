"""`edge-agent serve` as systemd runs it: READY=1, WATCHDOG=1 and STOPPING=1 on a test
NOTIFY_SOCKET, a clean exit on SIGTERM, and a unit file that systemd-analyze accepts."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path


REPO = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "edge_agent"]


def write_config(tmp: Path) -> Path:
    config = tmp / "config.toml"
    config.write_text(
        f'state_dir = "{tmp / "state"}"\n[coap]\nbind = "127.0.0.1"\nport = 0\n[discovery]\nenabled = false\n'
    )
    return config


def test_serve_speaks_the_notify_protocol(tmp_path: Path) -> None:
    path = tmp_path / "notify.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(str(path))
    listener.settimeout(60)  # a cold start with every import takes seconds on a small board
    env = dict(os.environ, NOTIFY_SOCKET=str(path), WATCHDOG_USEC="200000")
    proc = subprocess.Popen(
        [*CLI, "serve", "--config", str(write_config(tmp_path))],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        messages: list[bytes] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (
            any(m.startswith(b"READY=1") for m in messages) and b"WATCHDOG=1" in messages
        ):
            messages.append(listener.recv(4096))
        assert any(m.startswith(b"READY=1\nSTATUS=peer 12D3KooW") for m in messages), messages
        assert b"WATCHDOG=1" in messages
        proc.send_signal(signal.SIGTERM)
        while b"STOPPING=1" not in messages and time.monotonic() < deadline:
            messages.append(listener.recv(4096))
        assert b"STOPPING=1" in messages
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        listener.close()
        proc.stdout.close()  # type: ignore[union-attr]
        proc.stderr.close()  # type: ignore[union-attr]


def test_a_bad_config_value_stops_the_agent_from_starting(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[coap]\nport = "abc"\n')
    done = subprocess.run([*CLI, "serve", "--config", str(config)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 1
    assert "coap.port: must be an integer 0–65535, got 'abc'" in done.stderr


def test_systemd_analyze_verifies_the_unit(tmp_path: Path, require_tools) -> None:  # type: ignore[no-untyped-def]
    require_tools("systemd-analyze")
    unit = (REPO / "systemd" / "edge-agent.service").read_text()
    assert "ExecStart=/opt/edge-agent/bin/edge-agent serve" in unit
    # systemd-analyze checks that ExecStart exists: point it at this checkout's command.
    command = shutil.which("edge-agent") or str(Path(sys.executable).parent / "edge-agent")
    copy = tmp_path / "edge-agent.service"
    copy.write_text(unit.replace("/opt/edge-agent/bin/edge-agent", command))
    done = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "edge-agent.service" not in done.stderr, done.stderr  # no warnings about our unit

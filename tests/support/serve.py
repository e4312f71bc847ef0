"""`edge-agent serve` as a real process on this host, for tests: started with a configuration
file, its first line read (the peer id and UDP port it serves on), then stopped with SIGTERM
(SIGKILL if it lingers) and its streams closed, also when the test fails."""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

CLI = [sys.executable, "-m", "edge_agent"]
START_TIMEOUT_S = 30.0
"""Longest a cold start may take before the first line, in seconds (wide for a small board)."""
STOP_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class Served:
    proc: subprocess.Popen[str]
    peer_id: str
    port: int


@contextmanager
def serving(
    config: Path, *, env: Mapping[str, str] | None = None, timeout: float = START_TIMEOUT_S
) -> Iterator[Served]:
    """`edge-agent serve --config config` (with `env` added to the environment) until the
    block ends."""
    proc = subprocess.Popen(
        [*CLI, "serve", "--config", str(config)], env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    try:
        line = first_line(proc, timeout)
        match = re.search(r"serving as (12D3KooW\w+) on UDP port (\d+)", line)
        assert match, line
        yield Served(proc, match.group(1), int(match.group(2)))
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for stream in (proc.stdout, proc.stderr):
            assert stream is not None
            stream.close()


def first_line(proc: subprocess.Popen[str], timeout: float) -> str:
    """The process's first stdout line, within `timeout` seconds (its stderr if it died)."""
    assert proc.stdout is not None and proc.stderr is not None
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        if not sel.select(timeout):
            pytest.fail(f"edge-agent serve printed nothing within {timeout} s")
    line = proc.stdout.readline()
    if not line:
        proc.wait(10)
        pytest.fail(f"edge-agent serve exited {proc.returncode}: {proc.stderr.read()}")
    return line


def loopback_config(directory: Path, extra: str = "") -> Path:
    """A device's configuration in `directory`: its state there too, CoAP on a free loopback
    port, mDNS off (nothing leaves this host); `extra` TOML appended (e.g. a `[wasm]` table)."""
    config = directory / "device.toml"
    config.write_text(
        f'state_dir = "{directory / "device"}"\n'
        '[coap]\nbind = "127.0.0.1"\nport = 0\n'
        "[discovery]\nenabled = false\n" + extra
    )
    return config


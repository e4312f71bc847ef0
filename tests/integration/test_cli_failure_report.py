"""Failures come back (issue 11), through the real CLI: `edge-agent run` of a script that fails
on a device prints where and why, and exits 1, long before its timeout.

A real `edge-agent serve` process on loopback (discovery off, so nothing leaves this host)
and the CLI as a process (EDGE_AGENT_MDNS=0: the device is named by host:port).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.serve import Served, loopback_config, serving

CLI = [sys.executable, "-m", "edge_agent"]
TIMEOUT_S = 120
"""The run's own timeout: the CLI must come back long before it (the process is given half)."""

FAILS_ON_DEV = """
(seq (call %init_peer_id% ("getDataSrv" "dev") [] dev)
     (seq (call dev ("op" "noop") [])
          (seq (call dev ("nosuch" "read") [] r)
               (call %init_peer_id% ("callbackSrv" "response") [r]))))
"""


@pytest.fixture
def device(tmp_path: Path) -> Iterator[Served]:
    with serving(loopback_config(tmp_path)) as served:
        yield served


def run_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EDGE_AGENT_HOME": str(tmp_path / "laptop"), "EDGE_AGENT_MDNS": "0"}
    # If the failure did not come back, the CLI would wait out TIMEOUT_S and this would raise.
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=TIMEOUT_S / 2)


def test_a_script_that_fails_on_a_device_says_where_and_why(tmp_path: Path, device: Served) -> None:
    script = tmp_path / "fails.air"
    script.write_text(FAILS_ON_DEV)
    target = f"127.0.0.1:{device.port}"
    done = run_cli(tmp_path, "run", str(script), "--peer", f"dev={target}", "--timeout", str(TIMEOUT_S))
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stdout == ""
    first, where = done.stderr.strip().splitlines()[-2:]
    assert first.startswith(f"error: script failed on {target} ({device.peer_id}): Local service error")
    assert "No service found for service call: serviceId='nosuch', fnName='read'" in first
    assert where == '  in: (call dev ("nosuch" "read") [] r)'
    assert "no response within" not in done.stderr

    as_json = run_cli(
        tmp_path, "run", str(script), "--peer", f"dev={target}", "--timeout", str(TIMEOUT_S), "--json"
    )
    assert as_json.returncode == 1, as_json.stderr
    out = json.loads(as_json.stdout)
    assert out["responses"] == [] and out["errors"] == []
    failure = out["failure"]
    assert failure["peer_id"] == device.peer_id and failure["name"] == target
    assert failure["ret_code"] == 10000 and "nosuch" in failure["message"]
    assert failure["instruction"] == 'call dev ("nosuch" "read") [] r'

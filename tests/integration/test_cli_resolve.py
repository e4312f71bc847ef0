"""Issue 11, through the real CLI on loopback: what can be refused is refused before a peer is
looked for or a byte is sent, and a device that is down is the script's to handle.

Real `edge-agent serve` processes (discovery off, so nothing leaves this host) and the CLI as
a process (EDGE_AGENT_MDNS=0: devices are named by host:port). Names over mDNS -- a typo, a
pinned device that is down -- are tests/integration/test_agents_netns.py's, in namespaces.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.serve import Served, loopback_config, serving

CLI = [sys.executable, "-m", "edge_agent"]
FIRMWARE = Path(__file__).resolve().parents[2] / "firmware_services" / "build"
CLI_TIMEOUT_S = 60
LIMIT = 4096
"""The device's wasm.max_module_bytes: greeting.wasm (5.5 KB) is over it."""

# Each device in turn, back to the laptop after each: a device that cannot be reached fails
# its call with error 14 where the laptop sends to it, and the xor records that error.
EACH_DEVICE = """
(seq
 (call %init_peer_id% ("getDataSrv" "devs") [] devs)
 (seq
  (fold devs d
   (seq
    (xor
     (seq (call d ("peer" "identify") [] r)
          (seq (call %init_peer_id% ("op" "noop") [])
               (ap r.$.peer_id $ok)))
     (ap :error: $failed))
    (next d)))
  (seq (canon %init_peer_id% $ok #ok)
   (seq (canon %init_peer_id% $failed #failed)
        (call %init_peer_id% ("callbackSrv" "response") [#ok #failed])))))
"""


@pytest.fixture
def device(tmp_path: Path) -> Iterator[Served]:
    with serving(loopback_config(tmp_path, f"[wasm]\nmax_module_bytes = {LIMIT}\n")) as served:
        yield served


def cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EDGE_AGENT_HOME": str(tmp_path / "laptop"), "EDGE_AGENT_MDNS": "0"}
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=CLI_TIMEOUT_S)


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_module_over_the_devices_limit_is_refused_before_anything_is_sent(
    tmp_path: Path, device: Served
) -> None:
    target = f"127.0.0.1:{device.port}"
    module = FIRMWARE / "greeting.wasm"
    done = cli(tmp_path, "status", target)
    assert done.returncode == 0 and f"max_module_bytes: {LIMIT}" in done.stdout.splitlines(), done.stdout
    done = cli(tmp_path, "deploy", target, str(module), "--name", "greeting")
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stderr.strip() == (
        f"error: {module} is {module.stat().st_size} bytes, more than the {LIMIT} bytes {target} "
        "accepts (wasm.max_module_bytes in its configuration); nothing was sent"
    )
    status = json.loads(cli(tmp_path, "status", target, "--json").stdout)
    assert "received" not in status["counters"], status["counters"]  # no srv.deploy came


def test_a_script_that_does_not_parse_is_reported_before_any_peer_is_looked_for(tmp_path: Path) -> None:
    script = tmp_path / "bad.air"
    script.write_text('(seq (call %init_peer_id% ("op" "noop") [])')
    # With mDNS off a name cannot be resolved at all (exit 3): the parse error comes first.
    done = cli(tmp_path, "run", str(script), "--peers", "devs=kitchen,garage")
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"error: {script}: ") and "kitchen" not in done.stderr


def test_peers_with_a_device_down_gives_the_script_error_14_for_it_and_the_others_answer(
    tmp_path: Path, device: Served
) -> None:
    script = tmp_path / "each.air"
    script.write_text(EACH_DEVICE)
    up, down = f"127.0.0.1:{device.port}", f"127.0.0.1:{closed_port()}"
    done = cli(tmp_path, "run", str(script), "--peers", f"devs={up},{down}", "--json", "--timeout", "60")
    assert done.returncode == 0, (done.stdout, done.stderr)
    [[ok, [failed]]] = json.loads(done.stdout)["responses"]
    assert ok == [device.peer_id]
    assert failed["error_code"] == 10000 and "ret_code is 14" in failed["message"]
    placeholder = failed["peer_id"]
    assert placeholder != device.peer_id and f"peer {placeholder} is unreachable" in failed["message"]
    assert f"warning: {down} did not answer" in done.stderr
    assert f"The script gets {placeholder} for {down!r}: calls on it fail with error 14" in done.stderr
    # --peer (one device, the script's own input) is not optional: not found ends the run.
    done = cli(tmp_path, "run", str(script), "--peer", f"devs={down}")
    assert done.returncode == 3 and f"error: {down} did not answer" in done.stderr, done.stderr

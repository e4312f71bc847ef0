"""libcoap's `coap-client-notls` against a running agent: a real `edge-agent serve` process on
loopback (discovery off, so nothing leaves this host's namespace).

Another CoAP implementation reads `/.well-known/core` and `/status` (CBOR and JSON), and
POSTs a signed particle the agent runs; /status then counts it. Skipped without the tool,
failed instead under CI (EDGE_AGENT_CI).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import cbor2
import pytest

from edge_agent import __version__, const, particle
from edge_agent.identity import KeyPair
from tests.support.serve import serving

TOOL = "coap-client-notls"
CLI = [sys.executable, "-m", "edge_agent"]
START_TIMEOUT_S = 30.0


class Agent:
    def __init__(self, proc: subprocess.Popen[str], peer_id: str, port: int) -> None:
        self.proc = proc
        self.peer_id = peer_id
        self.port = port
        self.base = f"coap://127.0.0.1:{port}"


@pytest.fixture
def agent(tmp_path: Path, require_tools: Callable[..., None]) -> Iterator[Agent]:
    require_tools(TOOL)
    config = tmp_path / "config.toml"
    config.write_text(
        f'state_dir = "{tmp_path / "state"}"\n'
        '[coap]\nbind = "127.0.0.1"\nport = 0\n'
        "[discovery]\nenabled = false\n"
    )
    with serving(config, timeout=START_TIMEOUT_S) as served:
        yield Agent(served.proc, served.peer_id, served.port)


def coap_client(*args: str) -> tuple[bytes, str]:
    """Run the tool (-B bounds its wait for an answer); (stdout bytes, stderr text)."""
    done = subprocess.run([TOOL, "-B", "30", *args], capture_output=True, timeout=60)
    assert done.returncode == 0, (done.returncode, done.stderr)
    return done.stdout, done.stderr.decode(errors="replace")


def test_coap_client_reads_well_known_core_and_status_of_a_running_agent(
    agent: Agent, tmp_path: Path
) -> None:
    out, _ = coap_client("-m", "get", f"{agent.base}/.well-known/core")
    links = out.decode().strip().split(",")
    assert '</particle>;ct="60";rt="edge-agent.particle"' in links
    assert '</status>;ct="60 50";rt="edge-agent.status"' in links

    out, _ = coap_client("-m", "get", "-A", "60", f"{agent.base}/status")
    status = cbor2.loads(out)
    assert status["peer_id"] == agent.peer_id
    assert status["version"] == __version__
    assert status["port"] == agent.port
    assert status["services"] == [] and status["peers"] == []
    assert status["uptime_s"] >= 0
    collector = status["metrics"]["gc"]  # gc_policy.settle ran once the agent had started
    assert collector["frozen"] > 1000 and collector["young_threshold"] == const.GC_YOUNG_THRESHOLD
    out, _ = coap_client("-m", "get", "-A", "50", f"{agent.base}/status")
    assert json.loads(out)["peer_id"] == agent.peer_id

    # A particle POSTed by libcoap runs on the agent, and /status counts it.
    key = KeyPair.generate()
    p = particle.Particle.create(key, f'(call "{agent.peer_id}" ("op" "noop") [])')
    (tmp_path / "particle").write_bytes(p.encode())
    _, err = coap_client("-m", "post", "-t", "60", "-f", str(tmp_path / "particle"),
                         f"{agent.base}/particle")
    assert not err.startswith(("4.", "5.")), err
    deadline = time.monotonic() + 60
    while True:
        out, _ = coap_client("-m", "get", f"{agent.base}/status")
        counters = cbor2.loads(out)["counters"]
        if counters.get("calls") == 1 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert counters["received"] == 1 and counters["accepted"] == 1 and counters["calls"] == 1

    # A refused one is answered with the reason, and counted.
    _, err = coap_client("-m", "post", "-t", "60", "-e", "not cbor", f"{agent.base}/particle")
    assert err.startswith("4.00 malformed:"), err
    out, _ = coap_client("-m", "get", f"{agent.base}/status")
    assert cbor2.loads(out)["counters"]["dropped_malformed"] == 1
    assert agent.proc.poll() is None

"""mDNS is believed no more (issue 8, attack 5): real agents in network namespaces, a squatter
announcing what is not its own, and the laptop CLI.

- A squatter announces the name "garage" with its own peer id: `edge-agent call garage ...`
  refuses the ambiguous name and lists both ids (exit 2); a laptop that pinned "garage"
  before calls the real garage, warned, and the squatter gets no particle.
- A squatter announces kitchen's peer id at its own address (and relays the challenges it
  gets to the real kitchen): kitchen-bound copies -- from the laptop, and from garage
  forwarding a script -- all reach kitchen, none the squatter; killed without a goodbye, its
  stale announcement slows nothing down.

Namespaces: garage (0), kitchen (1), the squatter (2), the laptop (3); made once for the
module and removed at its end, also on failure. Waits are bounded; nothing asserts on time.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import _unavailable  # skip, or fail under CI
from tests.integration.test_agents_netns import VIA_RELAY  # laptop -> relay -> target -> laptop
from tests.support.netns import NetnsLan, NetnsProcess, netns_unavailable_reason

CLI = [sys.executable, "-m", "edge_agent"]
PORT = 5683
GARAGE, KITCHEN, SQUATTER, LAPTOP = range(4)
START_TIMEOUT_S = 30.0
CLI_TIMEOUT_S = 60.0
DISCOVERY_S = 10.0

# Polls an agent's /status until `peer_id` is among its peers (or the deadline passes).
WAIT_PEER = r"""
import asyncio, sys, time
from edge_agent.net.coap import CoapClient, RequestFailed

async def main(host, peer_id, deadline):
    async with CoapClient() as client:
        while time.monotonic() < deadline:
            try:
                if peer_id in (await client.get_status((host, 5683), timeout=0.5))["peers"]:
                    print("seen"); return
            except RequestFailed:
                pass
            await asyncio.sleep(0.1)
    print("not seen")

asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3])))
"""


class Lan:
    def __init__(self, lan: NetnsLan, tmp: Path) -> None:
        self.lan = lan
        self.tmp = tmp
        self.ids: dict[int, str] = {}
        self.configs = {i: tmp / f"agent{i}" / "config.toml" for i in (GARAGE, KITCHEN)}

    def init(self) -> None:
        for i, name in ((GARAGE, "garage"), (KITCHEN, "kitchen")):
            config = self.configs[i]
            done = subprocess.run(
                [*CLI, "init", "--config", str(config), "--state-dir", str(config.parent / "state"),
                 "--port", str(PORT), "--name", name, "--json"],
                capture_output=True, text=True, timeout=CLI_TIMEOUT_S, check=True,
            )
            self.ids[i] = json.loads(done.stdout)["peer_id"]

    def serve(self, i: int) -> NetnsProcess:
        proc = self.lan.spawn(i, [*CLI, "serve", "--config", str(self.configs[i])])
        proc.wait_for(r"serving as 12D3KooW", timeout=START_TIMEOUT_S)
        return proc

    def squat(self, *args: str) -> tuple[NetnsProcess, str]:
        """Start a squatter in its namespace; (the process, its own peer id)."""
        ip = self.lan.peers[SQUATTER].ipv4
        proc = self.lan.spawn_python(SQUATTER, "-m", "tests.security.squatter", "--ip", ip, *args)
        line = proc.wait_for(r"^ready ", timeout=START_TIMEOUT_S)
        return proc, line.split()[1]

    def address(self, i: int) -> str:
        return f"{self.lan.peers[i].ipv4}:{PORT}"

    def laptop(self, home: str, args: list[str], timeout: float = CLI_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
        env = {"EDGE_AGENT_HOME": str(self.tmp / home)}
        return self.lan.run(LAPTOP, [*CLI, *args], env=env, timeout=timeout, check=False)

    def wait_until_known(self, agent: int, peer_id: str) -> None:
        deadline = time.monotonic() + DISCOVERY_S
        done = self.lan.run(LAPTOP, [sys.executable, "-c", WAIT_PEER, self.lan.peers[agent].ipv4, peer_id,
                                     repr(deadline)], timeout=DISCOVERY_S + 30)
        assert done.stdout.strip() == "seen", f"agent {agent} did not learn of {peer_id}: {done.stderr}"


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lan]:
    reason = netns_unavailable_reason()
    if reason:
        _unavailable(reason)
    with NetnsLan(4) as lan:
        net = Lan(lan, tmp_path_factory.mktemp("squatters"))
        net.init()
        net.serve(GARAGE)  # kitchen starts in its test, after the squatter
        yield net


def count(proc: NetnsProcess, what: str) -> int:
    return sum(line == what for line in proc.lines)


def test_a_name_squatter_makes_the_name_ambiguous_and_gets_no_particle(net: Lan) -> None:
    garage = net.ids[GARAGE]
    # A laptop that used "garage" before the squatter came (pinned on first use).
    done = net.laptop("pinned", ["call", "garage", "peer", "identify", "--json", "--timeout", "10"])
    assert done.returncode == 0 and json.loads(done.stdout)["result"]["peer_id"] == garage, done.stderr

    squatter, squatter_id = net.squat("--port", "5700", "--name", "garage")
    try:
        # A laptop that never used the name: refused, both ids listed, exit 2 (usage).
        done = net.laptop("fresh", ["call", "garage", "peer", "identify", "--timeout", "10"])
        assert done.returncode == 2, (done.stdout, done.stderr)
        assert "2 devices announce the name 'garage'" in done.stderr
        assert garage in done.stderr and squatter_id in done.stderr
        assert "edge-agent known pin garage" in done.stderr
        assert done.stdout == ""

        # The pinned laptop: the real garage every time, with a warning naming the squatter.
        for _ in range(4):
            done = net.laptop("pinned", ["call", "garage", "peer", "identify", "--json", "--timeout", "10"])
            assert done.returncode == 0, done.stderr
            assert json.loads(done.stdout)["result"]["peer_id"] == garage
            assert squatter_id in done.stderr and "also announced by" in done.stderr
        assert count(squatter, "particle") == 0
    finally:
        squatter.stop()


def test_a_peer_id_squatter_gets_no_particle_and_the_real_device_gets_them_all(net: Lan) -> None:
    garage, kitchen = net.ids[GARAGE], net.ids[KITCHEN]
    squatter, _ = net.squat("--port", "5701", "--name", "kitchen-spare", "--id", kitchen,
                            "--relay", net.address(KITCHEN))
    try:
        # Garage hears the squatter's claim before kitchen exists, so it tries the squatter's
        # address first once kitchen is there too.
        net.wait_until_known(GARAGE, kitchen)
        net.serve(KITCHEN)
        data = json.dumps({"relay": garage, "target": kitchen})
        script = net.tmp / "via-relay.air"
        script.write_text(VIA_RELAY)
        for _ in range(3):
            done = net.laptop("ids", ["run", str(script), "--data", data, "--json", "--timeout", "15"])
            assert done.returncode == 0, (done.stdout, done.stderr)
            assert [r["peer_id"] for [r] in json.loads(done.stdout)["responses"]] == [kitchen]
        for _ in range(2):
            done = net.laptop("ids", ["call", "kitchen", "peer", "identify", "--json", "--timeout", "10"])
            assert done.returncode == 0 and json.loads(done.stdout)["result"]["peer_id"] == kitchen, done.stderr
        assert count(squatter, "challenge") >= 1  # its claim was heard, and challenged
        assert count(squatter, "particle") == 0

        # Killed without a goodbye, its announcement stays in every cache: nothing waits on it.
        squatter.signal(signal.SIGKILL)
        squatter.popen.wait(10)
        done = net.laptop("ids", ["run", str(script), "--data", data, "--json", "--timeout", "15"])
        assert done.returncode == 0, done.stderr
        assert [r["peer_id"] for [r] in json.loads(done.stdout)["responses"]] == [kitchen]
    finally:
        squatter.stop()

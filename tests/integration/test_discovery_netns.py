"""Three agents' discovery, each in its own network namespace on one bridge (design.md §6):
they find each other by mDNS within 5 s of starting discovery, without configuration, and a
stopped one is dropped by the others at once (its goodbye). Namespaces and processes are made
and removed here. The 5 s count from the last `Discovery.start`, not from the processes'
spawn: a cold Python start with zeroconf takes seconds on a small board.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest

from edge_agent.identity import KeyPair
from tests.support.netns import NetnsLan, NetnsProcess, existing_namespaces

PORT = 5683
DISCOVERY_DEADLINE_S = 5.0
START_TIMEOUT_S = 60.0  # spawn to "starting": a Python start, wide for a slow board

# One agent's discovery: prints a JSON line per address-book change, stops on SIGTERM.
PEER = r"""
import asyncio, json, signal, sys, time
from edge_agent.net.addressbook import AddressBook
from edge_agent.net.discovery import Discovery

def emit(**fields):
    print(json.dumps(dict(fields, t=time.monotonic())), flush=True)

async def main(peer_id, port, interface):
    book = AddressBook()
    book.subscribe(lambda c: emit(event=c.kind.value, peer=c.peer_id,
                                  addresses=[str(a) for a in c.addresses]))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    interfaces = None if interface == "all" else [interface]  # default: every interface
    discovery = Discovery(peer_id, port, book, interfaces=interfaces)
    emit(event="starting")
    await discovery.start()
    emit(event="registered", name=discovery.instance_name, advertised=discovery.advertised,
         registered_s=discovery.timings.registered_s)
    await stop.wait()
    await discovery.stop()
    emit(event="stopped", stop_s=discovery.timings.stop_s)

asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
"""


def event(name: str, **match: Any) -> Callable[[str], bool]:
    """A line predicate: a JSON line with event `name` and the given fields."""

    def pred(line: str) -> bool:
        try:
            obj = json.loads(line)
        except ValueError:
            return False
        return obj.get("event") == name and all(obj.get(k) == v for k, v in match.items())

    return pred


def test_three_agents_discover_each_other_and_drop_a_leaver(
    netns_lan: Callable[..., NetnsLan],
) -> None:
    t_setup = time.monotonic()
    lan = netns_lan(3)
    setup_s = time.monotonic() - t_setup
    ids = [KeyPair.generate().peer_id for _ in lan.peers]

    procs: list[NetnsProcess] = [
        lan.spawn_python(p, "-c", PEER, ids[p.index], str(PORT), "all") for p in lan.peers
    ]
    starts = [
        json.loads(p.wait_for(event("starting"), timeout=START_TIMEOUT_S, from_start=True))["t"]
        for p in procs
    ]
    t0 = max(starts)

    # Everyone finds both others, with the address it has on the bridge, within 5 s.
    found_at: dict[tuple[int, int], float] = {}
    for i, proc in enumerate(procs):
        for j, peer in enumerate(lan.peers):
            if i == j:
                continue
            left = t0 + DISCOVERY_DEADLINE_S - time.monotonic()
            added = event("added", peer=ids[j])
            line = json.loads(proc.wait_for(added, timeout=max(left, 0), from_start=True))
            assert f"{peer.ipv4}:{PORT}" in line["addresses"], line
            found_at[(i, j)] = line["t"] - t0
    registered = [
        json.loads(p.wait_for(event("registered"), timeout=10, from_start=True)) for p in procs
    ]
    discovery_s = max(found_at.values())
    assert discovery_s < DISCOVERY_DEADLINE_S

    # Agent 2 stops cleanly: its goodbye makes the other two drop it at once.
    leaver = procs[2]
    t1 = time.monotonic()
    leaver.signal(signal.SIGTERM)
    goodbye_s = []
    for proc in procs[:2]:
        line = json.loads(proc.wait_for(event("removed", peer=ids[2]), timeout=10))
        goodbye_s.append(line["t"] - t1)
    stopped = json.loads(leaver.wait_for(event("stopped"), timeout=10))
    assert leaver.popen.wait(10) == 0, leaver.stderr
    # ...and only it: the other two still know each other.
    for proc in procs[:2]:
        assert not any(event("removed", peer=p)(line) for line in proc.lines for p in ids[:2])

    print(
        f"\nnetns discovery timings (s): setup {setup_s:.3f} (lan says {lan.setup_seconds:.3f}); "
        f"registered {[round(r['registered_s'], 3) for r in registered]}; "
        f"all found {discovery_s:.3f}; goodbye seen {[round(g, 3) for g in goodbye_s]}; "
        f"stop {stopped['stop_s']:.3f}"
    )
    # The records' TTLs are 120 s and more: seconds mean the goodbye did it, not an expiry.
    assert max(goodbye_s) < 5.0, "a goodbye should remove the peer well before any expiry"

    # Teardown is the fixture's job; check here that it really leaves nothing behind.
    assert not lan.close()
    assert not set(lan.namespaces) & existing_namespaces()
    assert all(p.returncode is not None for p in procs)


ECHO_SERVER = """
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", 9999))
print("ready", flush=True)
while True:
    data, addr = s.recvfrom(100)
    s.sendto(data, addr)
"""

ECHO_CLIENT = """
import socket, sys
family = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
c = socket.socket(family, socket.SOCK_DGRAM)
c.settimeout(2)
c.sendto(b"hi", (sys.argv[1], 9999))
print(c.recvfrom(100)[0].decode())
"""


def test_lan_connects_peers_and_is_removed(netns_lan: Callable[..., NetnsLan]) -> None:
    lan = netns_lan(2)
    me, other = lan.peers
    server = lan.spawn_python(other, "-c", ECHO_SERVER)
    server.wait_for("ready", timeout=30)
    for target in (other.ipv4, f"{other.ipv6}%{me.ifname}"):
        out = lan.run(me, [sys.executable, "-c", ECHO_CLIENT, target], timeout=30)
        assert out.stdout.strip() == "hi", out.stderr
    # The test's own namespace has none of the LAN's addresses.
    host = subprocess.run(["ip", "-4", "addr"], capture_output=True, text=True, check=True)
    assert other.ipv4 not in host.stdout
    names = set(lan.namespaces)
    assert names <= existing_namespaces()
    assert not lan.close()
    assert server.returncode is not None
    assert not names & existing_namespaces()


@pytest.mark.parametrize("peers", [5])
def test_setup_is_fast(netns_lan: Callable[..., NetnsLan], peers: int) -> None:
    lan = netns_lan(peers)
    assert lan.setup_seconds is not None
    print(f"\nnetns setup for {peers} peers: {lan.setup_seconds:.3f} s")
    assert lan.setup_seconds < 2.0

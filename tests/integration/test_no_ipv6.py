"""Agents on hosts without IPv6, as a Raspberry Pi booted with ``ipv6.disable=1`` is (issue 14).

There, every ``socket(AF_INET6, ...)`` fails with EAFNOSUPPORT. A tiny LD_PRELOAD library,
compiled here with the C compiler, makes it so for the processes a test starts (the kernel
option cannot be set per process): the agent with its default configuration (bind '::')
must come up on IPv4, say that IPv6 is unavailable, answer /status and run a call from the
CLI (itself without IPv6). Then two agents in network namespaces with IPv6 switched off
(``net.ipv6.conf.all.disable_ipv6=1``) and the library must find each other over mDNS on
IPv4 and take a call across.

Needs a C compiler (and, for the namespaces, root and `ip`): skipped without,
failed instead under CI (EDGE_AGENT_CI). Every process is stopped and every namespace
removed, also on failure; every wait is bounded.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.netns import NetnsLan, NetnsProcess
from tests.support.serve import Served, serving

CLI = [sys.executable, "-m", "edge_agent"]
START_TIMEOUT_S = 60.0  # a cold start with every import takes seconds on a small board
CLI_TIMEOUT_S = 60.0
DISCOVERY_TIMEOUT_S = 30.0
PORT = 5683

NO_INET6_C = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/socket.h>
/* socket() as on a kernel without IPv6: AF_INET6 is not supported; all else as usual. */
int socket(int domain, int type, int protocol) {
    static int (*real)(int, int, int);
    if (domain == AF_INET6) { errno = EAFNOSUPPORT; return -1; }
    if (!real) real = (int (*)(int, int, int))dlsym(RTLD_NEXT, "socket");
    return real(domain, type, protocol);
}
"""

# Asks each agent's /status (from this namespace, without IPv6 as well) until every agent
# lists the others as peers, or the deadline (CLOCK_MONOTONIC) passes; prints one JSON line.
POLL_PEERS = r"""
import asyncio, json, sys, time
from edge_agent.net.coap import CoapClient, RequestFailed

async def main(deadline, targets):
    peers = {}
    async with CoapClient() as client:
        while time.monotonic() < deadline:
            for host, port in targets:
                try:
                    status = await client.get_status((host, int(port)), timeout=1.0)
                except RequestFailed:
                    continue
                peers[status["peer_id"]] = status["peers"]
            if len(peers) == len(targets) and all(
                set(peers) - {me} <= set(known) for me, known in peers.items()
            ):
                break
            await asyncio.sleep(0.1)
    print(json.dumps(peers), flush=True)

asyncio.run(main(float(sys.argv[1]), [t.split(":") for t in sys.argv[2:]]))
"""


@pytest.fixture
def no_inet6(tmp_path: Path, require_tools: Callable[..., None]) -> dict[str, str]:
    """Environment for a process on a host without IPv6 (LD_PRELOAD of the library)."""
    compiler = next((cc for cc in ("cc", "gcc", "clang") if shutil.which(cc)), None)
    if compiler is None:
        require_tools("cc")  # skips, or fails under CI
    source = tmp_path / "no_inet6.c"
    source.write_text(NO_INET6_C)
    library = tmp_path / "no_inet6.so"
    subprocess.run([str(compiler), "-shared", "-fPIC", "-O2", "-o", str(library), str(source), "-ldl"],
                   check=True, capture_output=True, timeout=60)
    env = {"LD_PRELOAD": str(library)}
    probe = subprocess.run(
        [sys.executable, "-c", "import socket; socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)"],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=60,
    )
    assert "Address family not supported" in probe.stderr, probe.stderr  # the library works
    return env


def _config(path: Path, *, port: int, discovery: bool) -> Path:
    """A configuration with the default bind ('::'), as `edge-agent init` writes it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f'state_dir = "{path.parent / "state"}"\n[coap]\nport = {port}\n'
        f"[discovery]\nenabled = {'true' if discovery else 'false'}\n"
    )
    return path


@pytest.fixture
def agent(tmp_path: Path, no_inet6: dict[str, str]) -> Iterator[Served]:
    """`edge-agent serve` without IPv6, default bind, a free port, discovery off."""
    config = _config(tmp_path / "agent" / "config.toml", port=0, discovery=False)
    with serving(config, env=no_inet6, timeout=START_TIMEOUT_S) as served:
        yield served


def test_an_agent_without_ipv6_serves_status_and_calls_on_ipv4(
    agent: Served, tmp_path: Path, no_inet6: dict[str, str]
) -> None:
    proc, peer_id, port = agent.proc, agent.peer_id, agent.port
    laptop = {**os.environ, **no_inet6, "EDGE_AGENT_HOME": str(tmp_path / "laptop"), "EDGE_AGENT_MDNS": "0"}

    def cli(*args: str) -> dict[str, object]:
        done = subprocess.run([*CLI, *args, "--json"], env=laptop, capture_output=True, text=True,
                              timeout=CLI_TIMEOUT_S)
        assert done.returncode == 0, (done.stdout, done.stderr)
        return json.loads(done.stdout)  # type: ignore[no-any-return]

    status = cli("status", f"127.0.0.1:{port}")
    assert status["peer_id"] == peer_id and status["port"] == port
    assert cli("call", f"127.0.0.1:{port}", "peer", "identify")["result"]["peer_id"] == peer_id

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0
    assert proc.stderr is not None
    log = proc.stderr.read()
    assert "IPv6 is unavailable on this host" in log, log
    assert f"CoAP server listening on UDP 0.0.0.0:{port}" in log, log


def test_two_agents_without_ipv6_find_each_other_over_mdns_on_ipv4(
    netns_lan: Callable[..., NetnsLan], tmp_path: Path, no_inet6: dict[str, str],
) -> None:
    lan = netns_lan(2)
    for peer in lan.peers:  # sysctl net.ipv6.conf.{all,default}.disable_ipv6=1, in the namespace
        lan.run(peer, ["sh", "-c", "for k in all default; do "
                       "echo 1 > /proc/sys/net/ipv6/conf/$k/disable_ipv6; done"])
        addresses = lan.run(peer, ["ip", "-6", "addr", "show"]).stdout
        assert "inet6" not in addresses, addresses  # no IPv6 address left, ::1 included

    procs: list[NetnsProcess] = []
    ids: list[str] = []
    for peer in lan.peers:
        config = _config(tmp_path / f"agent{peer.index}" / "config.toml", port=PORT, discovery=True)
        proc = lan.spawn(peer, [*CLI, "serve", "--config", str(config)], env=no_inet6)
        procs.append(proc)
    for proc in procs:
        line = proc.wait_for(r"serving as 12D3KooW", timeout=START_TIMEOUT_S)
        ids.append(line.split("serving as ")[1].split()[0])

    targets = [f"{peer.ipv4}:{PORT}" for peer in lan.peers]
    poller = lan.spawn_python(0, "-c", POLL_PEERS, repr(time.monotonic() + DISCOVERY_TIMEOUT_S),
                              *targets, env=no_inet6)
    peers = json.loads(poller.wait_for(r"^\{", timeout=DISCOVERY_TIMEOUT_S + START_TIMEOUT_S))
    assert peers == {ids[0]: [ids[1]], ids[1]: [ids[0]]}, peers

    # A call from the first namespace to the second agent, by address, over IPv4.
    laptop = {**no_inet6, "EDGE_AGENT_HOME": str(tmp_path / "laptop"), "EDGE_AGENT_MDNS": "0"}
    done = lan.run(0, [*CLI, "call", targets[1], "peer", "identify", "--json"], env=laptop,
                   timeout=CLI_TIMEOUT_S, check=False)
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert json.loads(done.stdout)["result"]["peer_id"] == ids[1]

    for proc in procs:
        proc.signal(signal.SIGTERM)
    for proc in procs:
        assert proc.popen.wait(30) == 0, proc.stderr
        assert "IPv6 is unavailable on this host" in proc.stderr
        assert "mDNS runs on IPv4 only" in proc.stderr

"""The networked node on loopback, discovery off: real `Node`s talking CoAP in one process.

Particles round-trip, fan out with `par` and join, fail their calls to an unreachable peer
with an error the init peer receives, and run deployed Wasm services (srv.*), which survive a
restart. Per-particle state is bounded without capping throughput. Every test runs under a
time limit and stops every node it starts; waits are bounded polls, never timing assertions.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable, Coroutine
from contextlib import AsyncExitStack
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from edge_agent import __version__, cborutil, const, const_observe, particle
from edge_agent.client import call_script
from edge_agent.config import Config, CoapConfig, DiscoveryConfig, ParticlesConfig, WasmConfig
from edge_agent.identity import KeyPair
from edge_agent.net.addressbook import Address, Source
from edge_agent.node import Node, Run
from edge_agent.air.calls import RET_UNREACHABLE as UNREACHABLE_RET_CODE

LOCAL = "127.0.0.1"
FIRMWARE = Path(__file__).resolve().parents[1] / "firmware_services" / "build"
RESPOND = '(call %init_peer_id% ("callbackSrv" "response") [{}])'
REPORT = '(call %init_peer_id% ("errorHandlingSrv" "error") [:error:])'


# --- helpers (tests/test_wire_hostile.py uses them too) ------------------------------------


def run(coro: Coroutine[Any, Any, Any], timeout: float = 120.0) -> Any:
    """Run `coro` on a fresh loop, failing if it takes longer than `timeout` seconds (a
    bound for a hang, wide enough for a Raspberry Pi)."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


def node_config(state_dir: Path, **particles: int) -> Config:
    """A loopback node: any free port, no mDNS, one Wasm worker; `particles` overrides limits."""
    return Config(
        state_dir=state_dir,
        log_level="debug",
        coap=CoapConfig(bind=LOCAL, port=0),
        discovery=DiscoveryConfig(enabled=False),
        particles=replace(ParticlesConfig(), **particles),
        wasm=WasmConfig(workers=1),
    )


async def start_node(stack: AsyncExitStack, state_dir: Path, **particles: int) -> Node:
    """A started node, stopped when `stack` closes."""
    node = Node(node_config(state_dir, **particles))
    await node.start()
    stack.push_async_callback(node.stop)
    return node


async def agent_client_stranger(stack: AsyncExitStack, tmp: Path) -> tuple[Node, Node, Node]:
    """Three started nodes that know each other's addresses, none trusting another yet."""
    nodes = [await start_node(stack, tmp / name) for name in ("agent", "client", "stranger")]
    introduce(*nodes)
    return nodes[0], nodes[1], nodes[2]


def introduce(*nodes: Node) -> None:
    """Give every node the loopback address of every other (as static config would)."""
    for a in nodes:
        for b in nodes:
            if a is not b:
                a.book.add(b.peer_id, Address(LOCAL, b.port), Source.STATIC)


async def until(condition: Callable[[], bool], timeout: float = 60.0, what: str = "") -> None:
    """Poll `condition` every 10 ms until it holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout} s: {what or condition}")
        await asyncio.sleep(0.01)


async def start_and_wait(
    client: Node, script: str, data: dict[str, Any] | None = None, *, ttl_ms: int = 10_000
) -> Run:
    """Start `script` on `client` and wait (at most its ttl) for a response or an error."""
    run_ = await client.start_particle(script, data, ttl_ms=ttl_ms)
    await client.wait(run_, timeout_s=ttl_ms / 1000)
    return run_


def call_on(peer_id: str, service: str, function: str, args: str = "[]") -> str:
    """AIR: one call on `peer_id`, its result back to the init peer, its error reported."""
    return (
        f'(xor (seq (call "{peer_id}" ("{service}" "{function}") {args} r) {RESPOND.format("r")})'
        f" {REPORT})"
    )


async def call(client: Node, peer_id: str, service: str, function: str, *args: Any, ttl_ms: int = 10_000) -> Run:
    """One call on `peer_id` with `args` (any JSON values), as the CLI makes it."""
    script = call_script(peer_id, service, function, len(args))
    return await start_and_wait(client, script, {f"a{i}": a for i, a in enumerate(args)}, ttl_ms=ttl_ms)


def counters(node: Node) -> dict[str, int]:
    return node.status()["counters"]


# --- round trips -----------------------------------------------------------------------------


def test_one_hop_round_trip_and_status(tmp_path: Path) -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            agent = await start_node(stack, tmp_path / "agent")
            client = await start_node(stack, tmp_path / "client")
            introduce(agent, client)
            done = await start_and_wait(client, call_on(agent.peer_id, "peer", "identify"))
            assert done.client.errors == []
            assert [args[0]["peer_id"] for args in done.client.responses] == [agent.peer_id]
            # The answer is small and ready at once: it rode back in the CoAP response to the
            # client's POST, saving an exchange.
            await until(lambda: counters(agent).get("sent") == 1, what="the answer sent")

            status = agent.status()
            assert status["peer_id"] == agent.peer_id
            assert status["version"] == __version__
            assert status["cbor2"] == cborutil.implementation()
            assert status["port"] == agent.port
            assert status["services"] == []
            assert status["uptime_s"] >= 0
            assert client.peer_id in status["peers"] and status["peers_known"] == 1
            many = sorted(KeyPair.from_seed(bytes([i]) * 32).peer_id for i in range(70))
            for i, peer in enumerate(many):
                agent.book.add(peer, Address("127.0.0.1", 40000 + i), Source.STATIC)
            listed = agent.status()
            assert listed["peers_known"] == 71 and len(listed["peers"]) == const_observe.STATUS_MAX_PEERS
            assert listed["peers"] == sorted([*many, client.peer_id])[: const_observe.STATUS_MAX_PEERS]
            assert status["counters"]["received"] == 1
            assert status["counters"]["accepted"] == 1
            assert status["counters"]["calls"] == 1
            assert status["counters"]["sent"] == 1
            assert not any(k.startswith("dropped_") for k in status["counters"])
            assert status["coap"]["server"]["accepted"] == 1
            assert status["coap"]["server"]["replied_in_response"] == 1
            assert status["coap"]["client"]["delivered"] == 0

    run(go())


def test_par_fan_out_and_join_returns_to_the_sender(tmp_path: Path) -> None:
    """client -> relay; relay fans out to b and c (par); both join on the relay; -> client."""
    script = f"""
    (xor
     (seq
      (seq (call %init_peer_id% ("getDataSrv" "relay") [] relay)
      (seq (call %init_peer_id% ("getDataSrv" "b") [] b)
           (call %init_peer_id% ("getDataSrv" "c") [] c)))
      (seq
       (seq (call relay ("op" "noop") [])
            (par (call b ("peer" "identify") [] rb)
                 (call c ("peer" "identify") [] rc)))
       (seq (call relay ("op" "array") [rb.$.peer_id rc.$.peer_id] both)
            {RESPOND.format("both")})))
     {REPORT})
    """

    async def go() -> None:
        async with AsyncExitStack() as stack:
            relay, b, c, client = [await start_node(stack, tmp_path / n) for n in "rbcx"]
            introduce(relay, b, c)
            # The client knows only the relay; the relay learns the client's address from
            # the sender hint of the particle it receives.
            client.book.add(relay.peer_id, Address(LOCAL, relay.port), Source.STATIC)
            ids = {"relay": relay.peer_id, "b": b.peer_id, "c": c.peer_id}
            done = await start_and_wait(client, script, ids)
            assert done.client.errors == []
            assert done.client.responses == [[[b.peer_id, c.peer_id]]]
            assert relay.book.lookup(client.peer_id) == (Address(LOCAL, client.port),)
            assert client.peer_id not in b.book.peers()  # b never talked to the client
            for peer in (b, c):
                assert counters(peer)["calls"] == 1

    run(go())


def test_a_call_to_an_unreachable_peer_fails_with_an_error_the_sender_receives(
    tmp_path: Path,
) -> None:
    """Nothing listens at the peer's address: the relay gives up before the ttl and the
    script's xor sends error 10000 back to the init peer (in the last fifth of the ttl,
    NODE_ERROR_RESERVE_MS: 1 s here, for three AIR runs and one hop on a slow board)."""
    ttl_ms = 5000

    async def go() -> None:
        async with AsyncExitStack() as stack:
            relay = await start_node(stack, tmp_path / "relay")
            client = await start_node(stack, tmp_path / "client")
            introduce(relay, client)
            gone = KeyPair.generate().peer_id
            relay.book.add(gone, Address(LOCAL, _closed_port()), Source.STATIC)
            script = f"""
            (xor (seq (call "{relay.peer_id}" ("op" "noop") [])
                      (seq (call "{gone}" ("peer" "identify") [] r) {RESPOND.format("r")}))
                 (seq (call "{relay.peer_id}" ("op" "noop") []) {REPORT}))
            """
            done = await start_and_wait(client, script, ttl_ms=ttl_ms)  # waits at most the ttl
            assert done.client.responses == []
            [[error]] = done.client.errors
            assert error["error_code"] == 10000
            assert error["peer_id"] == gone
            assert f"ret_code is {UNREACHABLE_RET_CODE}" in error["message"]
            assert f"peer {gone} is unreachable" in error["message"]
            assert counters(relay)["undeliverable"] == 1

            # A peer with no known address fails at once, also on the init peer itself.
            nowhere = KeyPair.generate().peer_id
            done = await start_and_wait(client, call_on(nowhere, "op", "noop"))
            [[error]] = done.client.errors
            assert f"peer {nowhere} is unreachable: no address known" in error["message"]

    run(go())


def test_many_particles_at_once_and_one_failure_disturbs_no_other(tmp_path: Path) -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            agent = await start_node(stack, tmp_path / "agent")
            client = await start_node(stack, tmp_path / "client")
            introduce(agent, client)
            # Sixty at once is over a stranger's burst (50): failing particles answer at once
            # now (their failure reports), so all sixty arrive within it.
            agent.state.trust(client.peer_id)
            agent._trust.refresh()
            good = call_on(agent.peer_id, "op", "identity", "[n]")
            # No xor: the unknown service fails the whole particle on the agent.
            bad = f'(seq (call "{agent.peer_id}" ("nosuch" "f") []) {RESPOND.format("1")})'
            runs = await asyncio.gather(
                *(client.start_particle(bad if i % 5 == 0 else
                                        f'(seq (call %init_peer_id% ("getDataSrv" "n") [] n) {good})',
                                        {"n": i}) for i in range(60))
            )
            goods = [(i, r) for i, r in enumerate(runs) if i % 5]
            await asyncio.gather(*(client.wait(r, timeout_s=60) for _, r in goods))
            for i, r in goods:
                assert r.client.responses == [[i]], (i, r.client.errors)
            await until(lambda: counters(agent).get("failed_runs") == 12, what="12 failed runs")
            await until(lambda: counters(client).get("failure_reports") == 12, what="12 failure reports")
            assert all(r.failure is not None and r.failure.peer == agent.peer_id for r in runs[::5])
            assert not any(r.failure for _, r in goods)
            assert counters(agent)["accepted"] == 60

    run(go())


def test_a_particle_that_calls_its_own_peer_again_runs_there(tmp_path: Path) -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            agent = await start_node(stack, tmp_path / "agent")
            client = await start_node(stack, tmp_path / "client")
            introduce(agent, client)
            me = agent.peer_id
            script = f"""
            (seq (call "{me}" ("op" "concat_strings") ["a" "b"] x)
            (seq (call "{me}" ("op" "concat_strings") [x "c"] y)
                 {RESPOND.format("y")}))
            """
            done = await start_and_wait(client, script)
            assert done.client.responses == [["abc"]]
            assert counters(agent)["received"] == 1  # the second call needed no hop

    run(go())


# --- bounded state ---------------------------------------------------------------------------


def test_more_particles_than_the_limit_within_a_ttl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Finished-here particles are kept until their ttl, but the idle ones give way to new
    ones at the limit, so the limit caps memory, not throughput; their ids are kept."""
    monkeypatch.setattr(const, "NODE_MAX_PARTICLES", 8)

    async def go() -> None:
        async with AsyncExitStack() as stack:
            agent = await start_node(stack, tmp_path / "agent")
            client = await start_node(stack, tmp_path / "client")
            introduce(agent, client)
            first = None
            for i in range(30):
                done = await start_and_wait(client, call_on(agent.peer_id, "op", "identity", f"[{i}]"))
                assert done.client.responses == [[i]]
                first = first or done.particle
            assert len(agent.core) <= 8 and len(client.core) <= 8
            # The client is a stranger to the agent: its particles may fill 3/4 of the room.
            assert counters(agent)["evicted"] == 30 - 6
            assert "dropped_overloaded" not in counters(agent)
            # An evicted particle's id is remembered: a copy of it is a replay now.
            assert first is not None
            await agent.accept(first)
            assert counters(agent)["dropped_replay"] == 1

    run(go())


def test_held_particle_data_is_bounded_in_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Besides the count, the weight of particle data held (bytes and decoded items) is capped:
    big idle particles give way to new ones."""
    monkeypatch.setattr(const, "NODE_MAX_HELD_DATA_BYTES", 250_000)  # ~2 of these particles

    async def go() -> None:
        async with AsyncExitStack() as stack:
            agent = await start_node(stack, tmp_path / "agent")
            client = await start_node(stack, tmp_path / "client")
            introduce(agent, client)
            for i in range(4):
                script = (
                    '(seq (call %init_peer_id% ("getDataSrv" "blob") [] blob) '
                    + call_on(agent.peer_id, "op", "array_length", "[blob]")
                    + ")"
                )
                done = await start_and_wait(client, script, {"blob": list(range(1500))})
                assert done.client.responses == [[1500]]
                assert agent.core.held_bytes <= 250_000
            assert counters(agent)["evicted"] >= 2
            assert "dropped_overloaded" not in counters(agent)

    run(go())


def test_at_the_limit_busy_particles_stay_and_a_new_one_is_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(const, "NODE_MAX_PARTICLES", 4)
    key = KeyPair.generate()

    async def go() -> None:
        async with AsyncExitStack() as stack:
            agent = await start_node(stack, tmp_path / "agent")
            agent.state.trust(key.peer_id)  # a stranger would get only its share of the room
            agent._trust.refresh()
            release = asyncio.Event()
            real_call = agent.services.call

            async def call(caller: Any, service: str, function: str, args: list[Any]) -> Any:
                if service == "slow":
                    await release.wait()
                    return await real_call(caller, "op", "noop", [])
                return await real_call(caller, service, function, args)

            agent.services.call = call  # type: ignore[method-assign]
            slow = f'(call "{agent.peer_id}" ("slow" "wait") [])'
            tasks = [
                asyncio.create_task(agent.accept(particle.Particle.create(key, slow))) for _ in range(4)
            ]
            await until(lambda: len(agent.core) == 4, what="4 particles busy")
            await agent.accept(particle.Particle.create(key, slow))
            assert counters(agent)["dropped_overloaded"] == 1
            assert "evicted" not in counters(agent)
            release.set()
            await asyncio.gather(*tasks)
            assert counters(agent)["calls"] == 4
            # Now they are idle: a new particle makes room by evicting one.
            await agent.accept(particle.Particle.create(key, slow))
            assert counters(agent)["evicted"] == 1

    run(go())


def test_a_copy_of_a_held_particle_is_not_verified_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    verified: list[str] = []
    real_is_signed = particle.is_signed

    def counting_is_signed(p: particle.Particle) -> bool:
        verified.append(p.id)
        return real_is_signed(p)

    monkeypatch.setattr(particle, "is_signed", counting_is_signed)

    async def go() -> None:
        async with AsyncExitStack() as stack:
            agent = await start_node(stack, tmp_path / "agent")
            client = await start_node(stack, tmp_path / "client")
            introduce(agent, client)
            done = await start_and_wait(client, call_on(agent.peer_id, "op", "noop"))
            assert done.client.responses == [[""]]  # a Fluence peer's noop answers ""
            # The agent checked it once on arrival; the client started it, so its returning
            # copy (same id, script, times and signature) needs no check.
            assert verified == [done.particle.id]

    run(go())


# --- services --------------------------------------------------------------------------------


def test_srv_deploy_needs_trust_and_the_service_survives_a_restart(tmp_path: Path) -> None:
    wasm = (FIRMWARE / "greeting.wasm").read_bytes()
    sha = hashlib.sha256(wasm).hexdigest()

    async def go() -> None:
        async with AsyncExitStack() as stack:
            agent, client, stranger = await agent_client_stranger(stack, tmp_path)
            deploy = ("srv", "deploy", "greeting", sha, {"fuel": 2_000_000})

            # Not trusted: refused with a message that says what to do.
            stranger.offer_module(wasm)
            done = await call(stranger, agent.peer_id, *deploy)
            [[error]] = done.client.errors
            assert "not authorised" in error["message"]
            assert f"edge-agent trust add {stranger.peer_id}" in error["message"]
            assert agent.state.services() == {}

            # Trusted: the agent fetches the module from the client and runs it.
            agent.state.trust(client.peer_id)
            client.offer_module(wasm)
            done = await call(client, agent.peer_id, *deploy, ttl_ms=30_000)
            assert done.client.errors == []
            [[info]] = done.client.responses
            assert info["name"] == "greeting" and info["sha256"] == sha
            assert info["functions"] == ["greet"] and info["limits"]["fuel"] == 2_000_000
            done = await call(client, agent.peer_id, "greeting", "greet", "Ada")
            assert done.client.responses == [["Hello, Ada!"]]
            done = await call(client, agent.peer_id, "srv", "list")
            assert [s["name"] for s in done.client.responses[0][0]] == ["greeting"]
            done = await call(client, agent.peer_id, "srv", "info", "nope")
            assert "no service named 'nope'" in done.client.errors[0][0]["message"]
            assert agent.status()["services"] == ["greeting"]
            await agent.stop()

            # A new agent on the same state dir (same id) serves it again.
            again = await start_node(stack, tmp_path / "agent")
            assert again.peer_id == agent.peer_id
            assert again.status()["services"] == ["greeting"]
            introduce(again, client)
            client.book.add(again.peer_id, Address(LOCAL, again.port), Source.STATIC)
            done = await call(client, again.peer_id, "greeting", "greet", "Bob")
            assert done.client.responses == [["Hello, Bob!"]]

            # Removing it is for trusted peers too, and it stays removed.
            introduce(again, stranger)
            done = await call(stranger, again.peer_id, "srv", "remove", "greeting")
            assert "not authorised" in done.client.errors[0][0]["message"]
            done = await call(client, again.peer_id, "srv", "remove", "greeting")
            assert done.client.responses == [[{"name": "greeting", "removed": True, "purged": False}]]
            assert again.state.services() == {} and again.status()["services"] == []
            assert not again.state.has_module(sha)

    run(go(), timeout=180)


def test_a_deploy_whose_module_cannot_be_fetched_fails_with_a_reason(tmp_path: Path) -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            agent = await start_node(stack, tmp_path / "agent")
            client = await start_node(stack, tmp_path / "client")
            introduce(agent, client)
            agent.state.trust(client.peer_id)
            missing = "0" * 64  # the client offers no such module: GET answers 4.04
            done = await call(client, agent.peer_id, "srv", "deploy", "x", missing)
            [[error]] = done.client.errors
            assert f"could not fetch module {missing[:16]} from {client.peer_id}" in error["message"]
            assert agent.state.services() == {}

    run(go())


# --- lifecycle -------------------------------------------------------------------------------


def test_stop_is_idempotent_and_ends_particle_tasks(tmp_path: Path) -> None:
    async def go() -> None:
        node = Node(node_config(tmp_path / "n"))
        await node.start()
        await node.start()  # idempotent too
        gone = KeyPair.generate().peer_id
        node.book.add(gone, Address(LOCAL, _closed_port()), Source.STATIC)
        # A particle trying (with back-off) to reach a silent peer: its task is ended by stop().
        await node.start_particle(call_on(gone, "op", "noop"), ttl_ms=60_000)
        assert node._tasks
        await node.stop()
        await node.stop()
        assert not node._tasks

    run(go())


def _closed_port() -> int:
    """A UDP port on loopback nothing listens on (ICMP port unreachable)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((LOCAL, 0))
        return s.getsockname()[1]


def test_a_result_finds_the_process_that_started_the_particle(tmp_path: Path) -> None:
    # Two CLI processes share one laptop identity, and the device tries the wrong one first
    # (here: a static address). That process did not start the particle, so it refuses it
    # (not_ours) and the device delivers the result to the other address.
    async def go() -> None:
        async with AsyncExitStack() as stack:
            agent = await start_node(stack, tmp_path / "agent")
            agent.server.reply_wait_s = 0  # the answer travels as its own POST, to an address
            laptop = KeyPair.generate()
            waiting = Node(node_config(tmp_path / "waiting"), keypair=laptop)
            other = Node(node_config(tmp_path / "other"), keypair=laptop)
            for node in (waiting, other):
                await node.start()
                stack.push_async_callback(node.stop)
                node.book.add(agent.peer_id, Address(LOCAL, agent.port), Source.STATIC)
            agent.book.add(laptop.peer_id, Address(LOCAL, other.port), Source.STATIC)  # tried first
            done = await start_and_wait(
                waiting, f'(seq (call "{agent.peer_id}" ("op" "noop") []) {RESPOND.format("42")})'
            )
            assert done.client.responses == [[42]]
            assert counters(other)["dropped_not_ours"] == 1  # refused in the CoAP request path
            assert counters(waiting).get("dropped_not_ours", 0) == 0

    run(go())


def test_the_transport_serves_trusted_peers_hosts_first(tmp_path: Path) -> None:
    """The node tells its transport who goes first when its per-sender limits are reached:
    this host, and where a trusted peer is configured or proved its key -- not where a
    stranger, or an unproven announcement of a trusted id, is."""
    laptop = KeyPair.generate()

    async def go() -> None:
        async with AsyncExitStack() as stack:
            agent = await start_node(stack, tmp_path / "agent")
            agent.state.trust(laptop.peer_id)
            agent._trust.refresh()
            agent.book.add(laptop.peer_id, Address("10.9.0.5", 5683), Source.MDNS)
            priority = agent.server.gate.is_priority  # what the transport asks
            assert priority((LOCAL, 40000))
            assert not priority(("10.9.0.5", 40000))  # announced, not proven
            agent.book.record_proof(laptop.peer_id, Address("10.9.0.5", 5683))
            agent._priority.refresh()  # as a second later
            assert priority(("10.9.0.5", 40000))
            assert not priority(("10.9.0.6", 40000))

    run(go())


def test_peers_sent_a_particle_of_ours_are_expected_and_forwarders_are_not(tmp_path: Path) -> None:
    """A node expects answers (serves them first) from the peers it sent a particle of its
    own to; a peer that only answers another's particle expects nobody."""

    async def go() -> None:
        async with AsyncExitStack() as stack:
            laptop = await start_node(stack, tmp_path / "laptop")
            agent = await start_node(stack, tmp_path / "agent")
            introduce(laptop, agent)
            done = await call(laptop, agent.peer_id, "peer", "identify")
            assert not done.client.errors, done.client.errors
            assert laptop._priority.expected() == [agent.peer_id]
            assert agent._priority.expected() == []  # it sent the laptop's particle back

    run(go())

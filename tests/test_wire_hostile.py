"""Bad input on the wire against a real `Node` on loopback (discovery off).

Random bytes, truncated CBOR, a wrong signature, a tampered script, an expired particle, a
replay, an oversized particle, a particle for an unknown service, and more: each is dropped
with a counter in /status that says why, or answered with a clear error -- and afterwards the
agent still answers /status and runs a particle. Everything is sent as a stranger would: raw
UDP datagrams or CoAP POSTs to /particle from a separate client.
"""

from __future__ import annotations

import asyncio
import logging
import random
import socket
import time
import uuid
from contextlib import AsyncExitStack
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from edge_agent import particle
from edge_agent.air import data as air_data
from edge_agent.identity import KeyPair
from edge_agent.net.addressbook import Address, Source
from edge_agent.net.coap import CoapClient, CoapResponse
from edge_agent.node import Node
from tests.test_node import (
    LOCAL,
    REPORT,
    RESPOND,
    call_on,
    counters,
    introduce,
    run,
    start_and_wait,
    start_node,
    until,
)

STRANGER = KeyPair.from_seed(b"\x13" * 32)
OTHER = KeyPair.from_seed(b"\x14" * 32)


def now_ms() -> int:
    return int(time.time() * 1000)


def noop_for(peer_id: str) -> str:
    return f'(call "{peer_id}" ("op" "noop") [])'


class Wire:
    """A stranger on the wire: POSTs raw bodies to the agent's /particle and asks /status."""

    def __init__(self, agent: Node, coap: CoapClient) -> None:
        self.agent = agent
        self.coap = coap
        self.address = (LOCAL, agent.port)

    async def post(self, body: bytes, *, sender: str | None = None) -> CoapResponse:
        query = [f"from={sender}"] if sender else []
        return await self.coap.request(
            self.address, "POST", "particle", body, content_format=60, query=query, timeout=30
        )

    async def status(self) -> dict[str, Any]:
        return await self.coap.get_status(self.address, timeout=30)

    async def dropped(self, reason: str) -> int:
        return (await self.status())["counters"].get(f"dropped_{reason}", 0)

    async def wait_dropped(self, reason: str, count: int) -> None:
        """Poll /status until `count` particles were dropped for `reason` (bounded)."""
        deadline = time.monotonic() + 60
        while (n := await self.dropped(reason)) < count:
            if time.monotonic() > deadline:
                pytest.fail(f"dropped_{reason} is {n}, not {count}: {await self.status()}")
            await asyncio.sleep(0.01)


async def setup(stack: AsyncExitStack, tmp: Path, **particles: int) -> tuple[Node, Node, Wire]:
    """An agent, a well-behaved client that knows it, and a stranger's wire to it."""
    agent = await start_node(stack, tmp / "agent", **particles)
    client = await start_node(stack, tmp / "client")
    introduce(agent, client)
    coap = await stack.enter_async_context(CoapClient())
    return agent, client, Wire(agent, coap)


async def still_serving(agent: Node, client: Node, wire: Wire) -> None:
    """The agent answers /status and runs a particle for a well-behaved client."""
    assert (await wire.status())["peer_id"] == agent.peer_id
    done = await start_and_wait(client, call_on(agent.peer_id, "peer", "identify"))
    assert [args[0]["peer_id"] for args in done.client.responses] == [agent.peer_id], done.client.errors


def assert_refused(response: CoapResponse, code: str, reason: str) -> None:
    assert response.code == code, (response.code, response.diagnostic)
    assert response.diagnostic.startswith(f"{reason}: "), response.diagnostic


# --- malformed bytes ------------------------------------------------------------------------


def test_random_bytes(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    rng = random.Random(4)

    async def go() -> None:
        async with AsyncExitStack() as stack:
            agent, client, wire = await setup(stack, tmp_path)
            # As bare UDP datagrams (not even CoAP): dropped. In bursts the agent's receive
            # buffer holds (it shares this event loop), so the POSTs below are not lost.
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                for n in range(200):
                    sock.sendto(rng.randbytes(rng.randrange(0, 1400)), wire.address)
                    if n % 20 == 19:
                        await asyncio.sleep(0.005)
                # CoAP-shaped, with a Uri-Path that is not UTF-8 (aiocoap 0.4.17 raises on it).
                sock.sendto(bytes([0x40, 0x01, 0x00, 0x07, 0xB2, 0xFF, 0xFE]), wire.address)
            await until(lambda: agent.server.stats()["unparsable"] >= 1, what="counted as unparsable")
            # As the body of a POST /particle: 4.00 with the reason, each counted.
            for n in range(50):
                body = rng.randbytes(rng.randrange(1, 1000))
                response = await wire.post(body)
                assert response.code == "4.00", (body.hex(), response)
            assert await wire.dropped("malformed") + await wire.dropped("unsupported_version") == 50
            assert counters(agent).get("received", 0) == 0  # none reached the node
            await still_serving(agent, client, wire)

    run(go())
    # Nothing raised into the event loop (asyncio would log it as an ERROR).
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, errors[:3]


def test_truncated_cbor(tmp_path: Path) -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            agent, client, wire = await setup(stack, tmp_path)
            raw = particle.Particle.create(STRANGER, noop_for(agent.peer_id)).encode()
            cuts = sorted({1, 2, 5, 30, 100, 200, len(raw) - 1} | set(range(1, len(raw), 37)))
            for cut in cuts:
                response = await wire.post(raw[:cut])
                assert_refused(response, "4.00", "malformed")
                assert "truncated" in response.diagnostic or "follow" in response.diagnostic
            assert await wire.dropped("malformed") == len(cuts)
            # Bytes after the map are refused as well.
            assert_refused(await wire.post(raw + b"\x00"), "4.00", "malformed")
            await still_serving(agent, client, wire)

    run(go())


def test_valid_envelope_with_data_that_is_not_an_air_log(tmp_path: Path) -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            agent, client, wire = await setup(stack, tmp_path)
            bad = particle.Particle.create(STRANGER, noop_for(agent.peer_id), b"\xff not a log")
            assert (await wire.post(bad.encode())).code == "2.04"  # the envelope is fine
            await wire.wait_dropped("malformed", 1)
            assert counters(agent).get("calls", 0) == 0
            await still_serving(agent, client, wire)

    run(go())


# --- signatures --------------------------------------------------------------------------------


def test_wrong_signature_and_tampered_script(tmp_path: Path) -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            agent, client, wire = await setup(stack, tmp_path)
            script = noop_for(agent.peer_id)
            # Signed by OTHER, but claims STRANGER as its init peer.
            genuine = particle.Particle.create(STRANGER, script)
            forged = replace(genuine, signature=particle.Particle.create(
                OTHER, script, id=genuine.id, timestamp_ms=genuine.timestamp_ms).signature)
            # A genuine particle whose script was changed on the way.
            tampered = replace(
                particle.Particle.create(STRANGER, script),
                script=f'(seq {script} (call "{agent.peer_id}" ("srv" "remove") ["x"]))',
            )
            # The transport checks only the envelope (cheap): these are acknowledged...
            for p in (forged, tampered):
                assert (await wire.post(p.encode(), sender=OTHER.peer_id)).code == "2.04"
            # ...and the node drops them on the signature, before running anything.
            await wire.wait_dropped("bad_signature", 2)
            assert counters(agent).get("calls", 0) == 0
            assert counters(agent).get("accepted", 0) == 0
            # The sender hint of a badly signed particle teaches the agent no address.
            assert OTHER.peer_id not in agent.book.peers()
            await still_serving(agent, client, wire)

    run(go())


def test_another_particle_with_the_id_of_one_in_progress_is_dropped(tmp_path: Path) -> None:
    """Someone who saw a particle's id signs their own particle with it: they must not get
    to add data (e.g. forged call results) to the first one."""

    async def go() -> None:
        async with AsyncExitStack() as stack:
            agent, client, wire = await setup(stack, tmp_path)
            gone = KeyPair.generate().peer_id  # the first particle waits for this peer
            script = f'(seq {noop_for(agent.peer_id)} (call "{gone}" ("op" "noop") []))'
            first = particle.Particle.create(STRANGER, script, ttl_ms=60_000)
            assert (await wire.post(first.encode())).code == "2.04"
            await until(lambda: first.id in agent.core, what="first particle held")
            copycat = particle.Particle.create(OTHER, noop_for(agent.peer_id), id=first.id)
            assert (await wire.post(copycat.encode())).code == "2.04"
            await wire.wait_dropped("id_conflict", 1)
            assert agent.core.envelope(first.id).init_peer_id == STRANGER.peer_id
            await still_serving(agent, client, wire)

    run(go())


# --- time --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset_ms", "ttl_ms", "reason"),
    [(-60_000, 30_000, "expired"), (-2_000, 1_000, "expired"), (3_600_000, 30_000, "from_the_future")],
)
def test_stale_particles(tmp_path: Path, offset_ms: int, ttl_ms: int, reason: str) -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            agent, client, wire = await setup(stack, tmp_path, clock_skew_ms=500)
            p = particle.Particle.create(
                STRANGER, noop_for(agent.peer_id), ttl_ms=ttl_ms, timestamp_ms=now_ms() + offset_ms
            )
            assert_refused(await wire.post(p.encode()), "4.00", reason)
            assert await wire.dropped(reason) == 1
            assert counters(agent).get("received", 0) == 0
            await still_serving(agent, client, wire)

    run(go())


def test_replays(tmp_path: Path) -> None:
    """A copy that adds nothing is not run again while the particle lives; once it is over
    (its ttl passed, within the clock-skew allowance) a copy is dropped as a replay. The
    ttl leaves a slow board time for the first copy's run and the second copy."""

    async def go() -> None:
        async with AsyncExitStack() as stack:
            agent, client, wire = await setup(stack, tmp_path, clock_skew_ms=5_000)
            raw = particle.Particle.create(STRANGER, noop_for(agent.peer_id), ttl_ms=2000).encode()
            assert (await wire.post(raw)).code == "2.04"
            await until(lambda: counters(agent).get("calls") == 1, what="the call ran")
            assert (await wire.post(raw)).code == "2.04"
            await until(lambda: counters(agent).get("duplicates") == 1, what="a duplicate")
            # The ttl passes; housekeeping forgets the particle but keeps its id.
            await until(lambda: len(agent.core) == 0, what="the particle expired")
            assert (await wire.post(raw)).code == "2.04"  # within the skew allowance
            await wire.wait_dropped("replay", 1)
            assert counters(agent)["calls"] == 1  # run once, whatever was replayed
            await still_serving(agent, client, wire)

    run(go())


# --- size --------------------------------------------------------------------------------------


def test_oversized_particles(tmp_path: Path) -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            agent, client, wire = await setup(stack, tmp_path, max_bytes=2048)
            big = particle.Particle.create(STRANGER, noop_for(agent.peer_id), bytes(10_000)).encode()
            response = await wire.post(big)  # blockwise: refused at the first block (Size1)
            assert_refused(response, "4.13", "too_large")
            assert "over the limit of 2048" in response.diagnostic
            assert await wire.dropped("too_large") == 1
            # In one datagram (no Block1, no Size1): refused on its size too.
            answer = await _exchange_datagram(wire.address, _post_datagram(big[:3000]))
            assert answer[1] == (4 << 5 | 13)  # 4.13
            assert await wire.dropped("too_large") == 2
            assert agent.status()["coap"]["server"]["uploads_in_progress"] == 0
            await still_serving(agent, client, wire)

    run(go())


async def _exchange_datagram(address: tuple[str, int], datagram: bytes) -> bytes:
    """Send one UDP datagram from a fresh socket; the first datagram that comes back."""
    loop = asyncio.get_running_loop()
    answers: asyncio.Queue[bytes] = asyncio.Queue()

    class Receiver(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr: Any) -> None:
            answers.put_nowait(data)

    transport, _ = await loop.create_datagram_endpoint(Receiver, local_addr=(LOCAL, 0))
    try:
        transport.sendto(datagram, address)
        return await asyncio.wait_for(answers.get(), 30)
    finally:
        transport.close()


def _post_datagram(payload: bytes) -> bytes:
    """CON POST /particle, Content-Format 60, in one datagram (RFC 7252 §3)."""
    uri_path, content_format = 11, 12
    head = bytes([0x41, 0x02, 0x12, 0x34, 0x77])  # ver 1, CON, token length 1; POST; mid; token
    options = bytes([uri_path << 4 | 8]) + b"particle" + bytes([(content_format - uri_path) << 4 | 1, 60])
    return head + options + b"\xff" + payload


# --- services ------------------------------------------------------------------------------------


def test_a_call_to_an_unknown_service_is_answered_with_an_error(tmp_path: Path) -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            agent, client, wire = await setup(stack, tmp_path)
            # Caught by the script's xor: the init peer gets error 10000 saying what is missing.
            done = await start_and_wait(client, call_on(agent.peer_id, "nosuch", "fn"))
            [[error]] = done.client.errors
            assert error["error_code"] == 10000
            assert error["peer_id"] == agent.peer_id
            assert "No service found for service call: serviceId='nosuch', fnName='fn'" in error["message"]
            # Not caught: the particle fails there, counted and logged, and goes nowhere.
            script = f'(seq (call "{agent.peer_id}" ("nosuch" "fn") []) {RESPOND.format("1")})'
            done = await start_and_wait(client, script, ttl_ms=1500)
            assert done.client.responses == [] and done.client.errors == []
            await until(lambda: counters(agent).get("failed_runs") == 1, what="a failed run")
            # A script that does not parse fails the same way.
            bad = particle.Particle.create(STRANGER, "(seq (call")
            assert (await wire.post(bad.encode())).code == "2.04"
            await until(lambda: counters(agent).get("failed_runs") == 2, what="a parse failure")
            await still_serving(agent, client, wire)

    run(go())


def test_untrusted_deploy_and_remove_are_refused(tmp_path: Path) -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            agent, client, wire = await setup(stack, tmp_path)
            for args in ('["x" "' + "0" * 64 + '"]', '["x"]'):
                function = "deploy" if "0" * 64 in args else "remove"
                done = await start_and_wait(client, call_on(agent.peer_id, "srv", function, args))
                [[error]] = done.client.errors
                assert "not authorised" in error["message"]
            assert agent.state.services() == {}
            await still_serving(agent, client, wire)

    run(go())


# --- many mutations ---------------------------------------------------------------------------


def test_mutated_particles_never_break_the_agent(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """300 random mutations of valid particles (bit flips, cut bytes, inserted bytes): each
    is answered 2.04 or 4.xx, never 5.xx; nothing logs an error; every one is accounted for."""
    caplog.set_level(logging.INFO)
    rng = random.Random(7)

    async def go() -> None:
        async with AsyncExitStack() as stack:
            agent, client, wire = await setup(stack, tmp_path)
            script = f'(xor {noop_for(agent.peer_id)} {REPORT})'
            codes: dict[str, int] = {}
            for n in range(300):
                raw = bytearray(particle.Particle.create(STRANGER, script, ttl_ms=60_000).encode())
                for _ in range(rng.randrange(1, 4)):
                    i = rng.randrange(len(raw))
                    kind = rng.randrange(3)
                    if kind == 0:
                        raw[i] ^= 1 << rng.randrange(8)
                    elif kind == 1:
                        del raw[i]
                    else:
                        raw.insert(i, rng.randrange(256))
                response = await wire.post(bytes(raw))
                assert response.code in ("2.04", "4.00", "4.13"), (n, response)
                codes[response.code] = codes.get(response.code, 0) + 1
            # Every acknowledged one reached the node, which ran it or dropped it with a reason;
            # every refused one is counted by the transport.
            acknowledged = codes.get("2.04", 0)

            def accounted() -> bool:
                node = agent.counters
                handled = node["accepted"] + node["duplicates"] + sum(
                    v for k, v in node.items() if k.startswith("dropped_"))
                return node["received"] == acknowledged == handled

            await until(accounted, what=f"{acknowledged} particles accounted for: {agent.counters}")
            refused = agent.server.stats()["rejected"]
            assert sum(refused.values()) == 300 - acknowledged
            await still_serving(agent, client, wire)
            print(f"\nmutations: {codes}; node counters {counters(agent)}")

    run(go(), timeout=180)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


def test_a_flood_of_particles_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Far more particles within their ttl than the node holds: the idle ones held longest
    make room, the state stays bounded, and the agent keeps serving."""
    from edge_agent import const

    monkeypatch.setattr(const, "NODE_MAX_PARTICLES", 16)
    monkeypatch.setattr(const, "NODE_STRANGER_PARTICLES_BURST", 1000)  # the rate limit is tested elsewhere

    async def go() -> None:
        async with AsyncExitStack() as stack:
            agent, client, wire = await setup(stack, tmp_path)
            for n in range(60):
                p = particle.Particle.create(STRANGER, noop_for(agent.peer_id), ttl_ms=60_000)
                assert (await wire.post(p.encode())).code == "2.04"
            await until(lambda: counters(agent).get("received") == 60, what="60 received")
            await until(lambda: counters(agent).get("calls") == 60, what="60 run")
            assert len(agent.core) <= 12  # a stranger's share of 16
            assert counters(agent)["evicted"] >= 48
            await still_serving(agent, client, wire)

    run(go())


def test_sender_hints_route_but_never_trust(tmp_path: Path) -> None:
    """Claiming to be a trusted peer (a `from=` hint) does not make a well-signed particle
    trusted, and a hint naming a peer that had no part in the particle teaches no address."""

    async def go() -> None:
        async with AsyncExitStack() as stack:
            agent, client, wire = await setup(stack, tmp_path)
            agent.state.trust(client.peer_id)
            script = f'(call "{agent.peer_id}" ("srv" "remove") ["x"])'
            p = particle.Particle.create(STRANGER, script)
            assert (await wire.post(p.encode(), sender=client.peer_id)).code == "2.04"
            await until(lambda: counters(agent).get("calls") == 1, what="the call ran")
            # srv.remove was refused: the init peer, proven by the signature, decides.
            assert agent.services.failed_calls == 1
            # The stranger's address was not learned under the claimed id: only the real
            # client's static one is known.
            learned = agent.book.entries(client.peer_id)
            assert not any(e.source is Source.INCOMING for e in learned)
            assert agent.book.lookup(client.peer_id) == (Address(LOCAL, client.port),)
            await still_serving(agent, client, wire)

    run(go())


def test_valid_particle_ids_must_be_uuids(tmp_path: Path) -> None:
    """The envelope check is strict about every field; a few samples beyond the codec tests."""

    async def go() -> None:
        async with AsyncExitStack() as stack:
            agent, client, wire = await setup(stack, tmp_path)
            good = particle.Particle.create(STRANGER, noop_for(agent.peer_id))
            fields = {0: 1, 1: good.id, 2: good.init_peer_id, 3: good.timestamp_ms, 4: good.ttl_ms,
                      5: good.script, 6: good.signature, 7: air_data.encode(air_data.Data())}
            import cbor2

            for key, value in ((1, str(uuid.uuid4()).upper()), (2, "12D3KooWnot-a-peer"),
                               (4, 0), (6, b"short"), (8, 1)):
                body = cbor2.dumps({**fields, key: value}, canonical=True)
                assert_refused(await wire.post(body), "4.00", "malformed")
            await still_serving(agent, client, wire)

    run(go())

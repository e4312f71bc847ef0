"""send_to_peer over loopback: a peer's addresses are tried in turn, only once proven there.

Each "peer" here is a CoAP server answering challenges (net/proof.py) and counting the
particles POSTed to it; an impostor is a server with another key at an address the book was
told belongs to the real peer. Nothing asserts on time: a dead address is shown to cost a
slice, not the budget, by a budget that a dead address alone would use up.
"""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections.abc import Coroutine
from contextlib import AsyncExitStack
from typing import Any

import pytest

from edge_agent import const
from edge_agent.identity import KeyPair
from edge_agent.net.addressbook import Address, AddressBook, Source
from edge_agent.net.coap import CoapClient, CoapServer
from edge_agent.net.delivery import get_from_peer, proven_addresses, send_to_peer
from edge_agent.net.module_offer import ModuleResource
from edge_agent.net.proof import PROOF_PATH, ProofResource, Prover
from edge_agent.particle import Particle

LOCAL = "127.0.0.1"
REAL = KeyPair.from_seed(b"\x11" * 32)
IMPOSTOR = KeyPair.from_seed(b"\x12" * 32)
LAPTOP = KeyPair.from_seed(b"\x13" * 32)


def run(coro: Coroutine[Any, Any, Any], timeout: float = 30.0) -> Any:
    return asyncio.run(asyncio.wait_for(coro, timeout))


class Peer:
    """A loopback CoAP server that proves `keypair` (if given) and keeps the particles it gets."""

    def __init__(self, keypair: KeyPair | None, max_body_bytes: int = 64 * 1024, port: int = 0) -> None:
        self.received: list[bytes] = []
        self.server = CoapServer(bind=LOCAL, port=port, on_inbox=self._keep, max_body_bytes=max_body_bytes)
        if keypair is not None:
            self.server.add_resource(PROOF_PATH, ProofResource(keypair))

    async def _keep(self, message: Any) -> None:
        self.received.append(message.raw)

    @property
    def address(self) -> Address:
        return Address(LOCAL, self.server.port)


async def peer(stack: AsyncExitStack, keypair: KeyPair | None, **server: int) -> Peer:
    p = Peer(keypair, **server)
    await p.server.start()
    stack.push_async_callback(p.server.stop)
    return p


async def prover(stack: AsyncExitStack) -> Prover:
    client = CoapClient()
    await client.start()
    stack.push_async_callback(client.stop)
    return Prover(client, AddressBook())


def raw_particle() -> bytes:
    return Particle.create(
        LAPTOP, "(null)", ttl_ms=60_000, timestamp_ms=int(time.time() * 1000), id=str(uuid.uuid4())
    ).encode()


def deadline_in(seconds: float) -> int:
    return int((time.time() + seconds) * 1000)


def test_an_impostor_address_gets_nothing_and_the_real_one_gets_the_particle() -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            real, impostor = await peer(stack, REAL), await peer(stack, IMPOSTOR)
            p = await prover(stack)
            # Both claim REAL's id; the impostor's claim is the preferred one (static).
            p.book.add(REAL.peer_id, impostor.address, Source.STATIC)
            p.book.add(REAL.peer_id, real.address, Source.MDNS)
            raw = raw_particle()
            for _ in range(3):
                delivery = await send_to_peer(p, REAL.peer_id, raw, deadline_ms=deadline_in(10))
                assert delivery.ok and delivery.address == real.address, delivery
            assert impostor.received == [] and real.received == [raw] * 3
            # One challenge each, then the proof is cached: steady sends pay nothing extra.
            assert p.counters == {"challenges": 2, "proven": 1, "refuted": 1, "unanswered": 0}
            assert [c.address for c in p.book.candidates(REAL.peer_id)] == [real.address]

    run(go())


def test_a_dead_proven_address_costs_a_slice_not_the_budget() -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            real = await peer(stack, REAL)
            p = await prover(stack)
            dead = Address(LOCAL, _closed_port())
            p.book.add(REAL.peer_id, dead, Source.STATIC)
            p.book.record_proof(REAL.peer_id, dead)  # proven before; the peer moved since
            p.book.add(REAL.peer_id, real.address, Source.MDNS)
            budget_s = 3 * const.DELIVERY_ADDRESS_SLICE_MS / 1000  # the dead one alone would use it up
            delivery = await send_to_peer(p, REAL.peer_id, raw_particle(), deadline_ms=deadline_in(budget_s))
            assert delivery.ok and delivery.address == real.address, delivery
            assert not p.book.is_proven(REAL.peer_id, dead)  # to be proven again before use
            assert p.book.candidates(REAL.peer_id)[0].address == real.address

    run(go())


def test_an_address_that_proves_itself_now_gets_all_the_time_left() -> None:
    """A slice is for an address that may be dead; one that answered a challenge just now is
    alive, so its transfer is not cut short for the next address (on a busy LAN a cut leaves
    a half-sent body at the peer: issue 12), while one proven earlier still gets a slice."""

    async def go() -> None:
        async with AsyncExitStack() as stack:
            first, second = await peer(stack, REAL), await peer(stack, REAL)
            p = await prover(stack)
            p.book.add(REAL.peer_id, first.address, Source.STATIC)
            p.book.add(REAL.peer_id, second.address, Source.MDNS)
            given: list[tuple[Address, int]] = []
            send = p.client.send_particle

            async def recording(address: Address, raw: bytes, *, deadline_ms: int, **kw: Any) -> Any:
                given.append((address, deadline_ms))
                return await send(address, raw, deadline_ms=deadline_ms, **kw)

            p.client.send_particle = recording  # type: ignore[method-assign]
            deadline = deadline_in(20)
            assert (await send_to_peer(p, REAL.peer_id, raw_particle(), deadline_ms=deadline)).ok
            assert given == [(first.address, deadline)]  # proven just now: all the time left
            assert (await send_to_peer(p, REAL.peer_id, raw_particle(), deadline_ms=deadline)).ok
            assert given[1][0] == first.address and given[1][1] < deadline  # proven before: a slice
            # ... unless the peer just sent us this particle from there: alive, all the time left
            heard = await send_to_peer(
                p, REAL.peer_id, raw_particle(), deadline_ms=deadline, heard_at=first.address
            )
            assert heard.ok and given[2] == (first.address, deadline)

    run(go())


def test_a_peer_refusing_the_particle_makes_the_next_address_tried() -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            # One identity, two processes; the first answers 4.13 to any particle.
            refusing, real = await peer(stack, REAL, max_body_bytes=10), await peer(stack, REAL)
            p = await prover(stack)
            p.book.add(REAL.peer_id, refusing.address, Source.STATIC)
            p.book.add(REAL.peer_id, real.address, Source.INCOMING)
            delivery = await send_to_peer(p, REAL.peer_id, raw_particle(), deadline_ms=deadline_in(10))
            assert delivery.ok and delivery.address == real.address
            assert refusing.received == []

    run(go())


def test_no_address_proves_itself_so_nothing_is_sent() -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            impostor, not_an_agent = await peer(stack, IMPOSTOR), await peer(stack, None)
            p = await prover(stack)
            p.book.add(REAL.peer_id, impostor.address, Source.MDNS)
            p.book.add(REAL.peer_id, not_an_agent.address, Source.INCOMING)
            delivery = await send_to_peer(p, REAL.peer_id, raw_particle(), deadline_ms=deadline_in(2))
            assert not delivery.ok and "did not prove it is" in delivery.detail
            assert impostor.received == [] and not_an_agent.received == []
            unknown = KeyPair.generate().peer_id
            delivery = await send_to_peer(p, unknown, raw_particle(), deadline_ms=deadline_in(10))
            assert not delivery.ok and delivery.detail == f"no address known for {unknown}"
            assert [a async for a in proven_addresses(p, REAL.peer_id)] == []

    run(go())


def test_the_real_address_learned_while_the_impostors_is_refuted_is_used() -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            real, impostor = await peer(stack, REAL), await peer(stack, IMPOSTOR)
            p = await prover(stack)
            p.book.add(REAL.peer_id, impostor.address, Source.MDNS)  # heard first
            sending = asyncio.ensure_future(
                send_to_peer(p, REAL.peer_id, raw_particle(), deadline_ms=deadline_in(10))
            )
            for _ in range(500):  # bounded: until the impostor's claim was refuted
                if p.book.is_refuted(REAL.peer_id, impostor.address):
                    break
                await asyncio.sleep(0.01)
            assert p.book.is_refuted(REAL.peer_id, impostor.address) and not sending.done()
            p.book.add(REAL.peer_id, real.address, Source.MDNS)  # the real peer announces itself
            delivery = await sending
            assert delivery.ok and delivery.address == real.address
            assert impostor.received == [] and len(real.received) == 1

    run(go())


def test_proven_addresses_come_first_then_those_that_prove_themselves() -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            one, two, impostor = await peer(stack, REAL), await peer(stack, REAL), await peer(stack, IMPOSTOR)
            p = await prover(stack)
            for address in (impostor.address, one.address, two.address):
                p.book.add(REAL.peer_id, address, Source.MDNS)
            p.book.record_proof(REAL.peer_id, two.address)
            found = [a async for a in proven_addresses(p, REAL.peer_id)]
            assert found == [two.address, one.address]

    run(go())


def test_a_closed_port_costs_one_try_and_a_restarted_peer_gets_the_next_particle() -> None:
    """Nothing listens at the peer's only address (ICMP port unreachable: a CLI that exited):
    one try, then the send fails, long before its deadline. The address stays known, to be
    proven again: the next particle reaches the peer restarted there."""

    async def go() -> None:
        async with AsyncExitStack() as stack:
            p = await prover(stack)
            port = _closed_port()
            gone = Address(LOCAL, port)
            p.book.add(REAL.peer_id, gone, Source.INCOMING)
            p.book.record_proof(REAL.peer_id, gone)  # it was there a moment ago
            delivery = await send_to_peer(p, REAL.peer_id, raw_particle(), deadline_ms=deadline_in(60))
            assert not delivery.ok and "Connection refused: nothing listens" in delivery.detail
            assert p.client.stats()["attempts"] == 1 and p.client.stats()["not_listening"] == 1
            assert not p.book.is_proven(REAL.peer_id, gone)  # whoever comes next proves itself
            # Unproven now: one challenge finds the port still closed, and that is all.
            delivery = await send_to_peer(p, REAL.peer_id, raw_particle(), deadline_ms=deadline_in(60))
            assert not delivery.ok and "Connection refused: nothing listens" in delivery.detail
            assert p.counters["challenges"] == 1 and p.client.stats()["attempts"] == 1

            restarted = await peer(stack, REAL, port=port)
            delivery = await send_to_peer(p, REAL.peer_id, raw_particle(), deadline_ms=deadline_in(10))
            assert delivery.ok and delivery.address == gone and len(restarted.received) == 1

    run(go())


def test_a_closed_port_the_peer_announces_is_tried_again_and_the_restarted_peer_gets_it() -> None:
    """The peer still announces the address (no goodbye: it crashed, or restarts): a closed
    port there is a gap, and the same send reaches the peer once it listens again."""

    async def go() -> None:
        async with AsyncExitStack() as stack:
            p = await prover(stack)
            port = _closed_port()
            restarting = Address(LOCAL, port)
            p.book.add(REAL.peer_id, restarting, Source.MDNS)
            p.book.record_proof(REAL.peer_id, restarting)
            send = asyncio.create_task(
                send_to_peer(p, REAL.peer_id, raw_particle(), deadline_ms=deadline_in(20))
            )
            for _ in range(200):  # at most 10 s: until the first try found the port closed
                if p.client.stats()["not_listening"] or send.done():
                    break
                await asyncio.sleep(0.05)
            assert not send.done() and p.client.stats()["not_listening"] >= 1
            restarted = await peer(stack, REAL, port=port)
            delivery = await asyncio.wait_for(send, 20)
            assert delivery.ok and delivery.address == restarting, delivery
            assert len(restarted.received) == 1

    run(go())


def test_a_closed_address_is_tried_once_and_the_live_one_gets_the_particle() -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            real = await peer(stack, REAL)
            p = await prover(stack)
            gone = Address(LOCAL, _closed_port())
            p.book.add(REAL.peer_id, gone, Source.STATIC)  # tried first
            p.book.record_proof(REAL.peer_id, gone)
            p.book.add(REAL.peer_id, real.address, Source.MDNS)
            delivery = await send_to_peer(p, REAL.peer_id, raw_particle(), deadline_ms=deadline_in(60))
            assert delivery.ok and delivery.address == real.address
            assert p.client.stats()["not_listening"] == 1 and p.client.stats()["attempts"] == 2

    run(go())


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((LOCAL, 0))
        return int(s.getsockname()[1])


def test_a_failed_fetch_names_every_address_tried_and_why() -> None:
    """Issue 11: the last address's error alone (a stale port of an earlier CLI session) hid
    the real cause. Each address is in the error: a closed port that was proven before, an
    impostor, and the real peer's answer (here: a module bigger than the fetch accepts)."""

    async def go() -> None:
        async with AsyncExitStack() as stack:
            real, impostor = await peer(stack, REAL), await peer(stack, IMPOSTOR)
            real.server.add_resource(("modules", "m"), ModuleResource(b"\0" * 5000, None))
            p = await prover(stack)
            gone = Address(LOCAL, _closed_port())
            p.book.add(REAL.peer_id, gone, Source.INCOMING)
            p.book.record_proof(REAL.peer_id, gone)
            p.book.add(REAL.peer_id, impostor.address, Source.MDNS)
            p.book.add(REAL.peer_id, real.address, Source.MDNS)
            with pytest.raises(ConnectionError) as caught:
                await get_from_peer(p, REAL.peer_id, ("modules", "m"), timeout_s=5, max_bytes=4096)
            text = str(caught.value)
            assert text.startswith("tried 3 addresses: ")
            for address, why in [
                (gone, "nothing listens"),
                (impostor.address, f"did not prove it is {REAL.peer_id}"),
                (real.address, "5000-byte answer, over the limit of 4096"),
            ]:
                assert f"{address}: " in text and why in text, text

    run(go())


class SlowPeer:
    """A loopback peer that proves REAL's key and takes `seconds` over each particle, holding
    its POST's response until done (as the node does while an answer may ride in it)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.received = 0
        keys = iter(range(1_000_000))
        self.server = CoapServer(bind=LOCAL, port=0, on_inbox=self._take, reply_wait_s=30.0,
                                 reply_key=lambda accepted, sender: next(keys))
        self.server.add_resource(PROOF_PATH, ProofResource(REAL))

    async def _take(self, message: Any) -> None:
        await asyncio.sleep(self.seconds)
        self.received += 1


@pytest.mark.parametrize("busy_until_s", [20.0, 0.0], ids=["with busy_until", "without"])
def test_copies_queued_behind_others_to_a_peer_that_answers_them_get_a_busy_peers_time(busy_until_s: float) -> None:
    """Six copies at once to one peer, one request at a time (our own per-peer queue), each
    taking it 0.4 s: the last ones wait in the queue longer than their 1 s. The peer answers
    the ones before them meanwhile, so it is alive: they go on until `busy_until_ms`, and the
    address keeps its proof either way (the queue was ours, not a dead address)."""

    async def go() -> None:
        async with AsyncExitStack() as stack:
            slow = SlowPeer(0.4)
            await slow.server.start()
            stack.push_async_callback(slow.server.stop)
            client = CoapClient(max_requests_per_peer=1)
            await client.start()
            stack.push_async_callback(client.stop)
            p = Prover(client, AddressBook())
            address = Address(LOCAL, slow.server.port)
            p.book.add(REAL.peer_id, address, Source.STATIC)
            busy_until = deadline_in(busy_until_s) if busy_until_s else 0
            deliveries = await asyncio.gather(*(
                send_to_peer(p, REAL.peer_id, raw_particle(), deadline_ms=deadline_in(1.0),
                             busy_until_ms=busy_until, sender=LAPTOP.peer_id)
                for _ in range(6)
            ))
            delivered = sum(d.ok for d in deliveries)
            if busy_until_s:
                assert delivered == 6, [d.detail for d in deliveries]
            else:  # 2.4 s of work in 1 s: the give-up time alone is not enough
                assert delivered < 6
            assert p.book.is_proven(REAL.peer_id, address)
            assert p.counters["unanswered"] == 0

    run(go())

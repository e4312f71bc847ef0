"""Proof of identity at an address (net/proof.py): the pure message and checks without
sockets, then challenges over loopback — a real peer proves itself, an impostor that relays
the challenge to the real peer does not, and the `Prover` caches and shares challenges."""

from __future__ import annotations

import asyncio
import random
import socket
import time
from collections.abc import AsyncIterator, Coroutine
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import aiocoap
import pytest
from aiocoap.numbers.codes import Code

from edge_agent import const, particle
from edge_agent.identity import KeyPair
from edge_agent.net.addressbook import Address, AddressBook, Source
from edge_agent.net.coap import CoapClient, CoapServer, ReadOnlyResource
from edge_agent.net.proof import (
    PROOF_CONTEXT,
    PROOF_PATH,
    BadChallenge,
    BadProof,
    Outcome,
    ProofResource,
    Prover,
    answer_challenge,
    challenge,
    challenge_query,
    claim_text,
    decode_answer,
    encode_answer,
    parse_challenge,
    parse_claim,
    proof_message,
    prove,
    verify_answer,
)

REAL = KeyPair.from_seed(b"\x01" * 32)
OTHER = KeyPair.from_seed(b"\x02" * 32)
NONCE = bytes(range(16))
HERE = ("10.0.0.2", 5683)
CLAIM = "10.0.0.2:5683"


def answer(keypair: KeyPair = REAL, nonce: bytes = NONCE, claim: str = CLAIM,
           local: tuple[str, int] | None = HERE) -> bytes:
    return answer_challenge(keypair, challenge_query(nonce, claim), local)


# --- the message ------------------------------------------------------------------------------


def test_the_signed_message_can_never_be_a_particles_signing_bytes() -> None:
    message = proof_message(NONCE, REAL.peer_id, CLAIM)
    assert message.startswith(PROOF_CONTEXT)
    assert not 0xA0 <= message[0] <= 0xBF  # a CBOR map's head: what a particle signs
    p = particle.Particle.create(
        REAL, "(null)", ttl_ms=1000, timestamp_ms=1, id="00000000-0000-4000-8000-000000000000"
    )
    assert 0xA0 <= p.signing_bytes()[0] <= 0xBF


def test_every_field_is_length_prefixed_so_no_two_inputs_share_a_message() -> None:
    base = proof_message(NONCE, REAL.peer_id, CLAIM)
    assert proof_message(NONCE[:-1], REAL.peer_id, CLAIM) != base
    shifted = proof_message(NONCE + b"1", REAL.peer_id, "0.0.2:5683")
    assert shifted != proof_message(NONCE, REAL.peer_id, "10.0.0.2:5683")
    assert proof_message(NONCE, OTHER.peer_id, CLAIM) != base
    assert proof_message(NONCE, REAL.peer_id, "10.0.0.3:5683") != base


@pytest.mark.parametrize(
    ("host", "port", "text"),
    [
        ("10.0.0.2", 5683, "10.0.0.2:5683"),
        ("FE80::0001%eth0", 1, "[fe80::1]:1"),  # no zone: the two ends name the link differently
        ("::ffff:10.0.0.2", 5683, "10.0.0.2:5683"),  # a v4 datagram on a v6 socket
        ("::1", 65535, "[::1]:65535"),
    ],
)
def test_claims_are_canonical(host: str, port: int, text: str) -> None:
    assert claim_text(host, port) == text
    ip, parsed_port = parse_claim(text)
    assert (claim_text(str(ip), parsed_port), parsed_port) == (text, port)


@pytest.mark.parametrize("host", ["kitchen.local", "", "10.0.0.256"])
def test_a_claim_is_an_ip_literal(host: str) -> None:
    with pytest.raises(ValueError):
        claim_text(host, 5683)


@pytest.mark.parametrize(
    "text",
    ["010.0.0.2:5683", "[FE80::1]:5683", "fe80::1:5683", "10.0.0.2", "10.0.0.2:0", "10.0.0.2:99999",
     "10.0.0.2:+1", "[10.0.0.2]:5683", "x" * 100, "kitchen:5683", ""],
)
def test_a_claim_that_is_not_canonical_is_refused(text: str) -> None:
    with pytest.raises(BadChallenge):
        parse_claim(text)


def test_parse_challenge() -> None:
    assert parse_challenge(challenge_query(NONCE, CLAIM)) == (NONCE, CLAIM)
    assert parse_challenge([f"a={CLAIM}", f"n={NONCE.hex()}"]) == (NONCE, CLAIM)  # any order
    for query in (
        [f"a={CLAIM}"],  # no nonce
        [f"n={NONCE.hex()[:-2]}", f"a={CLAIM}"],  # too short
        [f"n={'zz' * 16}", f"a={CLAIM}"],  # not hex
        [f"n={NONCE.hex()}"],  # no claim
        [f"n={NONCE.hex()}", f"n={NONCE.hex()}", f"a={CLAIM}"],  # twice
        [f"n={NONCE.hex()}", f"a={CLAIM}", *(f"x{i}=1" for i in range(10))],  # too many
    ):
        with pytest.raises(BadChallenge):
            parse_challenge(query)


# --- answering and checking ------------------------------------------------------------------


def test_an_answer_proves_the_key_at_the_address_asked() -> None:
    assert verify_answer(answer(), NONCE, CLAIM) == REAL.peer_id
    assert decode_answer(answer())[0] == REAL.peer_id
    # The port and the address must be the ones the challenge came to, v4-mapped or not.
    assert verify_answer(answer(local=("::ffff:10.0.0.2", 5683)), NONCE, CLAIM) == REAL.peer_id
    link_local = "[fe80::1]:5683"
    assert verify_answer(answer(claim=link_local, local=("fe80::1", 5683)), NONCE, link_local) == REAL.peer_id


@pytest.mark.parametrize(
    ("claim", "local"),
    [
        ("10.0.0.9:5683", HERE),  # an impostor's address, relayed to the real peer
        ("10.0.0.2:5684", HERE),  # another port
        (CLAIM, None),  # the transport cannot say where it arrived
        ("224.0.1.187:5683", ("224.0.1.187", 5683)),  # multicast: nobody's address
    ],
)
def test_a_peer_signs_only_the_address_a_challenge_came_to(claim: str, local: tuple[str, int] | None) -> None:
    with pytest.raises(BadChallenge):
        answer(claim=claim, local=local)


def test_an_answer_for_another_challenge_address_or_peer_proves_nothing() -> None:
    # The impostor at 10.0.0.9 relays our challenge to the real peer as one for the real
    # peer's own address (the only kind it signs): the signature does not cover our claim.
    relayed = answer(claim=CLAIM, local=HERE)
    with pytest.raises(BadProof, match="signature"):
        verify_answer(relayed, NONCE, "10.0.0.9:5683")
    with pytest.raises(BadProof, match="signature"):
        verify_answer(answer(), bytes(16), CLAIM)  # an old answer, replayed
    _, signature = decode_answer(answer())
    with pytest.raises(BadProof, match="signature"):
        verify_answer(encode_answer(OTHER.peer_id, signature), NONCE, CLAIM)  # the real sig, another id


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"\xff",
        b"\x00" * (const.PROOF_MAX_ANSWER_BYTES + 1),
        encode_answer(REAL.peer_id, b"\x00" * 63),
        encode_answer("12D3KooWnotanid", b"\x00" * 64),
        b"hello",
    ],
)
def test_malformed_answers_are_bad_proofs(payload: bytes) -> None:
    with pytest.raises(BadProof):
        verify_answer(payload, NONCE, CLAIM)


def test_random_bytes_never_raise_anything_but_bad_proof() -> None:
    rng = random.Random(8)
    good = answer()
    for _ in range(500):
        mutated = bytearray(good)
        for _ in range(rng.randint(1, 4)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        for payload in (bytes(mutated), rng.randbytes(rng.randint(0, 200))):
            try:
                verify_answer(payload, NONCE, CLAIM)
            except BadProof:
                pass


# --- over loopback ---------------------------------------------------------------------------

LOCAL = "127.0.0.1"


def run(coro: Coroutine[Any, Any, Any], timeout: float = 20.0) -> Any:
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def _ignore(message: object) -> None:
    """An inbox that drops what it gets (these tests are about GET /id)."""


async def serving(stack: AsyncExitStack, resource: aiocoap.interfaces.Resource | None) -> CoapServer:
    """A started loopback server answering challenges with `resource` (if any)."""
    server = CoapServer(bind=LOCAL, port=0, on_inbox=_ignore)
    if resource is not None:
        server.add_resource(PROOF_PATH, resource)
    await server.start()
    stack.push_async_callback(server.stop)
    return server


@asynccontextmanager
async def started_client() -> AsyncIterator[CoapClient]:
    async with CoapClient() as client:
        yield client


class RelayingImpostor(ReadOnlyResource):
    """GET /id that asks the real peer instead: first for the address we were asked about
    (the real peer refuses it), then for the real peer's own address (it signs that)."""

    def __init__(self, client: CoapClient, real: Address) -> None:
        super().__init__()
        self.client = client
        self.real = real
        self.asked = 0

    async def render_get(self, request: aiocoap.Message) -> aiocoap.Message:
        self.asked += 1
        nonce, claim = parse_challenge(request.opt.uri_query)
        query = challenge_query(nonce, claim)
        as_asked = await self.client.request(self.real, "GET", PROOF_PATH, query=query)
        assert as_asked.code == "4.00", as_asked
        own = claim_text(self.real.host, self.real.port)
        signed = await self.client.request(self.real, "GET", PROOF_PATH, query=challenge_query(nonce, own))
        assert signed.success
        return aiocoap.Message(code=Code.CONTENT, payload=signed.payload, content_format=60)


def test_a_peer_proves_itself_and_an_impostor_relaying_its_challenges_does_not() -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            real = await serving(stack, ProofResource(REAL))
            client = await stack.enter_async_context(started_client())
            real_at = Address(LOCAL, real.port)
            relay = RelayingImpostor(client, real_at)
            impostor = await serving(stack, relay)
            impostor_at = Address(LOCAL, impostor.port)

            result = await challenge(client, real_at)
            assert (result.outcome, result.peer_id) == (Outcome.PROVEN, REAL.peer_id)
            assert await prove(client, real_at, REAL.peer_id)
            assert not await prove(client, real_at, OTHER.peer_id)

            result = await challenge(client, impostor_at)
            assert result.outcome is Outcome.REFUTED and "signature" in result.detail
            assert not await prove(client, impostor_at, REAL.peer_id)
            assert relay.asked == 2

            other = await serving(stack, ProofResource(OTHER))  # a peer that is someone else
            assert not await prove(client, Address(LOCAL, other.port), REAL.peer_id)
            nothing = await serving(stack, None)  # not an agent: 4.04
            assert (await challenge(client, Address(LOCAL, nothing.port))).outcome is Outcome.REFUTED
            closed = Address(LOCAL, _closed_port())
            assert (await challenge(client, closed, timeout_s=0.5)).outcome is Outcome.NO_ANSWER

    run(go())


def test_a_dns_name_is_resolved_and_its_ip_claimed() -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            server = CoapServer(bind="::", port=0, on_inbox=_ignore)
            server.add_resource(PROOF_PATH, ProofResource(REAL))
            await server.start()  # every address: localhost may resolve to ::1 or 127.0.0.1
            stack.push_async_callback(server.stop)
            client = await stack.enter_async_context(started_client())
            assert await prove(client, Address("localhost", server.port), REAL.peer_id)

    run(go())


def test_the_prover_caches_outcomes_and_shares_one_challenge() -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            real = await serving(stack, ProofResource(REAL))
            other = await serving(stack, ProofResource(OTHER))
            client = await stack.enter_async_context(started_client())
            book = AddressBook()
            prover = Prover(client, book)
            real_at, other_at = Address(LOCAL, real.port), Address(LOCAL, other.port)
            book.add(REAL.peer_id, real_at, Source.MDNS)
            book.add(REAL.peer_id, other_at, Source.MDNS)  # someone else announced at this one

            results = await asyncio.gather(*(prover.prove(REAL.peer_id, real_at) for _ in range(5)))
            assert {r.outcome for r in results} == {Outcome.PROVEN}
            assert prover.counters["challenges"] == 1  # shared
            assert book.is_proven(REAL.peer_id, real_at)
            assert (await prover.prove(REAL.peer_id, real_at)).outcome is Outcome.PROVEN
            assert prover.counters["challenges"] == 1  # cached

            refuted = await prover.prove(REAL.peer_id, other_at)
            assert refuted.outcome is Outcome.REFUTED and refuted.peer_id == OTHER.peer_id
            assert book.is_refuted(REAL.peer_id, other_at)
            assert [c.address for c in book.candidates(REAL.peer_id)] == [real_at]
            assert (await prover.prove(REAL.peer_id, other_at)).outcome is Outcome.REFUTED
            assert prover.counters["challenges"] == 2  # not asked again while refuted

    run(go())


def test_challenges_past_the_in_flight_limit_wait_their_turn() -> None:
    """A fan-out to more peers than `max_in_flight` proves every one of them, a few at a time
    (issue 12: 100 peers, 64 slots), while a challenge that finds no slot within its
    caller's time is unanswered, not sent, and not held against the address."""

    async def go() -> None:
        async with AsyncExitStack() as stack:
            servers = [await serving(stack, ProofResource(REAL)) for _ in range(6)]
            client = await stack.enter_async_context(started_client())
            book = AddressBook()
            prover = Prover(client, book, max_in_flight=2)
            addresses = [Address(LOCAL, s.port) for s in servers]
            results = await asyncio.gather(*(prover.prove(REAL.peer_id, a) for a in addresses))
            assert [r.outcome for r in results] == [Outcome.PROVEN] * 6
            assert prover.counters["challenges"] == 6

            mute = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
            mute.bind((LOCAL, 0))  # takes datagrams, never answers: holds the only slot
            stuck = Prover(client, AddressBook(), max_in_flight=1, timeout_s=0.5)
            first = asyncio.ensure_future(
                stuck.prove(OTHER.peer_id, Address(LOCAL, mute.getsockname()[1]))
            )
            await asyncio.sleep(0.05)
            late = await stuck.prove(REAL.peer_id, addresses[0], timeout_s=0.05)
            assert late.outcome is Outcome.NO_ANSWER and "in flight" in late.detail
            assert stuck.counters["challenges"] == 0  # not asked, so not held against it
            assert not stuck.book.is_refuted(REAL.peer_id, addresses[0])
            await first

    run(go())


def test_malformed_challenges_are_refused_and_the_peer_keeps_answering() -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            server = await serving(stack, ProofResource(REAL))
            client = await stack.enter_async_context(started_client())
            here = Address(LOCAL, server.port)
            rng = random.Random(3)
            queries: list[tuple[str, ...]] = [
                (),
                ("n=00",),
                challenge_query(NONCE, claim_text(LOCAL, server.port % 65535 + 1)),  # another port
                challenge_query(NONCE, "10.0.0.9:5683"),  # someone else's address
                challenge_query(NONCE, f"[::1]:{server.port}"),
                tuple("x" * rng.randint(0, 250) for _ in range(8)),
                tuple(rng.randbytes(40).hex() for _ in range(3)),
            ]
            for query in queries:
                response = await client.request(here, "GET", PROOF_PATH, query=query, timeout=5)
                assert response.code == "4.00", (query, response)
            for method in ("POST", "PUT", "DELETE"):
                response = await client.request(here, method, PROOF_PATH, b"x", timeout=5)
                assert response.code == "4.05"
            assert await prove(client, here, REAL.peer_id)

    run(go())


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((LOCAL, 0))
        return int(s.getsockname()[1])


def test_a_stranger_gets_a_few_signed_answers_a_second_and_priority_senders_all() -> None:
    """Each answer is a signature: beyond its share a stranger host gets 5.03, cheaply."""

    async def go() -> None:
        async with AsyncExitStack() as stack:
            server = await serving(stack, None)
            resource = ProofResource(REAL)
            server.add_resource(PROOF_PATH, resource)
            client = await stack.enter_async_context(started_client())
            here = Address(LOCAL, server.port)
            query = challenge_query(NONCE, claim_text(LOCAL, server.port))
            resource.priority = lambda remote: False  # as a host on the LAN, not this one

            async def codes(n: int) -> list[str]:
                return [(await client.request(here, "GET", PROOF_PATH, query=query, timeout=5)).code
                        for _ in range(n)]

            started = time.monotonic()
            got = await codes(const.PROOF_ANSWERS_PER_HOST_BURST + 20)
            refilled = (time.monotonic() - started) * const.PROOF_ANSWERS_PER_HOST_PER_S
            assert const.PROOF_ANSWERS_PER_HOST_BURST <= got.count("2.05") <= const.PROOF_ANSWERS_PER_HOST_BURST + refilled + 1
            assert got[: const.PROOF_ANSWERS_PER_HOST_BURST] == ["2.05"] * const.PROOF_ANSWERS_PER_HOST_BURST
            assert set(got) == {"2.05", "5.03"}, got
            resource.priority = lambda remote: True  # this host, a trusted peer's
            assert set(await codes(10)) == {"2.05"}

    run(go())

"""Proof of identity at an address: a peer shows that it holds its key where it is reached.

mDNS announcements and `?from=` hints are claims anyone on the LAN can make ("peer X is at
my address"). Before a peer's address is used, the sender challenges it::

    GET /id?n=<32 hex digits: a fresh random nonce>&a=<the address asked, "host:port">

and the peer answers 2.05 with the CBOR map ``{"id": <its peer id>, "sig": <64 bytes>}``,
where ``sig`` is its Ed25519 signature of `proof_message` (a fixed prefix, the nonce, its peer
id and the claimed address). The answer proves the key holder answered *at that address*:

- the nonce is fresh, so an old answer cannot be replayed;
- the peer signs only the address the challenge was sent to (the local address and port the
  datagram arrived at), and the challenger checks the signature over the address it asked;
  so an impostor who relays a challenge to the real peer gets either a refusal (the address
  is not the real peer's) or a signature over the real peer's address, which does not verify
  for the impostor's;
- the prefix starts with the byte 0x65 (a CBOR text string head), and a particle's signing
  bytes are one CBOR map (0xa0-0xbf), so the answer can never pass for a signed particle.

The first part of this module is pure (message building, encoding, checking; no I/O); the
rest is the CoAP edge: `ProofResource` answers challenges, `challenge`/`prove` make them, and
`Prover` caches the outcomes in an `AddressBook` and makes one challenge per (peer, address)
at a time. It does not send particles (`edge_agent.net.delivery` does).
"""

from __future__ import annotations

import asyncio
import enum
import ipaddress
import logging
import secrets
import socket
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aiocoap
import aiocoap.util
import cbor2
from aiocoap.numbers.codes import Code

from edge_agent import const
from edge_agent.cborutil import CBORError, loads_one
from edge_agent.errors import RemoteError
from edge_agent.identity import SIGNATURE_BYTES, InvalidPeerId, KeyPair, validate_peer_id, verify
from edge_agent.net.addressbook import Address, AddressBook
from edge_agent.net.coap import CoapClient, NotRunning, ReadOnlyResource, RequestFailed
from edge_agent.net.coap_common import remote_of
from edge_agent.ratelimit import Rate, SenderLimiter

__all__ = [
    "PROOF_CONTEXT",
    "PROOF_PATH",
    "BadChallenge",
    "BadProof",
    "Challenge",
    "Outcome",
    "ProofResource",
    "Prover",
    "challenge",
    "challenge_query",
    "claim_text",
    "decode_answer",
    "encode_answer",
    "parse_challenge",
    "parse_claim",
    "proof_message",
    "prove",
    "verify_answer",
]

log = logging.getLogger(__name__)

PROOF_PATH = ("id",)
"""Where agents answer challenges."""

PROOF_CONTEXT = b"edge-agent address proof v1\x00"
"""Prefix of every signed proof; its first byte (0x65) is never a CBOR map's head."""

CT_CBOR = 60
"""application/cbor (RFC 8949 §9.5)."""

_NONCE_QUERY = "n"
_CLAIM_QUERY = "a"
_MAX_QUERY_ITEMS = 8


class BadChallenge(RemoteError):
    """A challenge we received is malformed (answered 4.00)."""


class BadProof(RemoteError):
    """An answer to our challenge does not prove what it should."""


# --- the pure part -------------------------------------------------------------------------


def claim_text(host: str, port: int) -> str:
    """The canonical text of an IP endpoint in a challenge: "10.0.0.2:5683" or
    "[fe80::1]:5683" -- IPv4-mapped IPv6 as IPv4, and no IPv6 zone (the two ends name the
    link differently). `ValueError` if `host` is not an IP literal."""
    ip = _ip(host)
    if not 0 < port < 65536:
        raise ValueError(f"a port is 1-65535, got {port}")
    return f"[{ip}]:{port}" if ip.version == 6 else f"{ip}:{port}"


def parse_claim(text: str) -> tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, int]:
    """(IP, port) of a claimed address in canonical form (`claim_text`'s); `BadChallenge`
    for anything else, so both ends always sign and check the same bytes."""
    if not isinstance(text, str) or len(text) > const.PROOF_MAX_CLAIM_CHARS:
        raise BadChallenge("the claimed address is not a short host:port")
    host, sep, port_text = text.rpartition(":")
    if not sep or not port_text.isdigit() or len(port_text) > 5:
        raise BadChallenge(f"the claimed address {text!r} is not host:port")
    try:
        canonical = claim_text(host.removeprefix("[").removesuffix("]"), int(port_text))
    except ValueError as exc:
        raise BadChallenge(f"the claimed address {text!r}: {exc}") from None
    if canonical != text:
        raise BadChallenge(f"the claimed address {text!r} is not in canonical form ({canonical})")
    return _ip(host.removeprefix("[").removesuffix("]")), int(port_text)


def proof_message(nonce: bytes, peer_id: str, claim: str) -> bytes:
    """The bytes a peer signs to prove it holds `peer_id`'s key at the address `claim`:
    `PROOF_CONTEXT`, then the nonce, the peer id and the claim, each with a 2-byte length."""
    parts = (bytes(nonce), peer_id.encode(), claim.encode())
    return PROOF_CONTEXT + b"".join(struct.pack(">H", len(p)) + p for p in parts)


def challenge_query(nonce: bytes, claim: str) -> tuple[str, str]:
    """The Uri-Query items of a challenge."""
    return (f"{_NONCE_QUERY}={nonce.hex()}", f"{_CLAIM_QUERY}={claim}")


def parse_challenge(query: Sequence[str]) -> tuple[bytes, str]:
    """(nonce, claim) from a challenge's Uri-Query items; `BadChallenge` says what is wrong."""
    if len(query) > _MAX_QUERY_ITEMS:
        raise BadChallenge(f"{len(query)} query items; a challenge has 2")
    items: dict[str, str] = {}
    for item in query:
        key, _, value = item.partition("=")
        if key in items:
            raise BadChallenge(f"query item {key!r} given twice")
        items[key] = value
    nonce_hex = items.get(_NONCE_QUERY, "")
    if len(nonce_hex) != 2 * const.PROOF_NONCE_BYTES:
        raise BadChallenge(f"n= is {2 * const.PROOF_NONCE_BYTES} hex digits (a fresh random nonce)")
    try:
        nonce = bytes.fromhex(nonce_hex)
    except ValueError:
        raise BadChallenge("n= is not hex") from None
    claim = items.get(_CLAIM_QUERY, "")
    parse_claim(claim)
    return nonce, claim


def encode_answer(peer_id: str, signature: bytes) -> bytes:
    """The CBOR answer to a challenge."""
    return cbor2.dumps({"id": peer_id, "sig": bytes(signature)})


def decode_answer(payload: bytes) -> tuple[str, bytes]:
    """(peer id, signature) from an answer; `BadProof` if it is not one (bounded first)."""
    if len(payload) > const.PROOF_MAX_ANSWER_BYTES:
        raise BadProof(f"a {len(payload)}-byte answer; one is at most {const.PROOF_MAX_ANSWER_BYTES}")
    try:
        answer = loads_one(payload)
    except CBORError as exc:
        raise BadProof(f"the answer is not CBOR: {exc}") from None
    if not isinstance(answer, dict) or set(answer) != {"id", "sig"}:
        raise BadProof("the answer is not a map of exactly id and sig")
    peer_id, signature = answer["id"], answer["sig"]
    if not isinstance(signature, bytes) or len(signature) != SIGNATURE_BYTES:
        raise BadProof(f"sig is not {SIGNATURE_BYTES} bytes")
    try:
        validate_peer_id(peer_id)
    except InvalidPeerId as exc:
        raise BadProof(f"the answer's id: {exc}") from None
    return peer_id, signature


def verify_answer(payload: bytes, nonce: bytes, claim: str) -> str:
    """The peer id an answer proves to hold its key at `claim`, for the challenge `nonce`;
    `BadProof` if it proves nothing."""
    peer_id, signature = decode_answer(payload)
    if not verify(peer_id, proof_message(nonce, peer_id, claim), signature):
        raise BadProof(f"the signature is not {peer_id}'s over this challenge and address {claim}")
    return peer_id


def answer_challenge(keypair: KeyPair, query: Sequence[str], local: tuple[str, int] | None) -> bytes:
    """The answer to a challenge that arrived at `local` (our IP and port), or `BadChallenge`
    if it is malformed or claims an address that is not where it arrived."""
    nonce, claim = parse_challenge(query)
    ip, port = parse_claim(claim)
    if local is None:
        raise BadChallenge("cannot tell which of our addresses this challenge came to")
    try:
        here = _ip(local[0]), local[1]
    except ValueError:
        raise BadChallenge(f"our address {local[0]!r} is not an IP address") from None
    if (ip, port) != here:
        raise BadChallenge(f"{claim} is not the address this challenge came to")
    if ip.is_multicast or ip.is_unspecified:
        raise BadChallenge(f"{claim} is not one peer's address")
    return encode_answer(keypair.peer_id, keypair.sign(proof_message(nonce, keypair.peer_id, claim)))


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    ip = ipaddress.ip_address(host.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


# --- answering -----------------------------------------------------------------------------


class ProofResource(ReadOnlyResource):
    """GET /id: answers challenges with this peer's signed proof (see the module docstring).

    A stranger can make us sign only proofs of our own address for its nonce, which tell it
    nothing it could not ask us directly; but each is a signature, so hosts other than priority
    senders get a few a second each and `PROOF_STRANGER_ANSWERS_PER_S` together (then 5.03).
    Refusals are logged at DEBUG: strangers cause them.
    """

    def __init__(self, keypair: KeyPair) -> None:
        super().__init__()
        self._keypair = keypair
        self._strangers = SenderLimiter(
            Rate(const.PROOF_ANSWERS_PER_HOST_PER_S, const.PROOF_ANSWERS_PER_HOST_BURST),
            Rate(const.PROOF_STRANGER_ANSWERS_PER_S, const.PROOF_STRANGER_ANSWERS_BURST),
            max_senders=const.COAP_MAX_TRACKED_SENDERS,
        )

    async def render_get(self, request: aiocoap.Message) -> aiocoap.Message:
        remote = remote_of(request.remote)
        if not self.priority(remote) and not self._strangers.allow(remote[0]):
            busy = b"busy: too many challenges; try again"
            return aiocoap.Message(code=Code.SERVICE_UNAVAILABLE, payload=busy, max_age=1)
        try:
            answer = answer_challenge(self._keypair, request.opt.uri_query, _local_endpoint(request))
        except BadChallenge as exc:
            log.debug("refused a challenge from %s: %s", getattr(request.remote, "hostinfo", "?"), exc)
            return aiocoap.Message(code=Code.BAD_REQUEST, payload=str(exc).encode()[:200])
        return aiocoap.Message(code=Code.CONTENT, payload=answer, content_format=CT_CBOR)


def _local_endpoint(request: aiocoap.Message) -> tuple[str, int] | None:
    """The IP and port a request arrived at (from IPV6_PKTINFO, which aiocoap's udp6
    transport asks for), or None if aiocoap cannot say."""
    try:
        host, port = aiocoap.util.hostportsplit(request.remote.hostinfo_local)
    except Exception:  # noqa: BLE001 - no pktinfo, another transport: refuse, never raise
        return None
    return host, port or const.COAP_DEFAULT_PORT


# --- challenging ---------------------------------------------------------------------------


class Outcome(enum.Enum):
    """What a challenge showed about an address."""

    PROVEN = "proven"
    """A key holder answered there; `Challenge.peer_id` says which."""
    REFUTED = "refuted"
    """Something answered there, but proved nothing (a refusal, a bad or foreign signature)."""
    NO_ANSWER = "no_answer"
    """No answer in time, a network error, or we could not ask; asking again may work."""


@dataclass(frozen=True, slots=True)
class Challenge:
    """The outcome of one challenge; `detail` says why, for logs and people."""

    outcome: Outcome
    peer_id: str | None = None
    detail: str = ""
    port_closed: bool = False
    """NO_ANSWER because nothing listens at the address now (ICMP port unreachable)."""


_RETRYABLE = frozenset({"4.29", "5.00", "5.02", "5.03", "5.04"})


async def challenge(
    client: CoapClient,
    address: Address,
    *,
    timeout_s: float = const.PROOF_TIMEOUT_S,
    nonce: bytes | None = None,
) -> Challenge:
    """Challenge `address` once: who holds its key there? Never raises for network trouble.

    A DNS name is resolved first, and the IP it resolves to is asked (and claimed).
    """
    try:
        ip = await _resolve(address)
    except OSError as exc:
        return Challenge(Outcome.NO_ANSWER, None, f"cannot resolve {address.host}: {exc}")
    nonce = nonce if nonce is not None else secrets.token_bytes(const.PROOF_NONCE_BYTES)
    claim = claim_text(ip.host, ip.port)
    try:
        response = await client.request(
            ip, "GET", PROOF_PATH, query=challenge_query(nonce, claim), accept=CT_CBOR,
            timeout=timeout_s, max_bytes=const.PROOF_MAX_ANSWER_BYTES,
        )
    except RequestFailed as exc:
        return Challenge(Outcome.NO_ANSWER, None, str(exc), port_closed=exc.port_closed)
    except NotRunning as exc:
        return Challenge(Outcome.NO_ANSWER, None, str(exc))
    if not response.success:
        kind = Outcome.NO_ANSWER if response.code in _RETRYABLE else Outcome.REFUTED
        return Challenge(kind, None, f"{address} answered {response.code} {response.diagnostic}".rstrip())
    try:
        peer_id = verify_answer(response.payload, nonce, claim)
    except BadProof as exc:
        return Challenge(Outcome.REFUTED, None, f"{address}: {exc}")
    return Challenge(Outcome.PROVEN, peer_id, f"{peer_id} proved its key at {address}")


async def prove(client: CoapClient, address: Address, peer_id: str, **kw: Any) -> bool:
    """Whether `peer_id` proves it holds its key at `address` (one challenge, no cache)."""
    result = await challenge(client, address, **kw)
    return result.outcome is Outcome.PROVEN and result.peer_id == peer_id


async def _resolve(address: Address) -> Address:
    if address.is_ip:
        return address
    infos = await asyncio.get_running_loop().getaddrinfo(
        address.host, address.port, type=socket.SOCK_DGRAM
    )
    if not infos:
        raise OSError(f"{address.host} has no address")
    return Address(str(infos[0][4][0]), address.port)


class Prover:
    """Proves (peer id, address) pairs and keeps the outcomes in `book`: a proven pair is not
    challenged again until its proof expires; an address that answered as someone else is
    not asked again for a while. Concurrent requests for one pair share one challenge.
    """

    def __init__(
        self,
        client: CoapClient,
        book: AddressBook,
        *,
        timeout_s: float = const.PROOF_TIMEOUT_S,
        max_in_flight: int = const.PROOF_MAX_IN_FLIGHT,
    ) -> None:
        self.client = client
        self.book = book
        self.timeout_s = timeout_s
        self._max_in_flight = max_in_flight
        self._in_flight: dict[tuple[str, Address], asyncio.Future[Challenge]] = {}
        self._slots = asyncio.Semaphore(max_in_flight)
        self.counters = {"challenges": 0, "proven": 0, "refuted": 0, "unanswered": 0}

    async def prove(self, peer_id: str, address: Address, *, timeout_s: float | None = None) -> Challenge:
        """Whether `peer_id` holds its key at `address`: from the book if known, else by a
        challenge (shared with any other caller asking the same now) that waits at most
        `timeout_s` (default: the prover's) for the answer."""
        if self.book.is_proven(peer_id, address):
            return Challenge(Outcome.PROVEN, peer_id, "proven before")
        if self.book.is_refuted(peer_id, address):
            return Challenge(Outcome.REFUTED, None, f"{address} did not prove it is {peer_id} lately")
        key = (peer_id, address)
        shared = self._in_flight.get(key)
        if shared is not None:
            return await asyncio.shield(shared)
        future: asyncio.Future[Challenge] = asyncio.get_running_loop().create_future()
        self._in_flight[key] = future
        result = Challenge(Outcome.NO_ANSWER, None, "the challenge was cancelled")
        try:
            result = await self._challenge_in_turn(peer_id, address, timeout_s)
        finally:
            del self._in_flight[key]
            future.set_result(result)  # others waiting get it, also if we were cancelled
        return result

    async def _challenge_in_turn(self, peer_id: str, address: Address, timeout_s: float | None
                                 ) -> Challenge:
        """Challenge once a slot is free: at most `max_in_flight` challenges are out at once,
        and the others wait their turn within their caller's time (a fan-out to 100 peers
        proves them all, a few dozen at a time, rather than failing those past the limit)."""
        loop = asyncio.get_running_loop()
        budget = self.timeout_s if timeout_s is None else timeout_s
        started = loop.time()
        try:
            await asyncio.wait_for(self._slots.acquire(), max(budget, 0.0))
        except asyncio.TimeoutError:
            return Challenge(
                Outcome.NO_ANSWER, None,
                f"{self._max_in_flight} challenges were in flight for all of {budget:.1f} s",
            )
        try:
            left = budget - (loop.time() - started)
            wait = min(self.timeout_s, left) if timeout_s is not None else self.timeout_s
            if wait <= 0:
                return Challenge(Outcome.NO_ANSWER, None, "no time left to challenge")
            answered = await challenge(self.client, address, timeout_s=wait)
            return self._judge(peer_id, address, answered)
        finally:
            self._slots.release()

    def _judge(self, peer_id: str, address: Address, result: Challenge) -> Challenge:
        self.counters["challenges"] += 1
        if result.outcome is Outcome.PROVEN and result.peer_id == peer_id:
            self.counters["proven"] += 1
            self.book.record_proof(peer_id, address)
            log.debug("%s", result.detail)
            return result
        if result.outcome is Outcome.NO_ANSWER:
            self.counters["unanswered"] += 1
            log.debug("challenge of %s for %s unanswered: %s", address, peer_id, result.detail)
            self.book.record_unanswered(peer_id, address)
            return result
        self.counters["refuted"] += 1
        detail = result.detail if result.outcome is Outcome.REFUTED else f"{address} is {result.peer_id}"
        log.info("%s claims to be %s but did not prove it: %s", address, peer_id, detail)
        self.book.record_refuted(peer_id, address)
        return Challenge(Outcome.REFUTED, result.peer_id, detail)

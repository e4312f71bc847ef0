"""Reaching a peer by its id: only at addresses where it proved its key, each in turn.

`send_to_peer` offers a particle to a peer's addresses in the `AddressBook`'s order (static,
then the freshest), sending at once where the peer proved its key before (no extra round
trip: proofs are cached) and challenging any other address once before it is used
(`edge_agent.net.proof`). Each address proven before, but the last, gets a slice of the time
(`const.DELIVERY_ADDRESS_SLICE_MS`), so a dead or impostor address costs a slice, never the
whole budget (one that proved itself just now is alive, and gets all the time left); passes
repeat, with a growing pause, until the deadline or `const.DELIVERY_MAX_ROUNDS` (a later
pass also tries addresses learned meanwhile, e.g. the real peer's, announced after an
impostor's). A closed port learned from a copy's source (a CLI that exited) costs one try,
and a peer with nothing listening at any such address fails at once; a closed port the peer
still announces (it crashed, or is restarting) is tried again in the next pass.
`proven_addresses` yields a peer's proven addresses for other requests, and `get_from_peer`
GETs a resource there (a module, a membership). None decides what to send nor knows the
node.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass

from edge_agent import const
from edge_agent.net.addressbook import Address, AddressBook, Candidate
from edge_agent.net.coap import CoapClient, SendOutcome, SendResult
from edge_agent.net.proof import Outcome, Prover

__all__ = ["Delivery", "get_from_peer", "proven_addresses", "send_to_peer"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Delivery:
    """How `send_to_peer` ended; `detail` says why, for logs and people."""

    ok: bool
    address: Address | None = None
    """Where the particle was delivered (None if it was not)."""
    reply: bytes = b""
    """A particle copy for us that the peer put in its response."""
    reply_tag: bytes | None = None
    """The hop tag that came with `reply` (edge_agent/hop.py), if any."""
    detail: str = ""
    stopped: bool = False
    """The client was stopped meanwhile."""
    tries: int = 0
    """Addresses tried, over all passes (1: delivered at the first; a trace shows more)."""
    why_retried: str = ""
    """Why the try before the last one failed (when `tries` > 1)."""

    @property
    def retries(self) -> tuple[int, str]:
        """(tries, why_retried)."""
        return self.tries, self.why_retried


async def send_to_peer(
    prover: Prover,
    peer_id: str,
    raw: bytes,
    *,
    deadline_ms: int,
    busy_until_ms: int = 0,
    sender: str | None = None,
    tag: bytes | None = None,
    heard_at: Address | None = None,
    wall_clock: Callable[[], float] = time.time,
) -> Delivery:
    """POST the particle `raw` to `peer_id` at an address where it proved its key, trying
    its addresses in turn until one acknowledges it or `deadline_ms` (wall clock, ms since
    the epoch) passes. `sender` is our peer id, sent along as the `from=` hint (and `tag`, the
    hop tag that proves it to `peer_id`). `heard_at` is where the peer just sent us this
    particle from: alive, so it gets all the time left rather than a slice (an answer cut
    off half-way over a busy LAN is sent again in full to the next address: more work for a
    peer that is slow already, issue 12).

    A send that got no answer in its time, from an address that answered other requests of
    ours meanwhile, was waiting on a busy peer or in our own queue to it (many copies to one
    peer at once): that address is alive, and the send goes on there until `busy_until_ms`
    (if later), rather than failing at `deadline_ms` or being blamed on the address.

    An address whose port is closed (ICMP port unreachable: a CLI that exited) is not tried
    again for this particle, and when every address tried was closed and none is left, the
    send fails at once rather than at the deadline. The address stays in the book, to be
    proven again: a peer that restarts there gets the next particle.
    """
    book, client = prover.book, prover.client
    done: set[Address] = set()  # refused the particle, refuted, or closed: not tried again
    closed: set[Address] = set()  # nothing listens there now
    reason = f"no address known for {peer_id}"
    pause = const.DELIVERY_ROUND_PAUSE_S
    slice_ms = const.DELIVERY_ADDRESS_SLICE_MS + len(raw) * 1000 // const.DELIVERY_MIN_BYTES_PER_S
    tries = 0
    why_retried = ""
    for round_ in range(const.DELIVERY_MAX_ROUNDS):
        if round_:
            left_s = deadline_ms / 1000 - wall_clock()
            if left_s <= 0:
                break
            await asyncio.sleep(min(pause, left_s))
            pause = min(pause * 2, const.COAP_SEND_BACKOFF_MAX_S)
        todo = [c for c in book.candidates(peer_id) if c.address not in done]
        if not todo and done <= closed:
            # Nothing known, or nothing listens anywhere tried. (With an address refuted,
            # wait instead: the real peer's may be announced yet.)
            break
        for i, candidate in enumerate(todo):
            address = candidate.address
            now_ms = int(wall_clock() * 1000)
            if now_ms >= deadline_ms:
                return Delivery(False, detail=reason, tries=tries, why_retried=why_retried)
            why_retried, tries = reason, tries + 1  # the reason the last try failed, if any
            if not candidate.proven:
                proof = await prover.prove(peer_id, address, timeout_s=(deadline_ms - now_ms) / 1000)
                if proof.outcome is not Outcome.PROVEN:
                    reason = f"{address} did not prove it is {peer_id}: {proof.detail}"
                    if proof.port_closed:
                        reason = proof.detail
                        _closed(book, peer_id, candidate, done, closed)
                    elif proof.outcome is Outcome.REFUTED:
                        done.add(address)
                    continue
            # A slice guards against a dead address; one that answered a challenge just now is
            # alive, and cutting its transfer short (a busy LAN: 100 peers at once, issue 12)
            # would leave a half-sent body that the peer holds until it times out.
            alive = i == len(todo) - 1 or not candidate.proven or address == heard_at
            until_ms = deadline_ms if alive else min(deadline_ms, now_ms + slice_ms)
            last_ms = max(deadline_ms, busy_until_ms)
            result, busy = await _offer(client, address, raw, until_ms=until_ms, last_ms=last_ms,
                                        sender=sender, tag=tag)
            if result.ok:
                book.record_used(peer_id, address)
                return Delivery(True, address, result.reply, result.reply_tag, result.detail, tries=tries,
                                why_retried=why_retried)
            if result.outcome is SendOutcome.STOPPED:
                return Delivery(False, detail=result.detail, stopped=True)
            reason = f"{address}: {result.detail or result.outcome.value}"
            _failed_at(book, peer_id, candidate, result.outcome, busy, done, closed)
    return Delivery(False, detail=reason, tries=tries, why_retried=why_retried)


async def _offer(
    client: CoapClient, address: Address, raw: bytes, *, until_ms: int, last_ms: int, sender: str | None,
    tag: bytes | None,
) -> tuple[SendResult, bool]:
    """POST `raw` to `address` until `until_ms`; if no answer came by then but the address
    answered other requests of ours meanwhile, on until `last_ms`. The result, and whether
    the address was alive but the time ran out."""
    started = time.monotonic()
    result = await client.send_particle(address, raw, deadline_ms=until_ms, sender=sender, tag=tag)
    busy = result.outcome is SendOutcome.EXPIRED and client.answered_since(address, started)
    if busy and last_ms > until_ms:
        result = await client.send_particle(address, raw, deadline_ms=last_ms, sender=sender, tag=tag)
        busy = result.outcome is SendOutcome.EXPIRED and client.answered_since(address, started)
    return result, busy


def _failed_at(book: AddressBook, peer_id: str, candidate: Candidate, outcome: SendOutcome, busy: bool,
               done: set[Address], closed: set[Address]) -> None:
    if outcome is SendOutcome.REJECTED:
        done.add(candidate.address)  # it answered: alive, and its refusal will not change
    elif not busy:  # (busy: alive, but the time ran out)
        # No answer, or nothing listens: prove it again before use; try it last.
        book.record_unanswered(peer_id, candidate.address)
        if outcome is SendOutcome.NOT_LISTENING:
            _closed(book, peer_id, candidate, done, closed)


def _closed(book: AddressBook, peer_id: str, candidate: Candidate, done: set[Address],
            closed: set[Address]) -> None:
    """Nothing listens at the candidate's port now. Where the peer announced it (no goodbye
    yet: a crash or restart under way) it is tried again in a later round, after the pause;
    a port learned from a copy's source (a CLI session that exited) is not."""
    book.record_unanswered(peer_id, candidate.address)
    if not candidate.announced:
        done.add(candidate.address)
        closed.add(candidate.address)


async def proven_addresses(
    prover: Prover, peer_id: str, unproven: list[str] | None = None
) -> AsyncGenerator[Address, None]:
    """The peer's addresses where it proved its key, in the order to try: those proven
    before, then each other one that proves itself now (one challenge each). Each address
    that does not is added to `unproven` (if given) with the reason."""
    for candidate in prover.book.candidates(peer_id):
        if candidate.proven:
            yield candidate.address
            continue
        proof = await prover.prove(peer_id, candidate.address)
        if proof.outcome is Outcome.PROVEN:
            yield candidate.address
        else:
            log.debug("not using %s for %s: %s", candidate.address, peer_id, proof.detail)
            if unproven is not None:
                unproven.append(f"{candidate.address}: did not prove it is {peer_id}: {proof.detail}")


async def get_from_peer(
    prover: Prover, peer_id: str, path: Sequence[str], *, timeout_s: float, max_bytes: int
) -> bytes:
    """The body of GET `path` (blockwise, at most `max_bytes`) from `peer_id`, asked at each
    of its addresses where it proves its key in turn until one answers 2.05;
    `ConnectionError` says why none did: every address tried, each with its reason (the
    last alone may be a stale port of an earlier session, and hide the real cause)."""
    tried: list[str] = []
    async with contextlib.aclosing(proven_addresses(prover, peer_id, tried)) as addresses:
        async for address in addresses:
            try:
                response = await prover.client.request(
                    address, "GET", path, timeout=timeout_s, max_bytes=max_bytes
                )
            except Exception as exc:  # noqa: BLE001 - try the next address
                tried.append(f"{address}: {str(exc) or type(exc).__name__}")
                continue
            if response.success:
                return response.payload
            tried.append(f"{address}: {response.code} {response.diagnostic}".rstrip())
    if not tried:
        raise ConnectionError(f"no address known where {peer_id} proves its key")
    raise ConnectionError(f"tried {len(tried)} address{'es' if len(tried) > 1 else ''}: " + "; ".join(tried))

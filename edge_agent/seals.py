"""Who wrote each part of a particle: every peer seals the entries and sent records it wrote (pure).

The init peer's signature covers the script, never the data, which every peer grows; so
without more, a peer the particle passes through could rewrite or invent results of calls
that ran elsewhere. As AquaVM 0.62 does, each peer signs what it produced: a *seal* is
`peer`'s Ed25519 signature over

    SEAL_DOMAIN || particle id || 0 || init peer's signature || peer id || 0
                || sha256(CBOR [[[key, entry digest], ...], [[key, target], ...]] by key)

where an entry's digest is the SHA-256 of its canonical CBOR ``[key, kind, value, peer,
stream]`` (the stream generation is left out: merging renumbers it), and ``[key, target]``
is a sent record the peer wrote: the particle went to `target` for the call at `key`. The
init peer's signature covers the particle's id, init peer, timestamp, ttl and script: a
seal holds only in the particle its peer sealed, never in another that shares its id (a
stranger's, with a script that reads the value as the result of some other call).

A copy is taken only if every entry it adds is covered by a valid seal of the peer the
entry names, and every sent record it adds by a valid seal of some peer (`check`); whose
seals may count at all -- the particle's participants -- is `edge_agent.invitations`'s
rule, and the interpreter then checks that an entry's peer was the one entitled to write
it (`air.context.ExecutionContext.recorded`). The domain prefix keeps a seal from ever
being read as a particle signature (which signs a CBOR map) or an address proof.

What seals do not protect: a participant can still drop a copy, withhold entries, or write
sent records of its own (which stop others forwarding the particle): it can deny service,
but it cannot make anyone believe a value that its producer did not write.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from edge_agent import const
from edge_agent.air import values as V
from edge_agent.air.data import Data, Entry, Kind, Seal
from edge_agent.cborutil import dumps, dumps_canonical
from edge_agent.errors import RemoteError

__all__ = ["SEAL_DOMAIN", "SealError", "SealedParticle", "Sealer", "entry_digest", "seal_message"]

SEAL_DOMAIN = b"edge-agent/seal/v3\x00"
"""v2 bound a seal to the init peer's signature too (v1 named the particle id alone); v3
covers its peer's sent records too (the invitations, `edge_agent.invitations`)."""


class SealedParticle(Protocol):
    """What a seal names of its particle (`edge_agent.particle.Particle` is one)."""

    @property
    def id(self) -> str: ...
    @property
    def signature(self) -> bytes: ...


Verify = Callable[[str, bytes, bytes], bool]
"""verify(peer_id, message, signature) -> whether `peer_id`'s key signed `message`."""
Sign = Callable[[bytes], bytes]


class SealError(RemoteError):
    """A copy's data holds an entry its producer did not seal, or a seal that is not valid."""


def entry_digest(key: str, entry: Entry) -> bytes:
    """SHA-256 of what one entry records (everything but its stream generation)."""
    return hashlib.sha256(
        dumps_canonical([key, int(entry.kind), entry.value, entry.peer, entry.stream])
    ).digest()


def seal_message(
    particle: SealedParticle, peer: str, digests: list[tuple[str, bytes]],
    sent: list[tuple[str, str]] | tuple[()] = (),
) -> bytes:
    """The bytes `peer` signs for the entries `digests` names and the `sent` records
    ([key, target], each sorted by key) in `particle`. (A particle id is a canonical UUID and
    a signature 64 bytes: the parts cannot run into each other.)"""
    listing = hashlib.sha256(dumps([[[k, d] for k, d in digests], [[k, t] for k, t in sent]])).digest()
    return b"".join((
        SEAL_DOMAIN, particle.id.encode(), b"\x00", particle.signature, peer.encode(), b"\x00", listing
    ))


@dataclass(slots=True)
class Sealer:
    """Makes this peer's seals and checks others', remembering what it already verified.

    One per peer, shared by all its particles: a seal is verified once however many copies
    carry it (the cache maps a signature to the message it was found to sign).
    """

    peer_id: str
    sign: Sign
    verify: Verify
    _verified: OrderedDict[bytes, bytes] = field(default_factory=OrderedDict)

    def seal(self, particle: SealedParticle, data: Data, digests: dict[str, bytes]) -> bool:
        """Seal every entry and sent record of ours in `data` unless a seal of ours covers
        them already.

        `digests` caches entry digests by key for this particle (an entry never changes once
        recorded). Returns whether a new seal was added.
        """
        me = self.peer_id
        mine = sorted(k for k, e in data.entries.items() if e.peer == me)
        sent = _own_sent(data, me)
        if not mine and not sent:
            return False
        if any(s.peer == me and len(s.keys) == len(mine) and len(s.sent) == len(sent) for s in data.seals):
            return False  # our seals nest: one as large as all we wrote covers it all
        listing = [(k, _cached_digest(digests, k, data.entries[k])) for k in mine]
        signature = self.sign(seal_message(particle, me, listing, [(k, data.sent[k]) for k in sent]))
        data.seals = [s for s in data.seals if s.peer != me]
        data.seals.append(Seal(me, tuple(mine), signature, tuple(sent)))
        return True

    def check(
        self, particle: SealedParticle, incoming: Data, known: Data | None,
        digests: dict[str, bytes] | None = None, vouched: str | None = None,
    ) -> None:
        """SealError unless every entry `incoming` adds to `known` is sealed by its producer,
        and every sent record it adds by some peer (`edge_agent.invitations` says whose seals
        may count: the caller checks that first, and orders the seals roots first).

        `digests` caches entry digests by key for this particle (as for `seal`): a new seal
        over entries we hold already -- a peer that re-seals all it produced each time it
        adds one -- then costs a digest only for what is new. `vouched` is the peer proven to
        have sent `incoming` (a hop tag, edge_agent/hop.py): the copy is what it sent, so its
        own seals need no signature check (whoever it sends them on to checks them).
        """
        covered: dict[str, set[str]] = {}
        sent_covered: set[str] = set()
        known_seals = set(known.seals) if known is not None else set()
        fresh: dict[tuple[str, str], bytes] = {}  # digests of new entries, made once per check
        for seal in incoming.seals:
            if seal in known_seals:
                pass  # checked when it first came
            elif seal.peer == vouched:
                _check_covers(seal, incoming)
            else:
                self._check_seal(particle, seal, incoming, known, digests, fresh)
            covered.setdefault(seal.peer, set()).update(seal.keys)
            sent_covered.update(seal.sent)
        held_sent = known.sent if known is not None else {}
        for key, target in incoming.sent.items():
            if key not in held_sent and key not in sent_covered:
                raise SealError(f"the sent record of {key!r} (to {target}) is not sealed by anyone")
        held = known.entries if known is not None else {}
        for key, entry in incoming.entries.items():
            mine = held.get(key)
            if mine is not None and mine.same_result(entry):
                continue  # we hold it already: checked when it first came
            if key not in covered.get(entry.peer, ()):
                raise SealError(f"entry {key!r} claims to be by {entry.peer}, who did not seal it")

    def unchecked(self, incoming: Data, known: Data | None, vouched: str | None = None) -> list[Seal]:
        """The seals of `incoming` that `check` would verify: neither held in `known` nor
        verified before, nor `vouched` for. (By signature alone: a signature verified before,
        now over other entries, is verified again, fails, and ends the check.)"""
        held = set(known.seals) if known is not None else ()
        verified = self._verified
        return [
            s for s in incoming.seals if s not in held and s.signature not in verified and s.peer != vouched
        ]

    def _check_seal(
        self,
        particle: SealedParticle,
        seal: Seal,
        data: Data,
        known: Data | None,
        digests: dict[str, bytes] | None,
        fresh: dict[tuple[str, str], bytes],
    ) -> None:
        listing = []
        held = known.entries if known is not None else {}
        for key in seal.keys:
            entry = _sealed_entry(seal, key, data)
            mine = held.get(key)
            if digests is not None and mine is not None and _records_same(mine, entry):
                listing.append((key, _cached_digest(digests, key, mine)))
            else:
                # Seals of one peer overlap (up to const.MAX_SEALS_PER_PEER of them), and an
                # ap may be sealed by each peer that recorded it: one digest each, however
                # many seals cover it.
                digest = fresh.get((key, entry.peer))
                if digest is None:
                    digest = fresh[key, entry.peer] = entry_digest(key, entry)
                listing.append((key, digest))
        sent = [(key, data.sent[key]) for key in seal.sent]  # decode checked that they are there
        message = seal_message(particle, seal.peer, listing, sent)
        if self._verified.get(seal.signature) == message:
            self._verified.move_to_end(seal.signature)
            return
        if not self.verify(seal.peer, message, seal.signature):
            raise SealError(
                f"the seal of {seal.peer} does not match the entries it covers (forged or altered)"
            )
        self._verified[seal.signature] = message
        while len(self._verified) > const.SEAL_CACHE_SIZE:
            self._verified.popitem(last=False)


def _sealed_entry(seal: Seal, key: str, data: Data) -> Entry:
    """The entry at `key` as `seal`'s peer wrote it; SealError if that peer did not write it."""
    entry = data.entries[key]  # decode checked that the seal's entries are there
    if entry.peer != seal.peer and entry.kind == Kind.AP:
        # An ap runs wherever its inputs are: two peers may record the same one before
        # either sees the other's, and a merge keeps one copy (`Entry.same_result`).
        # The seal then signs the copy its peer wrote: same key, value and stream.
        return Entry(entry.kind, entry.value, seal.peer, entry.stream)
    if entry.peer != seal.peer:
        raise SealError(f"a seal of {seal.peer} covers entry {key!r} of {entry.peer}")
    return entry


def _check_covers(seal: Seal, data: Data) -> None:
    """What `_check_seal` checks of a seal but its signature: it covers its own peer's entries."""
    for key in seal.keys:
        _sealed_entry(seal, key, data)


def _own_sent(data: Data, me: str) -> list[str]:
    """The keys of the sent records `me` wrote in `data`, sorted: those its seals cover, and
    those nobody's do (a copy is taken only with every sent record it adds sealed, so the
    ones no seal covers were written here)."""
    if not data.sent:
        return []
    own: set[str] = set()
    others: set[str] = set()
    for seal in data.seals:
        (own if seal.peer == me else others).update(seal.sent)
    return sorted(k for k in data.sent if k in own or k not in others)


def _records_same(a: Entry, b: Entry) -> bool:
    """Whether two copies of one key have the same digest (all but the generation agree)."""
    return a.kind == b.kind and a.peer == b.peer and a.stream == b.stream and V.equal(a.value, b.value)


def _cached_digest(digests: dict[str, bytes], key: str, entry: Entry) -> bytes:
    digest = digests.get(key)
    if digest is None:
        digest = digests[key] = entry_digest(key, entry)
    return digest

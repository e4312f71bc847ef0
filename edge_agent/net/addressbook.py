"""The address book: which (host, port) reaches which peer id, who said so, and which the
peer proved.

Addresses come from three sources — static configuration, mDNS discovery and incoming
particles — and each source's addresses are kept apart, so that a peer leaving mDNS keeps
its static address and a learned address expires on its own. None of them is believed: a
stranger can announce any peer id at its own address. An address is sent to only once the
peer proved there that it holds its key (`record_proof`, after `edge_agent.net.proof`
checked a signed answer to a fresh challenge); proofs expire, and end when a delivery there
fails. The book is bounded (peers, and addresses per peer and source, from
`edge_agent.const`), keeps static, proven and recently used peers when strangers flood it,
and tells listeners when a peer's addresses from its sources change. It does no I/O and
starts no timer: the owner calls `expire()` (`next_expiry()` says when), and the clock is
injected so tests need no sleeping.
"""

from __future__ import annotations

import enum
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from edge_agent import const
from edge_agent.identity import validate_peer_id
from edge_agent.net.address import Address, Entry, InvalidAddress, Source

# The address types are re-exported: many callers name them as addressbook.X.
__all__ = [
    "Address",
    "AddressBook",
    "Candidate",
    "ChangeKind",
    "Entry",
    "InvalidAddress",
    "PeerChange",
    "Source",
]

log = logging.getLogger(__name__)

_PREFERENCE = {Source.STATIC: 0, Source.MDNS: 1, Source.INCOMING: 2}
"""The order of the sources in `lookup` and `candidates`."""


class ChangeKind(enum.Enum):
    """How a peer's set of addresses changed."""

    ADDED = "added"
    """The peer had no address and now has at least one."""
    UPDATED = "updated"
    """The peer still has addresses, but a different list of them."""
    REMOVED = "removed"
    """The peer has no address any more."""


@dataclass(frozen=True, slots=True)
class PeerChange:
    """A change of one peer's addresses, as told to the book's listeners."""

    peer_id: str
    kind: ChangeKind
    addresses: tuple[Address, ...]
    """The peer's addresses after the change, most preferred first; empty when REMOVED."""


Listener = Callable[[PeerChange], None]

_DEFAULT_TTL = object()

_Key = tuple[Address, Source]


@dataclass(frozen=True, slots=True)
class Candidate:
    """An address to try for a peer: `proven` ones may be sent to at once; any other must
    first prove (`edge_agent.net.proof`) that the peer holds its key there."""

    address: Address
    proven: bool
    announced: bool = False
    """The peer says it listens there (an unexpired static or mDNS entry, no goodbye): a
    closed port there is a restart under way, worth another try; a port learned only from
    a copy's source (a CLI session's) that closes is gone."""


@dataclass(frozen=True, slots=True)
class _Proof:
    proven_at: float
    expires_at: float
    used_at: float = 0.0
    """Clock reading of the last delivery to the address (0: none since the proof)."""

    @property
    def recency(self) -> float:
        return max(self.proven_at, self.used_at)


@dataclass(slots=True)
class _Peer:
    """Everything the book knows of one peer id."""

    entries: dict[_Key, Entry] = field(default_factory=dict)
    proofs: dict[Address, _Proof] = field(default_factory=dict)
    refuted: dict[Address, float] = field(default_factory=dict)
    """Addresses that answered a challenge as someone else, with when that is forgotten."""
    unanswered: dict[Address, float] = field(default_factory=dict)
    """Addresses that did not answer lately (tried last), with when that is forgotten."""
    used_at: float = float("-inf")
    """Clock reading of the last delivery to the peer."""

    def static(self) -> bool:
        return any(source is Source.STATIC for _, source in self.entries)

    def proven(self, now: float) -> bool:
        return any(p.expires_at > now for p in self.proofs.values())


class AddressBook:
    """Peer id → addresses by source, and which of them the peer proved it holds its key at;
    bounded, with expiry and change listeners.

    An address says where a peer *may* be; anyone on the LAN can announce or hint one. Only
    a proven one (`record_proof`, after a signed answer to a fresh challenge) is sent to:
    `candidates` says which are, in the order to try them; the others are to be challenged
    first. When the book is full, strangers' unproven entries make room first; static,
    proven and recently used peers are never evicted for an unproven one.

    Not thread-safe: use it from one thread (the event loop's).
    """

    def __init__(
        self,
        *,
        max_peers: int = const.ADDRESSBOOK_MAX_PEERS,
        max_addresses_per_peer: int = const.ADDRESSBOOK_MAX_ADDRESSES_PER_PEER,
        incoming_ttl: float = const.ADDRESSBOOK_INCOMING_TTL_S,
        recent_use: float = const.ADDRESSBOOK_RECENT_USE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_peers < 1 or max_addresses_per_peer < 1:
            raise ValueError("max_peers and max_addresses_per_peer must be at least 1")
        if not incoming_ttl > 0:
            raise ValueError("incoming_ttl must be positive (seconds)")
        self._max_peers = max_peers
        self._max_per_source = max_addresses_per_peer
        self._max_proofs = max_addresses_per_peer * len(Source)
        self._incoming_ttl = incoming_ttl
        self._recent_use = recent_use
        self._clock = clock
        self._peers: OrderedDict[str, _Peer] = OrderedDict()  # least recently seen first
        self._listeners: list[Listener] = []

    # --- reading -----------------------------------------------------------------------------

    def lookup(self, peer_id: str) -> tuple[Address, ...]:
        """The peer's unexpired addresses from its sources, static first, then mDNS, then
        learned; within a source the most recently seen first. Empty if the peer is unknown.

        What these say is unproven: to send, use `candidates`."""
        peer = self._peers.get(peer_id)
        if peer is None or not peer.entries:
            return ()
        now = self._clock()
        return _ordered(e for e in peer.entries.values() if not e.expired(now))

    def candidates(self, peer_id: str) -> tuple[Candidate, ...]:
        """Where to send to the peer, in the order to try; empty if the peer is unknown.

        Every unexpired address, proven or not, but those refuted lately: static ones first,
        then the others by the freshest sign of the peer there (an announcement, a hint, a
        proof or a delivery), proven first among equals; addresses that did not answer
        lately come last. The order only saves time -- an unproven address is proven before
        use -- so a stale proof (a CLI process gone since) does not hold up a fresh hint.
        """
        peer = self._peers.get(peer_id)
        if peer is None:
            return ()
        now = self._clock()
        seen: dict[Address, float] = {}
        static: set[Address] = set()
        announced: set[Address] = set()
        for entry in peer.entries.values():
            if not entry.expired(now):
                seen[entry.address] = max(seen.get(entry.address, entry.seen_at), entry.seen_at)
                if entry.source is Source.STATIC:
                    static.add(entry.address)
                if entry.source is not Source.INCOMING:
                    announced.add(entry.address)
        proven = {a for a, p in peer.proofs.items() if p.expires_at > now}
        for address in proven:
            seen[address] = max(seen.get(address, peer.proofs[address].recency), peer.proofs[address].recency)

        def order(address: Address) -> tuple[bool, bool, float, bool]:
            silent = peer.unanswered.get(address, now) > now
            return (silent, address not in static, -seen[address], address not in proven)

        usable = [a for a in seen if a in proven or peer.refuted.get(a, now) <= now]
        return tuple(Candidate(a, a in proven, a in announced) for a in sorted(usable, key=order))

    def has_candidates(self, peer_id: str) -> bool:
        """Whether `candidates(peer_id)` is not empty, without ordering them (asked before
        every send: is the peer known here at all, or must mDNS find it first?)."""
        peer = self._peers.get(peer_id)
        if peer is None:
            return False
        now = self._clock()
        if any(p.expires_at > now for p in peer.proofs.values()):
            return True  # a proven address is usable even where it was refuted before
        return any(
            not e.expired(now) and peer.refuted.get(e.address, now) <= now for e in peer.entries.values()
        )

    def is_proven(self, peer_id: str, address: Address) -> bool:
        """Whether the peer proved its key at `address` and that proof still holds."""
        peer = self._peers.get(peer_id)
        proof = peer.proofs.get(address) if peer is not None else None
        return proof is not None and proof.expires_at > self._clock()

    def vouched_hosts(self, peer_ids: Iterable[str]) -> frozenset[str]:
        """Hosts where one of `peer_ids` is configured (static) or proved its key lately."""
        now = self._clock()
        hosts: set[str] = set()
        for peer_id in peer_ids:
            peer = self._peers.get(peer_id)
            if peer is None:
                continue
            hosts.update(a.host for (a, source) in peer.entries if source is Source.STATIC)
            hosts.update(a.host for a, proof in peer.proofs.items() if proof.expires_at > now)
        return frozenset(hosts)

    def is_refuted(self, peer_id: str, address: Address) -> bool:
        """Whether `address` answered a challenge for the peer wrongly, lately."""
        peer = self._peers.get(peer_id)
        until = peer.refuted.get(address) if peer is not None else None
        return until is not None and until > self._clock()

    def entries(self, peer_id: str) -> tuple[Entry, ...]:
        """Every stored entry of the peer (expired ones too, until `expire()` runs)."""
        peer = self._peers.get(peer_id)
        return tuple(sorted(peer.entries.values(), key=_entry_order)) if peer is not None else ()

    def peers(self) -> frozenset[str]:
        """The ids of all peers with at least one stored or proven address."""
        return frozenset(self._peers)

    def __contains__(self, peer_id: object) -> bool:
        return peer_id in self._peers

    def __len__(self) -> int:
        return len(self._peers)

    def __repr__(self) -> str:
        return f"<AddressBook peers={len(self._peers)}>"

    def next_expiry(self) -> float | None:
        """The earliest clock reading at which an entry or a proof expires; None if none does."""
        times = [
            t
            for peer in self._peers.values()
            for t in (
                *(e.expires_at for e in peer.entries.values()),
                *(p.expires_at for p in peer.proofs.values()),
            )
            if t is not None
        ]
        return min(times, default=None)

    # --- writing: sources --------------------------------------------------------------------

    def add(
        self,
        peer_id: str,
        address: Address,
        source: Source,
        *,
        ttl: float | None | object = _DEFAULT_TTL,
    ) -> bool:
        """Add or refresh one address; False if there is no room for a new peer (the book is
        full of static, proven and recently used peers) or for another static address.

        `ttl` is in seconds; by default learned (INCOMING) addresses expire after the book's
        `incoming_ttl` and the others never (mDNS entries go when discovery says so).
        Raises `InvalidPeerId` or `InvalidAddress` for malformed input.
        """
        if peer_id not in self._peers:  # a known id was checked when it was added
            validate_peer_id(peer_id)
        _check_address(address)
        expires_at = self._expiry(source, ttl)
        known = self._peers.get(peer_id)
        entry = known.entries.get((address, source)) if known is not None else None
        if known is not None and entry is not None:  # a refresh (every particle): nothing to tell
            known.entries[(address, source)] = Entry(address, source, self._clock(), expires_at)
            self._peers.move_to_end(peer_id)
            return True
        before = self._snapshot(peer_id)
        peer = self._peer_for_entry(peer_id)
        if peer is None:
            return False
        key = (address, source)
        if key not in peer.entries:
            same_source = [k for k in peer.entries if k[1] is source]
            if len(same_source) >= self._max_per_source:
                if source is Source.STATIC:
                    self._prune(peer_id)
                    return False
                oldest = min(same_source, key=lambda k: peer.entries[k].seen_at)
                del peer.entries[oldest]
        peer.entries[key] = Entry(address, source, self._clock(), expires_at)
        self._peers.move_to_end(peer_id)
        self._changed(peer_id, before)
        return True

    def set_addresses(
        self,
        peer_id: str,
        source: Source,
        addresses: Iterable[Address],
        *,
        ttl: float | None | object = _DEFAULT_TTL,
    ) -> bool:
        """Replace all of the peer's addresses from `source` at once (one notification).

        Keeps the first `max_addresses_per_peer` addresses given; an empty list removes the
        source's entries. False if the peer is new and there is no room for it (see `add`).
        """
        validate_peer_id(peer_id)
        new: list[Address] = []
        for address in addresses:
            _check_address(address)
            if address not in new and len(new) < self._max_per_source:
                new.append(address)
        expires_at = self._expiry(source, ttl)
        before = self._snapshot(peer_id)
        if not new:
            self._drop(peer_id, lambda k: k[1] is source)
            self._changed(peer_id, before)
            return True
        peer = self._peer_for_entry(peer_id)
        if peer is None:
            return False
        for key in [k for k in peer.entries if k[1] is source]:
            del peer.entries[key]
        now = self._clock()
        for address in new:
            peer.entries[(address, source)] = Entry(address, source, now, expires_at)
        self._peers.move_to_end(peer_id)
        self._changed(peer_id, before)
        return True

    def remove(
        self, peer_id: str, address: Address | None = None, *, source: Source | None = None
    ) -> bool:
        """Remove the peer's entries matching `address` and `source` (None matches any);
        True if something was removed. Without a `source`, proofs of the matching addresses
        go too."""
        if peer_id not in self._peers:
            return False
        before = self._snapshot(peer_id)
        proofs = 0
        if source is None:
            peer = self._peers[peer_id]
            doomed = [a for a in peer.proofs if address is None or a == address]
            for a in doomed:
                del peer.proofs[a]
            proofs = len(doomed)
        removed = self._drop(
            peer_id,
            lambda k: (address is None or k[0] == address) and (source is None or k[1] is source),
        )
        self._changed(peer_id, before)
        return removed or proofs > 0

    def expire(self) -> int:
        """Remove every expired entry, proof and refutation, telling listeners of the entries;
        the number of entries removed."""
        now = self._clock()
        removed = 0
        for peer_id in list(self._peers):
            peer = self._peers[peer_id]
            for address in [a for a, p in peer.proofs.items() if p.expires_at <= now]:
                del peer.proofs[address]
            for marks in (peer.refuted, peer.unanswered):
                for address in [a for a, until in marks.items() if until <= now]:
                    del marks[address]
            if not any(e.expired(now) for e in peer.entries.values()):
                self._prune(peer_id)
                continue
            before = self._snapshot(peer_id)
            expired = {k for k, e in peer.entries.items() if e.expired(now)}
            if self._drop(peer_id, expired.__contains__):
                removed += len(before) - len(self._snapshot(peer_id))
            self._changed(peer_id, before)
        return removed

    # --- writing: proofs ---------------------------------------------------------------------

    def record_proof(
        self, peer_id: str, address: Address, *, ttl: float = const.PROOF_TTL_S
    ) -> bool:
        """The peer proved its key at `address` just now: send there for `ttl` seconds.

        A new peer may take the place of an unproven one, or of the least recently seen
        proven one that is neither static nor recently used; False if there is no room.
        """
        if peer_id not in self._peers:
            validate_peer_id(peer_id)
        _check_address(address)
        if not ttl > 0:
            raise ValueError(f"a proof's ttl is a positive number of seconds, got {ttl!r}")
        peer = self._peers.get(peer_id)
        if peer is None:
            if not self._make_room(for_proven=True):
                log.debug("address book full; not recording the proof of %s", peer_id)
                return False
            peer = self._peers[peer_id] = _Peer()
        now = self._clock()
        peer.refuted.pop(address, None)
        peer.unanswered.pop(address, None)
        peer.proofs[address] = _Proof(now, now + ttl)
        while len(peer.proofs) > self._max_proofs:
            del peer.proofs[min(peer.proofs, key=lambda a: peer.proofs[a].recency)]
        self._peers.move_to_end(peer_id)
        return True

    def record_unanswered(
        self, peer_id: str, address: Address, *, ttl: float = const.PROOF_REFUTED_TTL_S
    ) -> None:
        """`address` did not answer a challenge or a particle in time: its proof (if any)
        ends, and it is tried after the peer's other addresses for `ttl` seconds."""
        self._mark(peer_id, address, ttl, lambda peer: peer.unanswered)

    def record_refuted(
        self, peer_id: str, address: Address, *, ttl: float = const.PROOF_REFUTED_TTL_S
    ) -> None:
        """`address` answered a challenge for the peer, but not as the peer (another key, a
        bad signature, a refusal): do not send there, nor challenge it again, for `ttl` s."""
        self._mark(peer_id, address, ttl, lambda peer: peer.refuted)

    def _mark(
        self, peer_id: str, address: Address, ttl: float, marks: Callable[[_Peer], dict[Address, float]]
    ) -> None:
        """End the proof of a known peer's `address` and note it in `marks` for `ttl` s."""
        peer = self._peers.get(peer_id)
        if peer is None:
            return
        peer.proofs.pop(address, None)
        marked = marks(peer)
        marked[address] = self._clock() + ttl
        while len(marked) > self._max_proofs:
            del marked[min(marked, key=marked.__getitem__)]
        self._prune(peer_id)

    def record_used(self, peer_id: str, address: Address) -> None:
        """A particle was delivered to the peer at `address`: keep the peer, try there first."""
        peer = self._peers.get(peer_id)
        if peer is None:
            return
        now = self._clock()
        peer.used_at = now
        peer.unanswered.pop(address, None)
        proof = peer.proofs.get(address)
        if proof is not None:
            peer.proofs[address] = _Proof(proof.proven_at, proof.expires_at, now)
        self._peers.move_to_end(peer_id)

    # --- listeners ---------------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(PeerChange)` after each change of a peer's `lookup` addresses;
        returns a function that unsubscribes. Proofs are not announced.

        A listener that raises is logged and does not stop the others.
        """
        self._listeners.append(listener)

        def unsubscribe() -> None:
            try:
                self._listeners.remove(listener)
            except ValueError:
                pass

        return unsubscribe

    # --- internals ---------------------------------------------------------------------------

    def _expiry(self, source: Source, ttl: float | None | object) -> float | None:
        if ttl is _DEFAULT_TTL:
            ttl = self._incoming_ttl if source is Source.INCOMING else None
        if ttl is None:
            return None
        if isinstance(ttl, bool) or not isinstance(ttl, int | float) or not ttl > 0:
            raise ValueError(f"ttl is a positive number of seconds or None, got {ttl!r}")
        if source is Source.STATIC:
            raise ValueError("static addresses do not expire; pass ttl=None")
        return self._clock() + ttl

    def _peer_for_entry(self, peer_id: str) -> _Peer | None:
        """The peer's record, made (room permitting) if new; None if there is no room."""
        peer = self._peers.get(peer_id)
        if peer is not None:
            return peer
        if not self._make_room(for_proven=False):
            log.debug("address book full of static, proven and recently used peers; not adding %s", peer_id)
            return None
        peer = self._peers[peer_id] = _Peer()
        return peer

    def _snapshot(self, peer_id: str) -> tuple[Entry, ...]:
        peer = self._peers.get(peer_id)
        return tuple(peer.entries.values()) if peer is not None else ()

    def _drop(self, peer_id: str, match: Callable[[_Key], bool]) -> bool:
        peer = self._peers.get(peer_id)
        if peer is None:
            return False
        doomed = [k for k in peer.entries if match(k)]
        for key in doomed:
            del peer.entries[key]
        self._prune(peer_id)
        return bool(doomed)

    def _prune(self, peer_id: str) -> None:
        """Forget a peer with no address left (neither an entry nor a proof)."""
        peer = self._peers.get(peer_id)
        if peer is not None and not peer.entries and not peer.proofs:
            del self._peers[peer_id]

    def _make_room(self, *, for_proven: bool) -> bool:
        """Make room for one more peer if the book is full; whether there is room.

        The victim is the least recently seen peer that is not static, not proven and not
        recently used -- a stranger's unproven entry, whatever it claims. Only a newly
        proven peer may also take the place of the least recently seen proven one (never a
        static one): so a flood of announcements cannot push out a peer that proved itself.
        """
        if len(self._peers) < self._max_peers:
            return True
        now = self._clock()
        victim = next(
            (
                pid
                for pid, peer in self._peers.items()
                if not peer.static()
                and not peer.proven(now)
                and now - peer.used_at >= self._recent_use
            ),
            None,
        )
        if victim is None and for_proven:
            victim = next((pid for pid, peer in self._peers.items() if not peer.static()), None)
        if victim is None:
            return False
        log.debug("address book full; evicting least recently seen peer %s", victim)
        before = self._snapshot(victim)
        del self._peers[victim]
        self._changed(victim, before)
        return True

    def _changed(self, peer_id: str, before: tuple[Entry, ...]) -> None:
        old = _ordered(before)
        new = _ordered(self._snapshot(peer_id))
        if old == new:
            return
        if not old:
            kind = ChangeKind.ADDED
        elif not new:
            kind = ChangeKind.REMOVED
        else:
            kind = ChangeKind.UPDATED
        change = PeerChange(peer_id, kind, new)
        for listener in list(self._listeners):
            try:
                listener(change)
            except Exception:
                log.exception("address book listener %r failed on %s", listener, change)


def _check_address(address: object) -> None:
    if not isinstance(address, Address):
        raise InvalidAddress(f"expected an Address, got {type(address).__name__}")


def _entry_order(entry: Entry) -> tuple[int, float]:
    return (_PREFERENCE[entry.source], -entry.seen_at)


def _ordered(entries: Iterable[Entry]) -> tuple[Address, ...]:
    seen: dict[Address, None] = {}
    for entry in sorted(entries, key=_entry_order):
        seen.setdefault(entry.address, None)
    return tuple(seen)

"""The address book: which (host, port) reaches which peer id, and who said so.

Addresses come from three sources — static configuration, mDNS discovery and incoming
particles — and each source's addresses are kept apart, so that a peer leaving mDNS keeps
its static address and a learned address expires on its own. The book is bounded (peers, and
addresses per peer and source, from `edge_agent.const`) and tells listeners when a peer's
reachable addresses change. It does no I/O and starts no timer: the owner calls `expire()`
(`next_expiry()` says when), and the clock is injected so tests need no sleeping.
"""

from __future__ import annotations

import enum
import functools
import ipaddress
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from edge_agent import const
from edge_agent.errors import EdgeAgentError
from edge_agent.identity import validate_peer_id

__all__ = [
    "Address",
    "AddressBook",
    "ChangeKind",
    "Entry",
    "InvalidAddress",
    "PeerChange",
    "Source",
]

log = logging.getLogger(__name__)

_HOSTNAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-_")


class InvalidAddress(EdgeAgentError, ValueError):
    """A (host, port) pair is not usable as a peer address.

    Like `identity.InvalidPeerId` it sits at the root of the error tree: the caller knows
    whether the pair came from config (a `ConfigError`) or from the network (a `RemoteError`).
    """


class Source(enum.Enum):
    """Where an address came from; the order of preference in `AddressBook.lookup`."""

    STATIC = "static"
    """Configured by a person; never expires, never evicted."""
    MDNS = "mdns"
    """Announced over mDNS/DNS-SD; removed on the peer's goodbye or its records' expiry."""
    INCOMING = "incoming"
    """The source address of a particle the peer sent us; expires unless seen again."""


_PREFERENCE = {Source.STATIC: 0, Source.MDNS: 1, Source.INCOMING: 2}


@dataclass(frozen=True, slots=True)
class Address:
    """One UDP endpoint of a peer; IP literals are stored in canonical form.

    `host` is an IPv4 or IPv6 literal (an IPv6 link-local one with its ``%scope``) or a DNS
    name (lower-cased); `port` is 1-65535.
    """

    host: str
    port: int

    def __post_init__(self) -> None:
        host, port = self.host, self.port
        if not isinstance(host, str) or not host:
            raise InvalidAddress(f"an address host is a non-empty string, got {host!r}")
        if len(host) > const.ADDRESSBOOK_MAX_HOST_CHARS:
            raise InvalidAddress(
                f"address host {host[:40]!r}... is {len(host)} characters long; "
                f"at most {const.ADDRESSBOOK_MAX_HOST_CHARS} are accepted"
            )
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            raise InvalidAddress(f"an address port is an integer 1-65535, got {port!r}")
        object.__setattr__(self, "host", _canonical_host(host))

    @property
    def is_ip(self) -> bool:
        """Whether `host` is an IP literal (else a DNS name to resolve)."""
        try:
            ipaddress.ip_address(self.host)
        except ValueError:
            return False
        return True

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


@functools.lru_cache(maxsize=const.ADDRESSBOOK_MAX_PEERS)
def _canonical_host(host: str) -> str:
    """The canonical text of an IP literal, or a lower-cased DNS name (cached: every incoming
    particle's sender address passes through here)."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    name = host.lower().rstrip(".")
    if not name or not set(name) <= _HOSTNAME_CHARS:
        raise InvalidAddress(
            f"address host {host!r} is neither an IP address nor a DNS name "
            f"(letters, digits, '.', '-', '_')"
        )
    return name


@dataclass(frozen=True, slots=True)
class Entry:
    """One address of one peer from one source, with when it was last seen and expires."""

    address: Address
    source: Source
    seen_at: float
    """Clock reading when the address was last added or refreshed, in seconds."""
    expires_at: float | None
    """Clock reading after which the address is no longer used, in seconds; None: never."""

    def expired(self, now: float) -> bool:
        """Whether this entry is no longer valid at clock reading `now`."""
        return self.expires_at is not None and now >= self.expires_at


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


class AddressBook:
    """Peer id → addresses by source, bounded, with expiry and change listeners.

    Not thread-safe: use it from one thread (the event loop's).
    """

    def __init__(
        self,
        *,
        max_peers: int = const.ADDRESSBOOK_MAX_PEERS,
        max_addresses_per_peer: int = const.ADDRESSBOOK_MAX_ADDRESSES_PER_PEER,
        incoming_ttl: float = const.ADDRESSBOOK_INCOMING_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_peers < 1 or max_addresses_per_peer < 1:
            raise ValueError("max_peers and max_addresses_per_peer must be at least 1")
        if not incoming_ttl > 0:
            raise ValueError("incoming_ttl must be positive (seconds)")
        self._max_peers = max_peers
        self._max_per_source = max_addresses_per_peer
        self._incoming_ttl = incoming_ttl
        self._clock = clock
        self._peers: dict[str, dict[_Key, Entry]] = {}
        self._listeners: list[Listener] = []

    # --- reading -----------------------------------------------------------------------------

    def lookup(self, peer_id: str) -> tuple[Address, ...]:
        """The peer's unexpired addresses, static first, then mDNS, then learned; within a
        source the most recently seen first. Empty if the peer is unknown."""
        entries = self._peers.get(peer_id)
        if not entries:
            return ()
        now = self._clock()
        return _ordered(e for e in entries.values() if not e.expired(now))

    def entries(self, peer_id: str) -> tuple[Entry, ...]:
        """Every stored entry of the peer (expired ones too, until `expire()` runs)."""
        entries = self._peers.get(peer_id, {})
        return tuple(sorted(entries.values(), key=_entry_order))

    def peers(self) -> frozenset[str]:
        """The ids of all peers with at least one stored address."""
        return frozenset(self._peers)

    def __contains__(self, peer_id: object) -> bool:
        return peer_id in self._peers

    def __len__(self) -> int:
        return len(self._peers)

    def __repr__(self) -> str:
        return f"<AddressBook peers={len(self._peers)}>"

    def next_expiry(self) -> float | None:
        """The earliest clock reading at which an entry expires; None if none ever does."""
        times = [
            e.expires_at
            for entries in self._peers.values()
            for e in entries.values()
            if e.expires_at is not None
        ]
        return min(times, default=None)

    # --- writing -----------------------------------------------------------------------------

    def add(
        self,
        peer_id: str,
        address: Address,
        source: Source,
        *,
        ttl: float | None | object = _DEFAULT_TTL,
    ) -> bool:
        """Add or refresh one address; False if the book is full of static entries.

        `ttl` is in seconds; by default learned (INCOMING) addresses expire after the book's
        `incoming_ttl` and the others never (mDNS entries go when discovery says so).
        Raises `InvalidPeerId` or `InvalidAddress` for malformed input.
        """
        if peer_id not in self._peers:  # a known id was checked when it was added
            validate_peer_id(peer_id)
        _check_address(address)
        expires_at = self._expiry(source, ttl)
        before = self._snapshot(peer_id)
        if peer_id not in self._peers and not self._make_room():
            log.debug("address book full of static peers; not adding %s", peer_id)
            return False
        entries = self._peers.setdefault(peer_id, {})
        key = (address, source)
        if key not in entries:
            same_source = [k for k in entries if k[1] is source]
            if len(same_source) >= self._max_per_source:
                if source is Source.STATIC:
                    if not entries:
                        del self._peers[peer_id]
                    return False
                oldest = min(same_source, key=lambda k: entries[k].seen_at)
                del entries[oldest]
        entries[key] = Entry(address, source, self._clock(), expires_at)
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
        source's entries. False if the peer is new and the book is full of static entries.
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
        if peer_id not in self._peers and not self._make_room():
            log.debug("address book full of static peers; not adding %s", peer_id)
            return False
        entries = self._peers.setdefault(peer_id, {})
        for key in [k for k in entries if k[1] is source]:
            del entries[key]
        now = self._clock()
        for address in new:
            entries[(address, source)] = Entry(address, source, now, expires_at)
        self._changed(peer_id, before)
        return True

    def remove(
        self, peer_id: str, address: Address | None = None, *, source: Source | None = None
    ) -> bool:
        """Remove the peer's entries matching `address` and `source` (None matches any);
        True if something was removed."""
        if peer_id not in self._peers:
            return False
        before = self._snapshot(peer_id)
        removed = self._drop(
            peer_id,
            lambda k: (address is None or k[0] == address) and (source is None or k[1] is source),
        )
        self._changed(peer_id, before)
        return removed

    def expire(self) -> int:
        """Remove every expired entry, telling listeners; the number of entries removed."""
        now = self._clock()
        removed = 0
        for peer_id in list(self._peers):
            entries = self._peers.get(peer_id)
            if not entries or not any(e.expired(now) for e in entries.values()):
                continue
            before = self._snapshot(peer_id)
            if self._drop(peer_id, lambda k, es=entries: es[k].expired(now)):
                removed += len(before) - len(self._peers.get(peer_id, {}))
            self._changed(peer_id, before)
        return removed

    # --- listeners ---------------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(PeerChange)` after each change; returns a function that unsubscribes.

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

    def _snapshot(self, peer_id: str) -> tuple[Entry, ...]:
        return tuple(self._peers.get(peer_id, {}).values())

    def _drop(self, peer_id: str, match: Callable[[_Key], bool]) -> bool:
        entries = self._peers.get(peer_id)
        if entries is None:
            return False
        doomed = [k for k in entries if match(k)]
        for key in doomed:
            del entries[key]
        if not entries:
            del self._peers[peer_id]
        return bool(doomed)

    def _make_room(self) -> bool:
        """Evict the least recently seen peer without static addresses if the book is full."""
        if len(self._peers) < self._max_peers:
            return True
        victim: str | None = None
        victim_seen = 0.0
        for peer_id, entries in self._peers.items():
            if any(source is Source.STATIC for _, source in entries):
                continue
            seen = max(e.seen_at for e in entries.values())
            if victim is None or seen < victim_seen:
                victim, victim_seen = peer_id, seen
        if victim is None:
            return False
        log.debug("address book full; evicting least recently seen peer %s", victim)
        before = self._snapshot(victim)
        del self._peers[victim]
        self._changed(victim, before)
        return True

    def _changed(self, peer_id: str, before: tuple[Entry, ...]) -> None:
        old = _ordered(before)
        new = _ordered(self._peers.get(peer_id, {}).values())
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

"""AddressBook: sources, preference, expiry, bounds and change notifications (pure, no I/O)."""

from __future__ import annotations

import pytest

from edge_agent.identity import InvalidPeerId, KeyPair
from edge_agent.net.addressbook import (
    Address,
    AddressBook,
    ChangeKind,
    InvalidAddress,
    PeerChange,
    Source,
)

PEERS = [KeyPair.from_seed(bytes([i + 1]) * 32).peer_id for i in range(8)]
A, B, C = PEERS[:3]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def book(clock: Clock) -> AddressBook:
    return AddressBook(clock=clock, incoming_ttl=60.0)


def recorder(book: AddressBook) -> list[PeerChange]:
    changes: list[PeerChange] = []
    book.subscribe(changes.append)
    return changes


# --- adding, preference, removal -------------------------------------------------------------


def test_add_and_lookup_with_preference(book: AddressBook, clock: Clock) -> None:
    inc = Address("10.0.0.9", 40000)
    mdns = Address("10.0.0.2", 5683)
    static = Address("pi.local", 5683)
    assert book.add(A, inc, Source.INCOMING)
    clock.now += 1
    assert book.add(A, mdns, Source.MDNS)
    clock.now += 1
    assert book.add(A, static, Source.STATIC)
    assert book.lookup(A) == (static, mdns, inc)
    assert A in book and len(book) == 1 and book.peers() == {A}
    assert book.lookup(B) == ()
    assert [e.source for e in book.entries(A)] == [Source.STATIC, Source.MDNS, Source.INCOMING]


def test_most_recent_first_within_a_source(book: AddressBook, clock: Clock) -> None:
    old, new = Address("10.0.0.1", 1), Address("10.0.0.2", 1)
    book.add(A, old, Source.INCOMING)
    clock.now += 1
    book.add(A, new, Source.INCOMING)
    assert book.lookup(A) == (new, old)
    clock.now += 1
    book.add(A, old, Source.INCOMING)  # seen again: refreshed
    assert book.lookup(A) == (old, new)


def test_same_address_from_two_sources_is_listed_once(book: AddressBook) -> None:
    addr = Address("10.0.0.2", 5683)
    book.add(A, addr, Source.MDNS)
    book.add(A, addr, Source.STATIC)
    assert book.lookup(A) == (addr,)
    # mDNS goodbye keeps the static entry
    assert book.remove(A, source=Source.MDNS)
    assert book.lookup(A) == (addr,)
    assert [e.source for e in book.entries(A)] == [Source.STATIC]


def test_remove_variants(book: AddressBook) -> None:
    a1, a2 = Address("10.0.0.1", 1), Address("10.0.0.2", 1)
    book.add(A, a1, Source.MDNS)
    book.add(A, a2, Source.MDNS)
    assert not book.remove(B)
    assert not book.remove(A, Address("10.9.9.9", 1))
    assert book.remove(A, a1)
    assert book.lookup(A) == (a2,)
    assert book.remove(A)
    assert A not in book and len(book) == 0


def test_set_addresses_replaces_one_source_atomically(book: AddressBook) -> None:
    changes = recorder(book)
    a1, a2, a3 = (Address(f"10.0.0.{i}", 5683) for i in (1, 2, 3))
    static = Address("10.0.0.100", 5683)
    book.add(A, static, Source.STATIC)
    book.set_addresses(A, Source.MDNS, [a1, a2, a1])
    assert book.lookup(A) == (static, a1, a2)
    book.set_addresses(A, Source.MDNS, [a3])
    assert book.lookup(A) == (static, a3)
    book.set_addresses(A, Source.MDNS, [])
    assert book.lookup(A) == (static,)
    assert [c.kind for c in changes] == [ChangeKind.ADDED] + [ChangeKind.UPDATED] * 3


def test_invalid_peer_id_is_rejected(book: AddressBook) -> None:
    with pytest.raises(InvalidPeerId):
        book.add("not-a-peer-id", Address("10.0.0.1", 1), Source.MDNS)
    with pytest.raises(InvalidPeerId):
        book.set_addresses("x" * 10_000, Source.MDNS, [Address("10.0.0.1", 1)])
    with pytest.raises(InvalidAddress):
        book.add(A, ("10.0.0.1", 1), Source.MDNS)  # type: ignore[arg-type]
    assert len(book) == 0


def test_bad_ttl(book: AddressBook) -> None:
    addr = Address("10.0.0.1", 1)
    for ttl in (0, -1, True, "5"):
        with pytest.raises(ValueError):
            book.add(A, addr, Source.INCOMING, ttl=ttl)
    with pytest.raises(ValueError):
        book.add(A, addr, Source.STATIC, ttl=5.0)
    assert len(book) == 0


# --- notifications ---------------------------------------------------------------------------


def test_change_notifications(book: AddressBook) -> None:
    changes = recorder(book)
    a1, a2 = Address("10.0.0.1", 1), Address("10.0.0.2", 1)
    book.add(A, a1, Source.MDNS)
    book.add(A, a1, Source.MDNS)  # no visible change: no notification
    book.add(A, a2, Source.STATIC)
    book.remove(A, a2)
    book.remove(A)
    assert changes == [
        PeerChange(A, ChangeKind.ADDED, (a1,)),
        PeerChange(A, ChangeKind.UPDATED, (a2, a1)),
        PeerChange(A, ChangeKind.UPDATED, (a1,)),
        PeerChange(A, ChangeKind.REMOVED, ()),
    ]


def test_failing_listener_does_not_break_the_book(
    book: AddressBook, caplog: pytest.LogCaptureFixture
) -> None:
    def boom(change: PeerChange) -> None:
        raise RuntimeError("listener bug")

    book.subscribe(boom)
    changes = recorder(book)
    assert book.add(A, Address("10.0.0.1", 1), Source.MDNS)
    assert len(changes) == 1 and A in book
    assert "listener" in caplog.text


def test_unsubscribe(book: AddressBook) -> None:
    changes: list[PeerChange] = []
    unsubscribe = book.subscribe(changes.append)
    book.add(A, Address("10.0.0.1", 1), Source.MDNS)
    unsubscribe()
    unsubscribe()  # idempotent
    book.remove(A)
    assert len(changes) == 1


# --- expiry ----------------------------------------------------------------------------------


def test_incoming_addresses_expire(book: AddressBook, clock: Clock) -> None:
    changes = recorder(book)
    learned = Address("10.0.0.9", 40000)
    mdns = Address("10.0.0.2", 5683)
    book.add(A, learned, Source.INCOMING)  # default ttl: the book's incoming_ttl (60 s)
    book.add(B, mdns, Source.MDNS)  # mDNS entries never expire by time alone
    book.add(C, mdns, Source.INCOMING, ttl=10.0)
    assert book.next_expiry() == clock.now + 10.0
    clock.now += 10.0
    assert book.lookup(C) == ()  # expired entries are never returned ...
    assert C in book  # ... but stay stored until expire() runs
    assert book.expire() == 1
    assert C not in book and changes[-1] == PeerChange(C, ChangeKind.REMOVED, ())
    clock.now += 30.0
    book.add(A, learned, Source.INCOMING)  # seen again: refreshed
    clock.now += 40.0
    assert book.expire() == 0 and book.lookup(A) == (learned,)
    clock.now += 20.0
    assert book.expire() == 1
    assert book.peers() == {B}
    assert book.next_expiry() is None


def test_expiry_keeps_other_sources(book: AddressBook, clock: Clock) -> None:
    changes = recorder(book)
    static = Address("10.0.0.1", 5683)
    book.add(A, static, Source.STATIC)
    book.add(A, Address("10.0.0.9", 4000), Source.INCOMING, ttl=1.0)
    clock.now += 2
    assert book.expire() == 1
    assert book.lookup(A) == (static,)
    assert changes[-1] == PeerChange(A, ChangeKind.UPDATED, (static,))


# --- bounds ----------------------------------------------------------------------------------


def test_addresses_per_source_are_bounded(clock: Clock) -> None:
    book = AddressBook(clock=clock, max_addresses_per_peer=2)
    addrs = [Address(f"10.0.0.{i}", 1) for i in range(1, 5)]
    for addr in addrs:
        clock.now += 1
        assert book.add(A, addr, Source.INCOMING)
    assert book.lookup(A) == (addrs[3], addrs[2])  # the oldest were evicted
    assert book.add(A, addrs[0], Source.STATIC)
    assert book.add(A, addrs[1], Source.STATIC)
    assert not book.add(A, addrs[2], Source.STATIC)  # static is never evicted: refused
    book.set_addresses(A, Source.MDNS, addrs)
    assert sum(e.source is Source.MDNS for e in book.entries(A)) == 2


def test_peers_are_bounded_and_static_peers_stay(clock: Clock) -> None:
    book = AddressBook(clock=clock, max_peers=3)
    changes = recorder(book)
    addr = Address("10.0.0.1", 1)
    book.add(PEERS[0], addr, Source.STATIC)
    clock.now += 1
    book.add(PEERS[1], addr, Source.MDNS)
    clock.now += 1
    book.add(PEERS[2], addr, Source.INCOMING)
    clock.now += 1
    assert book.add(PEERS[3], addr, Source.MDNS)
    # the least recently seen non-static peer (PEERS[1]) made room
    assert book.peers() == {PEERS[0], PEERS[2], PEERS[3]}
    assert PeerChange(PEERS[1], ChangeKind.REMOVED, ()) in changes
    full = AddressBook(clock=clock, max_peers=2)
    full.add(PEERS[0], addr, Source.STATIC)
    full.add(PEERS[1], addr, Source.STATIC)
    assert not full.add(PEERS[2], addr, Source.MDNS)
    assert not full.set_addresses(PEERS[2], Source.MDNS, [addr])
    assert full.peers() == {PEERS[0], PEERS[1]}


def test_flood_stays_bounded(clock: Clock) -> None:
    book = AddressBook(clock=clock, max_peers=16, max_addresses_per_peer=4)
    for i, peer in enumerate(KeyPair.from_seed(bytes([i % 256, i // 256]) * 16).peer_id
                             for i in range(64)):
        for j in range(10):
            clock.now += 0.001
            book.add(peer, Address(f"10.1.{i}.{j}", 1000 + j), Source.INCOMING)
    assert len(book) == 16
    assert all(len(book.entries(p)) == 4 for p in book.peers())


# --- proofs ----------------------------------------------------------------------------------


def test_only_proven_addresses_are_ready_to_send_to(book: AddressBook, clock: Clock) -> None:
    squatter, real, hinted = Address("10.0.0.66", 5683), Address("10.0.0.2", 5683), Address("10.0.0.7", 4000)
    book.add(A, squatter, Source.MDNS)
    clock.now += 1
    book.add(A, real, Source.MDNS)
    book.add(A, hinted, Source.INCOMING)
    assert [(c.address, c.proven) for c in book.candidates(A)] == [
        (real, False), (hinted, False), (squatter, False)  # the freshest first
    ]
    assert book.record_proof(A, real, ttl=30)
    book.record_refuted(A, squatter, ttl=10)
    assert book.is_proven(A, real) and not book.is_proven(A, squatter) and book.is_refuted(A, squatter)
    assert [(c.address, c.proven) for c in book.candidates(A)] == [(real, True), (hinted, False)]
    assert book.lookup(A) == (real, squatter, hinted)  # what was said, proven or not
    clock.now += 10  # the refutation is forgotten: the squatter may be challenged again
    assert [c.address for c in book.candidates(A)] == [real, hinted, squatter]
    clock.now += 20  # the proof expired: the real address must prove itself again
    assert [c.proven for c in book.candidates(A)] == [False, False, False]
    assert book.candidates(B) == ()


def test_static_first_then_the_freshest_sign_of_the_peer(book: AddressBook, clock: Clock) -> None:
    """Two CLI processes share the laptop's identity: the one that proved itself and was
    used a while ago has gone; a fresh hint names the one running now. The fresh hint is
    tried first (and proven), not the stale proof; static config comes before both."""
    old, new, configured = Address("10.0.0.5", 40001), Address("10.0.0.5", 40002), Address("10.0.0.9", 1)
    book.add(A, old, Source.INCOMING)
    book.record_proof(A, old)
    book.record_used(A, old)
    clock.now += 5
    book.add(A, new, Source.INCOMING)
    assert [(c.address, c.proven) for c in book.candidates(A)] == [(new, False), (old, True)]
    book.add(A, configured, Source.STATIC)
    assert [c.address for c in book.candidates(A)] == [configured, new, old]
    book.record_proof(A, new)
    clock.now += 1
    book.record_used(A, old)  # used again: the freshest sign now
    assert [c.address for c in book.candidates(A)] == [configured, old, new]


def test_an_unanswered_address_loses_its_proof_and_comes_last(book: AddressBook, clock: Clock) -> None:
    one, two = Address("10.0.0.1", 1), Address("10.0.0.2", 2)
    book.add(A, one, Source.STATIC)
    book.add(A, two, Source.INCOMING)
    book.record_proof(A, one)
    book.record_proof(A, two)
    book.record_unanswered(A, one, ttl=10)
    assert [(c.address, c.proven) for c in book.candidates(A)] == [(two, True), (one, False)]
    clock.now += 10
    assert [c.address for c in book.candidates(A)] == [one, two]  # static first again
    book.record_unanswered(A, two, ttl=10)
    book.record_proof(A, two)  # it answered after all
    assert [(c.address, c.proven) for c in book.candidates(A)] == [(one, False), (two, True)]
    for record in (book.record_unanswered, book.record_used, book.record_refuted):
        record(B, one)  # an unknown peer: nothing happens
    assert B not in book


def test_a_proven_address_outlives_a_forged_goodbye_until_its_proof_expires(
    book: AddressBook, clock: Clock
) -> None:
    real = Address("10.0.0.2", 5683)
    book.set_addresses(A, Source.MDNS, [real])
    book.record_proof(A, real, ttl=30)
    book.set_addresses(A, Source.MDNS, [])  # anyone can send a goodbye for A's instance
    assert book.lookup(A) == () and A in book
    assert [(c.address, c.proven) for c in book.candidates(A)] == [(real, True)]
    assert book.next_expiry() == clock.now + 30
    clock.now += 30
    book.expire()
    assert A not in book


def test_removing_a_peer_without_a_source_forgets_its_proofs(book: AddressBook) -> None:
    real = Address("10.0.0.2", 5683)
    book.add(A, real, Source.MDNS)
    book.record_proof(A, real)
    assert book.remove(A, source=Source.MDNS)
    assert book.is_proven(A, real)
    assert book.remove(A)
    assert A not in book and not book.is_proven(A, real)


def test_a_proof_needs_a_valid_peer_and_ttl(book: AddressBook) -> None:
    with pytest.raises(InvalidPeerId):
        book.record_proof("nope", Address("10.0.0.1", 1))
    with pytest.raises(ValueError):
        book.record_proof(A, Address("10.0.0.1", 1), ttl=0)


# --- floods ----------------------------------------------------------------------------------


def flood(book: AddressBook, clock: Clock, n: int, source: Source = Source.MDNS) -> list[str]:
    """`n` fake peers announced one after the other, each at its own address."""
    fakes = [KeyPair.from_seed(bytes([i % 256, i // 256 + 100]) * 16).peer_id for i in range(n)]
    for i, fake in enumerate(fakes):
        clock.now += 0.001
        book.add(fake, Address(f"10.9.{i // 256}.{i % 256}", 5683), source)
    return fakes


def test_a_flood_of_announcements_evicts_no_proven_static_or_recently_used_peer(clock: Clock) -> None:
    book = AddressBook(clock=clock, max_peers=16, recent_use=600)
    addr = Address("10.0.0.1", 5683)
    book.add(A, addr, Source.MDNS)
    book.record_proof(A, addr)
    book.add(B, addr, Source.STATIC)
    book.add(C, addr, Source.MDNS)
    book.record_used(C, addr)  # delivered to lately (its proof may have lapsed)
    unproven = PEERS[3]
    book.add(unproven, addr, Source.MDNS)  # real, but never proven: a flood may push it out
    changes = recorder(book)
    fakes = flood(book, clock, 200) + flood(book, clock, 200, Source.INCOMING)
    assert len(book) == 16
    assert {A, B, C} <= book.peers()
    assert unproven not in book and PeerChange(unproven, ChangeKind.REMOVED, ()) in changes
    assert book.peers() - {A, B, C} <= set(fakes[-13:])  # the newest fakes, the oldest went first
    assert book.is_proven(A, addr)


def test_a_book_full_of_kept_peers_refuses_strangers_and_a_new_proof_replaces_the_oldest(
    clock: Clock,
) -> None:
    book = AddressBook(clock=clock, max_peers=3, recent_use=600)
    addr = Address("10.0.0.1", 5683)
    book.add(PEERS[0], addr, Source.STATIC)
    for peer in PEERS[1:3]:
        clock.now += 1
        book.add(peer, addr, Source.MDNS)
        book.record_proof(peer, addr)
    assert not book.add(PEERS[3], addr, Source.MDNS)
    assert not book.set_addresses(PEERS[3], Source.INCOMING, [addr])
    assert PEERS[3] not in book
    clock.now += 1
    assert book.record_proof(PEERS[4], addr)  # proved itself just now: the oldest proven goes
    assert book.peers() == {PEERS[0], PEERS[2], PEERS[4]}
    full = AddressBook(clock=clock, max_peers=1)
    full.add(PEERS[0], addr, Source.STATIC)
    assert not full.record_proof(PEERS[1], addr)  # static peers are never evicted


def test_vouched_hosts_are_where_given_peers_are_configured_or_proved_their_key(
    book: AddressBook, clock: Clock
) -> None:
    book.add(PEERS[0], Address("10.0.0.1", 5683), Source.STATIC)
    book.add(PEERS[1], Address("10.0.0.2", 5683), Source.MDNS)
    book.add(PEERS[2], Address("10.0.0.3", 5683), Source.MDNS)
    book.record_proof(PEERS[2], Address("10.0.0.3", 5683))
    assert book.vouched_hosts(PEERS[:3]) == {"10.0.0.1", "10.0.0.3"}  # an announcement alone is not enough
    assert book.vouched_hosts(PEERS[1:2]) == frozenset()
    clock.now += 10 * 3600  # the proof expired
    assert book.vouched_hosts(PEERS[:3]) == {"10.0.0.1"}


def test_has_candidates_says_whether_candidates_is_empty(book: AddressBook, clock: Clock) -> None:
    a1, a2 = Address("10.0.0.1", 5683), Address("10.0.0.2", 5683)
    states = []
    states.append(book.has_candidates(A) == bool(book.candidates(A)) and not book.has_candidates(A))
    book.add(A, a1, Source.INCOMING, ttl=10)
    states.append(book.has_candidates(A) == bool(book.candidates(A)) and book.has_candidates(A))
    book.record_refuted(A, a1, ttl=5)
    states.append(book.has_candidates(A) == bool(book.candidates(A)) and not book.has_candidates(A))
    clock.now += 6  # the refusal is over, the address not yet expired
    states.append(book.has_candidates(A) == bool(book.candidates(A)) and book.has_candidates(A))
    clock.now += 10  # the address expired
    states.append(book.has_candidates(A) == bool(book.candidates(A)) and not book.has_candidates(A))
    assert book.record_proof(A, a2, ttl=30)  # a proof alone makes a candidate
    states.append(book.has_candidates(A) == bool(book.candidates(A)) and book.has_candidates(A))
    clock.now += 31
    states.append(book.has_candidates(A) == bool(book.candidates(A)) and not book.has_candidates(A))
    assert states == [True] * 7

"""PrioritySenders: trusted peers' hosts, and the hosts of peers a particle of ours went to."""

from __future__ import annotations

from edge_agent.identity import KeyPair
from edge_agent.net.addressbook import Address, AddressBook
from edge_agent.net.priority import PrioritySenders

DEVICE, OTHER, TRUSTED = (KeyPair.from_seed(bytes([i + 1]) * 32).peer_id for i in range(3))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make(trusted: tuple[str, ...] = (), **kw: int) -> tuple[PrioritySenders, AddressBook, Clock]:
    clock = Clock()
    book = AddressBook(clock=clock)
    book.record_proof(DEVICE, Address("10.0.0.2", 5683), ttl=300)
    book.record_proof(OTHER, Address("10.0.0.3", 5683), ttl=300)
    book.record_proof(TRUSTED, Address("10.0.0.4", 5683), ttl=300)
    return PrioritySenders(book, lambda: trusted, clock=clock, **kw), book, clock


def test_loopback_and_trusted_hosts_come_first_strangers_do_not() -> None:
    priority, _, _ = make(trusted=(TRUSTED,))
    assert priority(("127.0.0.1", 40000))
    assert priority(("10.0.0.4", 5683))
    assert not priority(("10.0.0.2", 5683))
    assert not priority(("10.0.0.9", 5683))


def test_a_peer_sent_our_particle_is_served_first_until_the_particle_ends() -> None:
    priority, _, clock = make()
    assert not priority(("10.0.0.2", 40000))
    priority.expect(DEVICE, 30.0)
    assert priority(("10.0.0.2", 40000))  # any port of the host where it proved its key
    assert not priority(("10.0.0.3", 5683))  # a peer we sent nothing to
    assert priority.is_expected(DEVICE) and not priority.is_expected(OTHER)
    clock.now += 31.0
    assert not priority.is_expected(DEVICE)
    assert priority.expected() == []
    clock.now += 1.1  # the hosts are recomputed at most once a second
    assert not priority(("10.0.0.2", 40000))


def test_an_expected_peer_must_have_proved_its_key_somewhere() -> None:
    priority, _, _ = make()
    unproven = KeyPair.from_seed(b"\x09" * 32).peer_id
    priority.expect(unproven, 30.0)
    assert priority.expected() == [unproven]
    assert not priority(("10.0.0.9", 5683))


def test_expected_peers_are_bounded_oldest_first_and_a_later_send_extends() -> None:
    priority, _, clock = make(max_expected=2)
    priority.expect(DEVICE, 10.0)
    priority.expect(OTHER, 10.0)
    priority.expect(DEVICE, 50.0)  # DEVICE is now the newest, until +50 s
    priority.expect(TRUSTED, 10.0)  # OTHER, the oldest, goes
    assert sorted(priority.expected()) == sorted([DEVICE, TRUSTED])
    priority.expect(DEVICE, 1.0)  # a shorter particle does not cut the longer one short
    clock.now += 20.0
    assert priority.expected() == [DEVICE]


def test_nothing_is_expected_for_a_particle_already_over() -> None:
    priority, _, _ = make()
    priority.expect(DEVICE, 0.0)
    priority.expect(DEVICE, -5.0)
    assert priority.expected() == []

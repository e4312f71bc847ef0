"""Who a `trusted` rule admits (edge_agent/services/fleet.py): the trust list and enrolled
devices, with a fake GET /membership and controlled clocks."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import pytest

from edge_agent import const
from edge_agent.access import Membership, encode_memberships
from edge_agent.identity import KeyPair
from edge_agent.services.fleet import Fleet
from edge_agent.services.fleet_cache import MEMBERS_FILE, MemberCache
from edge_agent.store import StateDir, TrustList

ME = KeyPair.from_seed(b"\x01" * 32).peer_id
LAPTOP = KeyPair.from_seed(b"\x02" * 32)
OTHER = KeyPair.from_seed(b"\x03" * 32)
KITCHEN = KeyPair.from_seed(b"\x04" * 32).peer_id
NOW = 1_800_000_000_000


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 10))


class Peers:
    """The membership answers of other peers, by peer id; counts the fetches."""

    def __init__(self) -> None:
        self.answers: dict[str, list[Membership]] = {}
        self.fetched: list[str] = []
        self.gate: asyncio.Event | None = None

    async def __call__(self, peer_id: str) -> bytes:
        self.fetched.append(peer_id)
        if self.gate is not None:
            await self.gate.wait()
        if peer_id not in self.answers:
            raise ConnectionError(f"no address known where {peer_id} proves its key")
        return encode_memberships(self.answers[peer_id])


class Clocks:
    def __init__(self) -> None:
        self.ms = NOW
        self.s = 1000.0


def fleet(tmp_path: Path, peers: Peers, clocks: Clocks) -> Fleet:
    state = StateDir(tmp_path)
    state.trust(LAPTOP.peer_id)
    return Fleet(ME, TrustList(state), peers, clock_ms=lambda: clocks.ms, monotonic=lambda: clocks.s)


def test_trusted_peers_and_the_device_need_no_certificate(tmp_path: Path) -> None:
    peers, clocks = Peers(), Clocks()
    f = fleet(tmp_path, peers, clocks)
    assert run(f.admits(LAPTOP.peer_id)) and run(f.admits(ME))
    assert peers.fetched == []


def test_an_enrolled_device_is_fetched_once_and_kept_until_its_certificate_expires(tmp_path: Path) -> None:
    peers, clocks = Peers(), Clocks()
    peers.answers[KITCHEN] = [
        Membership.issue(OTHER, KITCHEN, NOW + 50),  # signed by a peer this device does not trust
        Membership.issue(LAPTOP, KITCHEN, NOW + 100),
    ]
    f = fleet(tmp_path, peers, clocks)
    assert run(f.admits(KITCHEN)) and run(f.admits(KITCHEN))
    assert peers.fetched == [KITCHEN] and f.counters == {"fetches": 1, "members": 1, "refused": 0}
    clocks.ms = NOW + 100  # expired: asked again, and what it shows now is expired too
    assert not run(f.admits(KITCHEN))
    assert peers.fetched == [KITCHEN, KITCHEN]


def test_a_peer_without_a_valid_certificate_is_refused_for_a_while_without_asking(tmp_path: Path) -> None:
    peers, clocks = Peers(), Clocks()
    peers.answers[KITCHEN] = [Membership.issue(OTHER, KITCHEN, NOW + 100)]  # not trusted here
    f = fleet(tmp_path, peers, clocks)
    assert not run(f.admits(KITCHEN)) and not run(f.admits(KITCHEN))
    assert peers.fetched == [KITCHEN]
    # Enrolled meanwhile: admitted once the refusal is forgotten.
    peers.answers[KITCHEN].append(Membership.issue(LAPTOP, KITCHEN, NOW + 100))
    clocks.s += const.MEMBERSHIP_REFUSED_TTL_S
    assert run(f.admits(KITCHEN))
    # A peer that cannot be asked is refused the same way.
    stranger = KeyPair.from_seed(b"\x09" * 32).peer_id
    assert not run(f.admits(stranger)) and not run(f.admits(stranger))
    assert peers.fetched == [KITCHEN, KITCHEN, stranger]


def test_removing_the_enroller_from_the_trust_list_revokes_its_devices(tmp_path: Path) -> None:
    peers, clocks = Peers(), Clocks()
    peers.answers[KITCHEN] = [Membership.issue(LAPTOP, KITCHEN, NOW + 100)]
    f = fleet(tmp_path, peers, clocks)
    assert run(f.admits(KITCHEN))
    StateDir(tmp_path).distrust(LAPTOP.peer_id)
    f.trust.refresh()  # what TRUST_RECHECK_S later does on its own
    assert not run(f.admits(KITCHEN)) and not run(f.admits(LAPTOP.peer_id))


def test_concurrent_calls_share_a_fetch_and_fetches_are_bounded(tmp_path: Path) -> None:
    async def go() -> None:
        peers, clocks = Peers(), Clocks()
        peers.gate = asyncio.Event()
        peers.answers[KITCHEN] = [Membership.issue(LAPTOP, KITCHEN, NOW + 100)]
        f = fleet(tmp_path, peers, clocks)
        strangers = [
            KeyPair.from_seed(bytes([0x10 + i]) * 32).peer_id for i in range(const.MEMBERSHIP_MAX_FETCHES)
        ]
        waiting = [asyncio.ensure_future(f.admits(p)) for p in [KITCHEN, KITCHEN, *strangers[1:]]]
        await asyncio.sleep(0)
        assert len(peers.fetched) == const.MEMBERSHIP_MAX_FETCHES  # KITCHEN's calls share one
        assert not await f.admits(strangers[0])  # one too many: refused at once, not remembered
        peers.gate.set()
        assert await asyncio.gather(*waiting) == [True, True] + [False] * (len(strangers) - 1)
        assert len(peers.fetched) == const.MEMBERSHIP_MAX_FETCHES

    run(go())


def test_the_tables_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(const, "MEMBERSHIP_MAX_CACHED", 3)
    peers, clocks = Peers(), Clocks()
    f = fleet(tmp_path, peers, clocks)
    for i in range(10):
        assert not run(f.admits(KeyPair.from_seed(bytes([0x40 + i]) * 32).peer_id))
    assert len(f._refused) == 3


def kept_fleet(tmp_path: Path, peers: Peers, clocks: Clocks, *, trusting: bool = True) -> Fleet:
    """A fleet as the agent makes it: verified certificates kept in the state dir."""
    state = StateDir(tmp_path)
    if trusting:
        state.trust(LAPTOP.peer_id)
    return Fleet(ME, TrustList(state), peers, clock_ms=lambda: clocks.ms, monotonic=lambda: clocks.s,
                 cache=MemberCache(tmp_path / MEMBERS_FILE))


def test_a_verified_device_is_admitted_after_a_restart_without_asking_it(tmp_path: Path) -> None:
    """After a restart, every enrolled device's first call needed a fetch, 16 at a time:
    a fleet calling at once, or a stranger keeping the fetches busy, had devices refused."""
    peers, clocks = Peers(), Clocks()
    peers.answers[KITCHEN] = [Membership.issue(LAPTOP, KITCHEN, NOW + 100)]
    assert run(kept_fleet(tmp_path, peers, clocks).admits(KITCHEN))
    del peers.answers[KITCHEN]  # it could not be asked now
    restarted = kept_fleet(tmp_path, peers, clocks)
    assert run(restarted.admits(KITCHEN)) and peers.fetched == [KITCHEN]
    assert restarted.counters["fetches"] == 0


def test_a_kept_certificate_is_checked_again_when_used(tmp_path: Path) -> None:
    peers, clocks = Peers(), Clocks()
    peers.answers[KITCHEN] = [Membership.issue(LAPTOP, KITCHEN, NOW + 100)]
    assert run(kept_fleet(tmp_path, peers, clocks).admits(KITCHEN))
    del peers.answers[KITCHEN]
    clocks.ms = NOW + 100  # expired meanwhile: asked again, and refused
    assert not run(kept_fleet(tmp_path, peers, clocks).admits(KITCHEN))
    clocks.ms = NOW
    StateDir(tmp_path).distrust(LAPTOP.peer_id)  # its signer is no longer trusted
    assert not run(kept_fleet(tmp_path, peers, clocks, trusting=False).admits(KITCHEN))
    # A certificate written into the file by hand grants nothing without its signature.
    forged = Membership(KITCHEN, LAPTOP.peer_id, NOW + 100, b"\0" * 64)
    MemberCache(tmp_path / MEMBERS_FILE).save([forged])
    assert not run(kept_fleet(tmp_path, peers, clocks).admits(KITCHEN))


def test_a_members_file_that_cannot_be_read_starts_afresh(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / MEMBERS_FILE).write_text('{"format": 1, "certificates": [{"member": 3}]}')
    peers, clocks = Peers(), Clocks()
    peers.answers[KITCHEN] = [Membership.issue(LAPTOP, KITCHEN, NOW + 100)]
    f = kept_fleet(tmp_path, peers, clocks)
    assert any("cannot be read" in r.getMessage() for r in caplog.records)
    assert run(f.admits(KITCHEN)) and peers.fetched == [KITCHEN]
    assert [c.member for c in MemberCache(tmp_path / MEMBERS_FILE).load()] == [KITCHEN]

"""The replay table alone: ids kept until their deadline, strangers' within their share."""

from __future__ import annotations

from edge_agent.core_replay import ReplayTable


def test_ids_stop_replays_until_their_deadline_then_go() -> None:
    table = ReplayTable()
    table.add("a", trusted=True, until_ms=1_000)
    table.add("s", trusted=False, until_ms=1_000)
    assert table.stops("a", trusted_init_peer=False) and table.stops("a", trusted_init_peer=True)
    # A stranger's finished id stops a stranger's copy, never a trusted peer's particle.
    assert table.stops("s", trusted_init_peer=False) and not table.stops("s", trusted_init_peer=True)
    table.forget_expired(1_000)
    assert len(table) == 2  # kept through its deadline
    table.forget_expired(1_001)
    assert len(table) == 0 and not table.stops("a", trusted_init_peer=False)


def test_a_later_deadline_for_the_same_id_wins() -> None:
    table = ReplayTable()
    table.add("x", trusted=False, until_ms=5_000)
    table.add("x", trusted=True, until_ms=2_000)  # the trusted particle that took its id over
    table.forget_expired(3_000)
    assert table.stops("x", trusted_init_peer=True)  # now a trusted id, kept until 5,000
    table.forget_expired(5_001)
    assert len(table) == 0


def test_strangers_fill_only_their_share_and_never_lock_out_a_trusted_peer() -> None:
    table = ReplayTable()
    for n in range(3):
        table.add(f"s{n}", trusted=False, until_ms=10_000)
    assert not table.has_room(False, limit=4, stranger_share=0.75, now_ms=0)  # 3 of 3
    assert table.has_room(True, limit=4, stranger_share=0.75, now_ms=0)
    table.add("t", trusted=True, until_ms=10_000)
    assert not table.has_room(True, limit=4, stranger_share=0.75, now_ms=0)
    assert table.has_room(True, limit=4, stranger_share=0.75, now_ms=10_001)  # all expired

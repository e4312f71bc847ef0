"""The bounded duplicate table (RFC 7252 §4.5), without aiocoap or a loop."""

from __future__ import annotations

import pytest

from edge_agent.net.coap_dedup import DuplicateTable
from tests.support.clock import FakeClock


def test_a_request_is_recalled_with_its_response_until_it_expires() -> None:
    clock = FakeClock()
    table = DuplicateTable(clock=clock)
    assert table.recall(("ep", 1)) == (False, None)
    table.remember(("ep", 1), "10.0.0.1", lifetime_s=247)
    assert table.recall(("ep", 1)) == (True, None)  # seen, no response yet
    table.answer(("ep", 1), "response")
    table.answer(("ep", 2), "nobody asked")  # not remembered: ignored
    assert table.recall(("ep", 1)) == (True, "response")
    clock.now += 247
    assert table.recall(("ep", 1)) == (False, None)
    assert len(table) == 0 and table.senders == 0


def test_expired_entries_go_as_new_ones_arrive() -> None:
    clock = FakeClock()
    table = DuplicateTable(clock=clock)
    for mid in range(100):
        table.remember(("ep", mid), "a", lifetime_s=10)
    clock.now += 10
    table.remember(("ep", 100), "a", lifetime_s=10)
    assert len(table) == 1


def test_one_sender_cannot_hold_more_than_its_share() -> None:
    table = DuplicateTable(max_entries=100, max_per_sender=10)
    table.remember(("peer", 1), "10.0.0.9", lifetime_s=247)
    for mid in range(10_000):
        table.remember(("flood", mid), "10.0.0.66", lifetime_s=247)
    assert len(table) == 11 and table.senders == 2
    assert table.recall(("peer", 1))[0]  # the other sender's entry survived
    assert table.recall(("flood", 9_999))[0] and not table.recall(("flood", 9_989))[0]


def test_many_senders_are_bounded_by_the_total() -> None:
    table = DuplicateTable(max_entries=50, max_per_sender=10)
    for n in range(1_000):
        table.remember(("ep", n), f"10.0.{n // 256}.{n % 256}", lifetime_s=247)
    assert len(table) == 50 and table.senders == 50
    table.clear()
    assert len(table) == 0 and table.senders == 0


def test_remembering_a_key_again_restarts_it() -> None:
    table = DuplicateTable(max_entries=5, max_per_sender=5)
    table.remember("k", "a", lifetime_s=1)
    table.answer("k", "old")
    table.remember("k", "a", lifetime_s=1)
    assert table.recall("k") == (True, None) and len(table) == 1


@pytest.mark.parametrize("kwargs", [{"max_entries": 0}, {"max_per_sender": 0}])
def test_bounds_must_be_positive(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        DuplicateTable(**kwargs)

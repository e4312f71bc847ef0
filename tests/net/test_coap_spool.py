"""The bounded Block1 spool (RFC 7959 §2.5): reassembly, size and count limits, owners and
the slots kept for priority senders. Pure: no aiocoap, no loop, an injected clock."""

from __future__ import annotations

import pytest

from edge_agent.net.coap_spool import BadBlock, Block1Spool, Busy, Incomplete, TooLarge
from tests.support.clock import FakeClock


def feed_all(spool: Block1Spool, key: object, body: bytes, szx: int = 2) -> bytes | None:
    size = 1 << (szx + 4)
    blocks = [body[i : i + size] for i in range(0, len(body), size)] or [b""]
    result = None
    for n, chunk in enumerate(blocks):
        result = spool.feed(key, number=n, more=n < len(blocks) - 1, size_exponent=szx,
                            payload=chunk)
    return result


def test_spool_reassembles_and_forgets() -> None:
    spool = Block1Spool(max_bytes=1000)
    body = bytes(range(256)) * 2 + b"tail"
    assert spool.feed("k", number=0, more=True, size_exponent=2, payload=body[:64]) is None
    assert len(spool) == 1 and spool.bytes_held == 64
    assert feed_all(spool, "k", body) == body
    assert len(spool) == 0 and spool.bytes_held == 0


def test_spool_single_block_passes_through_without_holding() -> None:
    spool = Block1Spool(max_bytes=100)
    assert spool.feed("k", number=0, more=False, size_exponent=6, payload=b"abc") == b"abc"
    assert len(spool) == 0


def test_spool_refuses_out_of_order_and_orphans() -> None:
    spool = Block1Spool(max_bytes=1000)
    with pytest.raises(Incomplete):
        spool.feed("k", number=3, more=True, size_exponent=2, payload=b"x" * 64)
    spool.feed("k", number=0, more=True, size_exponent=2, payload=b"x" * 64)
    with pytest.raises(Incomplete):  # a gap: block 1 is missing
        spool.feed("k", number=2, more=True, size_exponent=2, payload=b"x" * 64)
    assert len(spool) == 0 and spool.bytes_held == 0  # the broken upload is gone


def test_spool_restarts_on_a_new_first_block() -> None:
    spool = Block1Spool(max_bytes=1000)
    spool.feed("k", number=0, more=True, size_exponent=2, payload=b"a" * 64)
    spool.feed("k", number=0, more=True, size_exponent=2, payload=b"b" * 64)
    assert spool.bytes_held == 64
    assert spool.feed("k", number=1, more=False, size_exponent=2, payload=b"c") == b"b" * 64 + b"c"


def test_spool_size_limits() -> None:
    spool = Block1Spool(max_bytes=100)
    with pytest.raises(TooLarge) as announced:
        spool.feed("k", number=0, more=True, size_exponent=2, payload=b"x" * 64, size1=101)
    assert announced.value.limit == 100
    spool.feed("k", number=0, more=True, size_exponent=2, payload=b"x" * 64)
    with pytest.raises(TooLarge):
        spool.feed("k", number=1, more=True, size_exponent=2, payload=b"x" * 64)
    assert len(spool) == 0


@pytest.mark.parametrize(
    ("more", "szx", "payload"),
    [(True, 2, b"x" * 63), (True, 2, b"x" * 65), (False, 2, b"x" * 65), (True, 7, b"x" * 1024)],
)
def test_spool_bad_blocks(more: bool, szx: int, payload: bytes) -> None:
    with pytest.raises(BadBlock):
        Block1Spool(max_bytes=10_000).feed(
            "k", number=0, more=more, size_exponent=szx, payload=payload
        )


def test_spool_bounds_uploads_and_expires_idle_ones() -> None:
    clock = FakeClock(100.0)
    spool = Block1Spool(max_bytes=1000, max_uploads=2, idle_timeout_s=5, reserved=0, clock=clock)
    for key in ("a", "b"):
        spool.feed(key, number=0, more=True, size_exponent=2, payload=b"x" * 64)
    with pytest.raises(Busy):
        spool.feed("c", number=0, more=True, size_exponent=2, payload=b"x" * 64)
    spool.feed("a", number=1, more=True, size_exponent=2, payload=b"x" * 64)  # a goes on
    clock.now += 5
    spool.feed("c", number=0, more=True, size_exponent=2, payload=b"x" * 64)  # a, b expired
    assert len(spool) == 1 and spool.bytes_held == 64
    with pytest.raises(Incomplete):
        spool.feed("a", number=2, more=False, size_exponent=2, payload=b"x")


def test_spool_byte_budget() -> None:
    spool = Block1Spool(max_bytes=128, budget_bytes=256, max_uploads=10, max_per_owner=10,
                        reserved=0)
    block = {"more": True, "size_exponent": 2, "payload": b"x" * 64, "priority": True}
    spool.feed("a", number=0, **block)
    spool.feed("a", number=1, **block)
    spool.feed("c", number=0, **block)
    with pytest.raises(Busy):  # announced size does not fit what is left
        spool.feed("b", number=0, size1=128, **block)
    spool.feed("d", number=0, **block)
    with pytest.raises(Busy):
        spool.feed("e", number=0, **block)
    assert spool.bytes_held == 256


def test_strangers_leave_room_for_a_priority_senders_largest_upload() -> None:
    """Strangers' uploads kept open (a block every 24 s) held the whole budget, and the
    trusted laptop's particle was answered 5.03 at its 32nd block."""
    spool = Block1Spool(max_bytes=1024, budget_bytes=4096, max_uploads=64, max_per_owner=64,
                        reserved=0)
    assert spool.stranger_budget_bytes == 4096 - 1024
    block = {"more": True, "size_exponent": 6, "payload": b"x" * 1024}
    for n in range(3):
        spool.feed(("stranger", n), number=0, owner="10.0.0.66", **block)
    with pytest.raises(Busy, match="kept for priority senders"):
        spool.feed(("stranger", 3), number=0, owner="10.0.0.67", **block)
    with pytest.raises(Busy, match="kept for priority senders"):  # announced: refused at once
        spool.feed(("stranger", 4), number=0, owner="10.0.0.67", size1=1024, **block)
    spool.feed("laptop", number=0, owner="10.0.0.2", priority=True, **block)
    assert spool.bytes_held == 4096


def test_spool_budget_always_fits_one_maximal_upload() -> None:
    spool = Block1Spool(max_bytes=4096, budget_bytes=100)
    assert spool.budget_bytes == 2 * 4096  # one for strangers, one kept for priority senders
    assert feed_all(spool, "k", b"y" * 4096, szx=6) == b"y" * 4096


def start(spool: Block1Spool, key: object, owner: str, *, priority: bool = False) -> None:
    spool.feed(key, number=0, more=True, size_exponent=2, payload=b"x" * 64, owner=owner,
               priority=priority)


def test_one_owner_cannot_take_every_slot() -> None:
    spool = Block1Spool(max_bytes=1000, max_uploads=16, max_per_owner=4, reserved=4)
    for n in range(4):
        start(spool, ("slow", n), "10.0.0.66")
    for n in range(4, 16):  # 16 slow uploads from one stranger: 4 get a slot
        with pytest.raises(Busy, match="from this address"):
            start(spool, ("slow", n), "10.0.0.66")
    assert spool.uploads_of("10.0.0.66") == 4
    start(spool, "known", "10.0.0.9")
    assert feed_all(spool, "known", b"k" * 200) == b"k" * 200


def test_the_last_slots_are_for_priority_senders() -> None:
    spool = Block1Spool(max_bytes=1000, max_uploads=6, max_per_owner=1, reserved=2)
    for n in range(4):  # four strangers take the four open slots
        start(spool, n, f"10.0.1.{n}")
    with pytest.raises(Busy, match="kept for priority"):
        start(spool, 4, "10.0.1.4")
    start(spool, "t1", "10.0.0.9", priority=True)
    start(spool, "t2", "10.0.0.9", priority=True)  # priority: no per-owner cap either
    with pytest.raises(Busy, match="in progress already"):
        start(spool, "t3", "10.0.0.9", priority=True)
    spool.feed(0, number=1, more=False, size_exponent=2, payload=b"end", owner="10.0.1.0")
    assert spool.uploads_of("10.0.1.0") == 0 and len(spool) == 5


def test_a_dropped_upload_frees_its_owner_slot() -> None:
    spool = Block1Spool(max_bytes=1000, max_per_owner=1, reserved=0)
    start(spool, "a", "10.0.0.1")
    with pytest.raises(Incomplete):  # a gap drops the upload
        spool.feed("a", number=2, more=True, size_exponent=2, payload=b"x" * 64)
    assert spool.uploads_of("10.0.0.1") == 0
    start(spool, "b", "10.0.0.1")
    spool.clear()
    assert spool.uploads_of("10.0.0.1") == 0


def test_the_reserve_leaves_strangers_a_slot() -> None:
    assert Block1Spool(max_bytes=10, max_uploads=2, reserved=9).reserved == 1


def test_a_stalled_upload_gives_its_slot_to_a_new_one() -> None:
    """An upload whose sender gave up mid-way (its time for this address ran out on a busy
    LAN: issue 12) holds its slot only until a new upload needs it and it has been quiet for
    `stalled_s`, not for the whole idle timeout; an upload that goes on keeps its slot."""
    clock = FakeClock(100.0)
    spool = Block1Spool(max_bytes=1000, max_uploads=3, max_per_owner=1, reserved=1,
                        idle_timeout_s=25, stalled_s=4, clock=clock)
    start(spool, "gone", "10.0.0.1")
    start(spool, "live", "10.0.0.2")
    clock.now += 3
    spool.feed("live", number=1, more=True, size_exponent=2, payload=b"x" * 64, owner="10.0.0.2")
    with pytest.raises(Busy):  # quiet for 3 s: not stalled yet
        start(spool, "new", "10.0.0.3")
    clock.now += 1.5
    start(spool, "new", "10.0.0.3")  # "gone" (4.5 s quiet) gives its slot up, "live" keeps its
    with pytest.raises(Incomplete):
        spool.feed("gone", number=1, more=True, size_exponent=2, payload=b"x" * 64)
    end = spool.feed("live", number=2, more=False, size_exponent=2, payload=b"end", owner="10.0.0.2")
    assert end == b"x" * 128 + b"end"
    clock.now += 4
    start(spool, "retry", "10.0.0.3")  # its own stalled upload makes room for its retry
    assert spool.uploads_of("10.0.0.3") == 1 and len(spool) == 1

"""Token buckets, per sender and shared, in bounded memory (pure, injected clock)."""

from __future__ import annotations

import pytest

from edge_agent.ratelimit import KeyedBuckets, Rate, SenderLimiter, TokenBucket
from tests.support.clock import FakeClock


def test_bucket_bursts_then_refills_at_its_rate() -> None:
    bucket = TokenBucket(Rate(per_s=2, burst=3), now=0.0)
    assert [bucket.take(0.0) for _ in range(4)] == [True, True, True, False]
    assert bucket.take(0.4) is False  # 0.8 of a token
    assert bucket.take(0.5) is True
    assert [bucket.take(100.0) for _ in range(4)] == [True, True, True, False]  # capped


def test_a_bucket_takes_many_tokens_at_once_or_none() -> None:
    bucket = TokenBucket(Rate(per_s=10, burst=8), now=0.0)
    assert bucket.take(0.0, 5) is True
    assert bucket.tokens(0.0) == 3
    assert bucket.take(0.0, 4) is False  # nothing taken
    assert bucket.tokens(0.0) == 3
    assert bucket.tokens(0.25) == 5  # refilling, as a take would see it
    assert bucket.take(0.25, 5) is True and bucket.tokens(0.25) == 0
    assert bucket.tokens(100.0) == 8


@pytest.mark.parametrize(("per_s", "burst"), [(-1, 1), (1, 0)])
def test_rates_are_checked(per_s: float, burst: int) -> None:
    with pytest.raises(ValueError):
        Rate(per_s, burst)


def test_each_sender_has_its_own_bucket_and_all_share_one() -> None:
    clock = FakeClock(100.0)
    limiter = SenderLimiter(Rate(1, 2), Rate(1, 5), max_senders=10, clock=clock)
    assert [limiter.allow("a") for _ in range(3)] == [True, True, False]
    assert [limiter.allow("b") for _ in range(3)] == [True, True, False]
    assert limiter.allow("c") is True
    assert limiter.allow("d") is False  # the shared bucket is empty (5 taken)
    clock.now += 1.0
    assert limiter.allow("d") is True


def test_the_table_of_senders_is_bounded() -> None:
    clock = FakeClock(100.0)
    limiter = SenderLimiter(Rate(0, 1), Rate(1000, 100_000), max_senders=3, clock=clock)
    for n in range(1000):
        limiter.allow(n)
    assert len(limiter) == 3
    assert limiter.allow(999) is False  # still tracked: its one token is gone


def test_keyed_buckets_are_bounded_and_forget_the_ones_that_refilled() -> None:
    buckets = KeyedBuckets(Rate(per_s=1.0, burst=2), max_keys=2)
    assert [buckets.take("a", 0.0) for _ in range(3)] == [True, True, False]
    assert buckets.take("b", 0.0) and len(buckets) == 2
    assert buckets.take("c", 0.0) and len(buckets) == 2  # "a", least recently active, is forgotten
    assert buckets.take("a", 0.0) and buckets.take("a", 0.0) and not buckets.take("a", 0.0)  # a new, full one
    buckets.forget_full(0.5)
    assert len(buckets) == 2  # "c" (1 token) and "a" (0) are not full yet
    buckets.forget_full(1.0)
    assert len(buckets) == 1  # "c" refilled: one made now would be the same
    assert buckets.take("a", 1.0) and not buckets.take("a", 1.0)  # "a" got one token back, not two
    with pytest.raises(ValueError, match="max_keys"):
        KeyedBuckets(Rate(1.0, 1), max_keys=0)

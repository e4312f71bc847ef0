"""Token buckets: how often a sender may do something, in bounded memory (pure, no I/O).

A bucket holds up to `burst` tokens and gains `per_s` tokens a second; each action takes one.
`SenderLimiter` keeps a bucket per sender (a bounded table: the least recently active sender
is forgotten first) and one bucket shared by all of them, so neither one sender nor many
together get more than their share. Who is exempt (trusted peers) is the caller's decision,
asked only when a bucket says no. The clock is injected, so tests need no sleeping.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

__all__ = ["KeyedBuckets", "Rate", "SenderLimiter", "TokenBucket"]


@dataclass(frozen=True, slots=True)
class Rate:
    """A sustained rate (`per_s` actions a second) and the burst allowed above it."""

    per_s: float
    burst: int

    def __post_init__(self) -> None:
        if self.per_s < 0 or self.burst < 1:
            raise ValueError(f"a rate needs per_s >= 0 and burst >= 1, got {self}")


class TokenBucket:
    """Up to `rate.burst` tokens, refilled at `rate.per_s`; starts full."""

    __slots__ = ("rate", "_stamp", "_tokens")

    def __init__(self, rate: Rate, now: float) -> None:
        self.rate = rate
        self._tokens = float(rate.burst)
        self._stamp = now

    def take(self, now: float, n: int = 1) -> bool:
        """Take `n` tokens if there are as many; False (and nothing taken) if there are not."""
        elapsed = now - self._stamp
        if elapsed > 0:
            self._tokens = min(float(self.rate.burst), self._tokens + elapsed * self.rate.per_s)
            self._stamp = now
        if self._tokens >= n:
            self._tokens -= n
            return True
        return False

    def tokens(self, now: float) -> int:
        """The whole tokens it would hold now."""
        return int(min(float(self.rate.burst), self._tokens + max(0.0, now - self._stamp) * self.rate.per_s))

    def full(self, now: float) -> bool:
        """Whether it has refilled: one made now would be the same."""
        return self._tokens + max(0.0, now - self._stamp) * self.rate.per_s >= self.rate.burst


class KeyedBuckets:
    """A bucket per key, each at `rate`, at most `max_keys` of them: a new key beyond that
    forgets the least recently active one (its bucket would have refilled had it been idle)."""

    def __init__(self, rate: Rate, max_keys: int) -> None:
        if max_keys < 1:
            raise ValueError(f"max_keys must be positive, got {max_keys}")
        self.rate = rate
        self.max_keys = max_keys
        self._buckets: OrderedDict[Hashable, TokenBucket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: Hashable, now: float) -> bool:
        """Take a token from `key`'s bucket (a new one starts full); False if it is empty."""
        bucket = self._buckets.pop(key, None)
        if bucket is None:
            bucket = TokenBucket(self.rate, now)
            if len(self._buckets) >= self.max_keys:
                self._buckets.popitem(last=False)
        self._buckets[key] = bucket  # the most recently active last
        return bucket.take(now)

    def forget_full(self, now: float) -> None:
        """Drop the buckets that have refilled: a key's next action finds a full one anyway."""
        for key in [k for k, b in self._buckets.items() if b.full(now)]:
            del self._buckets[key]


class SenderLimiter:
    """A bucket per sender (`each`) and one for all senders together (`together`).

    `allow(sender)` takes a token from both; it is False when either is empty. At most
    `max_senders` buckets are kept: a new sender beyond that evicts the least recently active
    one, whose bucket would have refilled had it been idle for `burst / per_s` seconds.
    """

    def __init__(
        self,
        each: Rate,
        together: Rate,
        *,
        max_senders: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_senders < 1:
            raise ValueError(f"max_senders must be positive, got {max_senders}")
        self.each = each
        self.max_senders = max_senders
        self._clock = clock
        self._together = TokenBucket(together, clock())
        self._buckets = KeyedBuckets(each, max_senders)

    def __len__(self) -> int:
        """Senders with a bucket now."""
        return len(self._buckets)

    def allow(self, sender: Hashable) -> bool:
        """Whether `sender` may act now (a token was taken from its bucket and the shared one)."""
        now = self._clock()
        return self._buckets.take(sender, now) and self._together.take(now)

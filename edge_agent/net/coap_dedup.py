"""A bounded table of recently received CoAP requests, for duplicate detection (pure).

RFC 7252 §4.5: a request with the Message ID of one received from the same endpoint within
EXCHANGE_LIFETIME is a duplicate; a confirmable duplicate gets the response sent before (if
any) again, and is not processed twice. aiocoap keeps that table in a dict with a timer per
request and no bound, so a stranger sending requests fast grows it for 247 s (2,000 GETs/s:
over 160 MB). This table holds at most `max_entries` requests and `max_per_sender` from one
source address (its oldest goes first), expires entries lazily as new ones arrive (no
timers), and knows nothing of aiocoap: `coap_compat` puts it in aiocoap's place.

Forgetting an entry early only means a late retransmission is processed again, as it would
be after a restart; the node tolerates duplicate particles.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from edge_agent import const

__all__ = ["DuplicateTable"]


@dataclass(slots=True)
class _Entry:
    sender: Hashable
    expires: float
    response: object | None = None


class DuplicateTable:
    """Requests seen recently, keyed by (endpoint, message id), each with its response."""

    def __init__(
        self,
        *,
        max_entries: int = const.COAP_DEDUP_MAX_ENTRIES,
        max_per_sender: int = const.COAP_DEDUP_MAX_PER_SENDER,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_entries < 1 or max_per_sender < 1:
            raise ValueError("max_entries and max_per_sender must be positive")
        self.max_entries = max_entries
        self.max_per_sender = max_per_sender
        self._clock = clock
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._by_sender: dict[Hashable, OrderedDict[Hashable, None]] = {}
        self.repeats = 0
        """Requests `recall` found seen already (duplicates received: a sender that got
        no ACK in time sent them again)."""

    def __len__(self) -> int:
        """Requests remembered now."""
        return len(self._entries)

    @property
    def senders(self) -> int:
        """Source addresses with at least one request remembered."""
        return len(self._by_sender)

    def recall(self, key: Hashable) -> tuple[bool, object | None]:
        """(whether `key` was seen within its lifetime, the response stored for it or None)."""
        entry = self._entries.get(key)
        if entry is None:
            return False, None
        if entry.expires <= self._clock():
            self._forget(key)
            return False, None
        self.repeats += 1
        return True, entry.response

    def remember(self, key: Hashable, sender: Hashable, lifetime_s: float) -> None:
        """Note a new request `key` from source address `sender` for `lifetime_s` seconds."""
        now = self._clock()
        self._expire(now)
        self._forget(key)
        mine = self._by_sender.get(sender)
        if mine is not None and len(mine) >= self.max_per_sender:
            self._forget(next(iter(mine)))
        if len(self._entries) >= self.max_entries:
            self._forget(next(iter(self._entries)))
        self._entries[key] = _Entry(sender, now + lifetime_s)
        mine = self._by_sender.get(sender)  # again: forgetting may have ended it
        if mine is None:
            mine = self._by_sender[sender] = OrderedDict()
        mine[key] = None

    def answer(self, key: Hashable, response: object) -> None:
        """Store the response sent to request `key`, if it is still remembered."""
        entry = self._entries.get(key)
        if entry is not None:
            entry.response = response

    def clear(self) -> None:
        """Forget everything."""
        self._entries.clear()
        self._by_sender.clear()

    def _expire(self, now: float) -> None:
        # Entries are added in time order; with one lifetime, the first expires first.
        while self._entries:
            key, entry = next(iter(self._entries.items()))
            if entry.expires > now:
                return
            self._forget(key)

    def _forget(self, key: Hashable) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        mine = self._by_sender.get(entry.sender)
        if mine is not None:
            mine.pop(key, None)
            if not mine:
                del self._by_sender[entry.sender]

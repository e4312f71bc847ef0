"""The replay table: ids of particles given up or expired here, kept until no copy of them
can be fresh (pure, no I/O; `edge_agent.core` owns one).

A copy of a finished particle must not start it again, so its id is remembered until its
deadline plus the clock skew. The table is bounded and never flushed: while it is full, no
new particle is taken (forgetting an id early would let its copies replay). Strangers' ids
may fill only their share of it, and an id a stranger's particle held stops no trusted
peer's particle (ids cross the LAN in the clear: a stranger who starts one with a trusted
particle's id first must not get the real one refused).
"""

from __future__ import annotations

import heapq

__all__ = ["ReplayTable"]


class ReplayTable:
    """Finished ids, each with whether its particle was trusted and until when it is kept."""

    __slots__ = ("_finished", "_expiry", "_until", "_strangers")

    def __init__(self) -> None:
        self._finished: dict[str, bool] = {}  # id -> trusted, until its expiry below
        self._expiry: list[tuple[int, str]] = []  # heap of (until ms, id) (an entry may be stale)
        self._until: dict[str, int] = {}  # each id's time in the table
        self._strangers = 0  # strangers' ids in the table

    def __len__(self) -> int:
        return len(self._finished)

    def stops(self, particle_id: str, trusted_init_peer: bool) -> bool:
        """Whether a copy of `particle_id` is a replay: its id finished here, and either a
        trusted particle held it or the copy's init peer is not trusted either."""
        finished = self._finished.get(particle_id)
        return finished is not None and (finished or not trusted_init_peer)

    def has_room(self, trusted: bool, limit: int, stranger_share: float, now_ms: int) -> bool:
        """Whether one more id may be kept: `limit` in all, a stranger's only within
        `stranger_share` of it."""
        self.forget_expired(now_ms)
        share = limit * stranger_share
        if not trusted:
            return len(self._finished) < limit and self._strangers < share
        # Strangers' ids past their share (their particles given up while in progress) do
        # not count against a trusted peer: the table may hold that many more.
        beyond_share = max(0, self._strangers - int(share))
        return len(self._finished) - beyond_share < limit

    def add(self, particle_id: str, trusted: bool, until_ms: int) -> None:
        """Keep `particle_id` until `until_ms`, or later if it is kept longer already (a
        stranger's particle with its id that gave way to a trusted one)."""
        self._strangers -= self._finished.get(particle_id) is False
        self._finished[particle_id] = trusted
        self._until[particle_id] = until = max(until_ms, self._until.get(particle_id, 0))
        heapq.heappush(self._expiry, (until, particle_id))
        self._strangers += not trusted

    def forget_expired(self, now_ms: int) -> None:
        """Drop the ids whose particles have expired (no copy can be fresh)."""
        expiry = self._expiry
        while expiry and expiry[0][0] < now_ms:
            until, pid = heapq.heappop(expiry)
            if self._until.get(pid) == until:  # else a later entry (a trusted particle's) holds it
                del self._until[pid]
                self._strangers -= not self._finished.pop(pid)

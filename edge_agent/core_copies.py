"""Whether what a copy adds was its writers' to write (pure): the particle core's checks of a
copy's data, between decoding it and running it.

Cheapest first: the invitations (`edge_agent.invitations`: every seal the copy adds is a
participant's), a bucket for the seals of peers this one
does not trust in copies of trusted particles, the seals themselves (`edge_agent.seals`),
then the error 14 reports of calls this peer sent on (`core_record.unreachable_by_another`).
"""

from __future__ import annotations

from collections.abc import Callable

from edge_agent.air.data import Data
from edge_agent.core_events import Arrived, CoreLimits, Dropped, Verdict
from edge_agent.core_record import Record, unreachable_by_another
from edge_agent.invitations import uninvited, uninvited_beside
from edge_agent.ratelimit import Rate, TokenBucket
from edge_agent.seals import Sealer, SealError

__all__ = ["CopyChecks"]


class CopyChecks:
    """The copy checks of one peer (`peer_id`, whose `sealer` checks seals), with the bucket
    of its untrusted peers' seals (`CoreLimits.untrusted_seals_per_s`)."""

    def __init__(self, peer_id: str, sealer: Sealer, limits: CoreLimits) -> None:
        self.peer_id = peer_id
        self.sealer = sealer
        self.limits = limits
        seals = Rate(limits.untrusted_seals_per_s, limits.untrusted_seals_burst)
        self._seal_checks = TokenBucket(seals, 0.0)  # full; the events bring the time

    def refusal(
        self, rec: Record | None, incoming: Data, ev: Arrived, trusted: bool,
        trusts: Callable[[str], bool], now_ms: int,
    ) -> Dropped | None:
        """Why `incoming` holds something its writer was not entitled to add (None: it holds
        nothing of the kind): a seal of a peer the particle did not invite, an entry not
        sealed by its producer, a sent record sealed by nobody, or a call this peer
        forwarded itself reported unreachable by another; or why its seals cannot be checked
        now (`_untrusted_seals`). `rec` is this peer's record of the particle (None for a
        first copy); `trusted`, whether its init peer is trusted; `trusts(peer_id)`, whom
        this peer trusts."""
        p, sender = ev.envelope, ev.sender
        if not ev.local:
            why = self._uninvited(rec, incoming, p.init_peer_id)
            if why is not None:
                return Dropped(p.id, Verdict.UNINVITED, why, sender)
        vouched = sender if ev.proven else None  # its own seals need no check: it sent them
        if trusted and not ev.local and not (rec is not None and rec.local):
            costly = self._untrusted_seals(rec, incoming, vouched, trusts, now_ms)
            if costly is not None:
                return Dropped(p.id, Verdict.OVERLOADED, costly, sender)
        try:
            if rec is None:
                self.sealer.check(p, incoming, None, vouched=vouched)
            else:
                self.sealer.check(p, incoming, rec.data, rec.digests, vouched)
        except SealError as exc:
            return Dropped(p.id, Verdict.UNSEALED, str(exc), sender)
        key = unreachable_by_another(rec, incoming, self.peer_id) if rec is not None else None
        if key is None:
            return None
        why = f"{incoming.entries[key].peer} reports unreachable a call this peer sent on ({key!r})"
        return Dropped(p.id, Verdict.FORGED, why, sender)

    def _uninvited(self, rec: Record | None, incoming: Data, init_peer: str) -> str | None:
        if rec is None:
            return uninvited(incoming, init_peer, frozenset(), frozenset())
        return uninvited_beside(incoming, init_peer, rec.invited, rec.data)

    def _untrusted_seals(
        self, rec: Record | None, incoming: Data, vouched: str | None, trusts: Callable[[str], bool],
        now_ms: int,
    ) -> str | None:
        """Why checking the seals of peers we do not trust in a copy of a trusted particle
        must wait (None: they may be checked now). Who sent a copy on is not signed: anyone
        who reads a trusted particle off the LAN may send copies of it with seals in the
        names of its participants (forged, but each costs a check), outside the strangers'
        lane. They take tokens from one bucket
        (`const.NODE_UNTRUSTED_SEALS_PER_S`), all of a copy's at once or none."""
        unchecked = self.sealer.unchecked(incoming, rec.data if rec is not None else None, vouched)
        count = sum(1 for seal in unchecked if not trusts(seal.peer))
        if not count or self._seal_checks.take(now_ms / 1000, count):
            return None
        return (
            f"the copy asks {count} seals of peers this one does not trust to be checked; "
            f"{self._seal_checks.tokens(now_ms / 1000)} may be now "
            f"({self.limits.untrusted_seals_per_s:g} a second)"
        )

"""The particle core's part in failure reports coming in (pure).

A peer whose run fails without an `xor` sends the init peer a *failure report*: a copy of
the particle whose data is one entry of kind `FAILURE` that the failing peer produced and
sealed (`edge_agent.core`, `_failed`, makes them). Here the init peer takes one: only for
a particle it started, alone in its copy, about another peer, sealed by that peer, at
most `CoreLimits.failure_reports` per particle; it is never merged or run, so what the
script computes is what it would be without it.
"""

from __future__ import annotations

from edge_agent.air.data import FAILURE_KEY, Data
from edge_agent.core_events import Action, CoreLimits, Dropped, Duplicate, Envelope, FailureReported, Verdict
from edge_agent.core_record import Record
from edge_agent.seals import Sealer, SealError

__all__ = ["take"]


def take(
    rec: Record | None, p: Envelope, incoming: Data, peer_id: str, limits: CoreLimits, sealer: Sealer,
    sender: str | None,
) -> list[Action]:
    """A failure report arrived (`incoming` holds `FAILURE_KEY`): `FailureReported`, a
    `Duplicate`, or why it is refused. `rec` is this peer's record of the particle."""
    entry = incoming.entries[FAILURE_KEY]
    if rec is None or p.init_peer_id != peer_id:
        why = f"a failure report of particle {p.id} reached a peer that is not its init peer"
    elif len(incoming.entries) != 1 or incoming.sent:
        why = f"a failure report of particle {p.id} carries more than its one entry"
    elif entry.peer == peer_id:
        why = f"a failure report of particle {p.id} claims to come from its init peer"
    elif entry.peer in rec.reporters:
        return [Duplicate(p.id, sender)]
    elif len(rec.reporters) >= limits.failure_reports:
        why = f"particle {p.id} brought {len(rec.reporters)} failure reports already"
    else:
        try:
            sealer.check(p, incoming, None)  # every entry sealed by its producer
        except SealError as exc:
            return [Dropped(p.id, Verdict.UNSEALED, str(exc), sender)]
        rec.reporters.add(entry.peer)
        code, message, instruction = entry.value
        return [FailureReported(p.id, entry.peer, code, message, instruction)]
    return [Dropped(p.id, Verdict.BAD_REPORT, why, sender)]

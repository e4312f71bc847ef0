"""The particle core's part in failure reports coming in (pure).

A peer whose run fails without an `xor` sends the init peer a *failure report*: a copy of
the particle whose data is one entry of kind `FAILURE` that the failing peer produced and
sealed, with the seals that invite that peer (`edge_agent.invitations.with_invitation`;
`edge_agent.core`, `_failed`, makes them). Here the init peer takes one: only for a
particle it started, within `const.REPORT_MAX_DATA_BYTES`, about another peer, a
participant (`uninvited` otherwise: anyone who read the particle's id off the LAN could end
its run so), sealed by that peer, at most `CoreLimits.failure_reports` per particle; it is
never merged or run, so what the script computes is what it would be without it.
"""

from __future__ import annotations

from edge_agent import const
from edge_agent.air import data as air_data
from edge_agent.air.data import FAILURE_KEY, Data, Entry
from edge_agent.air.errors import DataError
from edge_agent.core_events import Action, CoreLimits, Dropped, Duplicate, Envelope, FailureReported, Verdict
from edge_agent.core_record import Record
from edge_agent.invitations import uninvited_beside, with_invitation
from edge_agent.seals import Sealer, SealError

__all__ = ["sealed_report", "take"]


def sealed_report(envelope: Envelope, key: str, entry: Entry, held: Data, sealer: Sealer) -> bytes:
    """The data of a report (`entry`, ours, at `key`: `FAILURE_KEY` or `TRACE_KEY`), sealed,
    with our invitation from the data we `held` (`with_invitation`) if that fits in
    `const.REPORT_MAX_DATA_BYTES`: a report of data that grew too large must still go. Past
    it, the entry alone, which the init peer takes only if it sent us the particle itself."""
    invited = with_invitation(key, entry, held, envelope.init_peer_id)
    if invited.seals:
        sealer.seal(envelope, invited, {})
        try:
            raw = air_data.encode(invited)
        except DataError:
            raw = b""
        if 0 < len(raw) <= const.REPORT_MAX_DATA_BYTES:
            return raw
    alone = Data({key: entry})
    sealer.seal(envelope, alone, {})
    return air_data.encode(alone)


def take(
    rec: Record | None, p: Envelope, incoming: Data, peer_id: str, limits: CoreLimits, sealer: Sealer,
    sender: str | None,
) -> list[Action]:
    """A failure report arrived (`incoming` holds `FAILURE_KEY`): `FailureReported`, a
    `Duplicate`, or why it is refused. `rec` is this peer's record of the particle."""
    entry = incoming.entries[FAILURE_KEY]
    if rec is None or p.init_peer_id != peer_id:
        why = f"a failure report of particle {p.id} reached a peer that is not its init peer"
    elif len(p.data) > const.REPORT_MAX_DATA_BYTES:  # what its seals may cost to check: bounded
        why = f"a failure report of particle {p.id} holds {len(p.data)} bytes, more than a report may"
    elif entry.peer == peer_id:
        why = f"a failure report of particle {p.id} claims to come from its init peer"
    elif entry.peer in rec.reporters:
        return [Duplicate(p.id, sender)]
    elif len(rec.reporters) >= limits.failure_reports:
        why = f"particle {p.id} brought {len(rec.reporters)} failure reports already"
    else:
        stranger = uninvited_beside(incoming, p.init_peer_id, rec.invited, rec.data)
        if stranger is not None:
            return [Dropped(p.id, Verdict.UNINVITED, stranger, sender)]
        try:
            sealer.check(p, incoming, rec.data, rec.digests)  # every entry sealed by its producer
        except SealError as exc:
            return [Dropped(p.id, Verdict.UNSEALED, str(exc), sender)]
        rec.reporters.add(entry.peer)
        code, message, instruction = entry.value
        return [FailureReported(p.id, entry.peer, code, message, instruction)]
    return [Dropped(p.id, Verdict.BAD_REPORT, why, sender)]

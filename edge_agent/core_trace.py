"""The particle core's part in tracing: who records, reports out, reports in (pure).

`edge_agent.core` calls these only for a particle whose record holds a `PeerTrace` (or for
a copy whose data holds a trace report), so a particle that is not traced costs one
attribute check per run. The rules (`edge_agent.trace` has the design):

- a peer records only for an init peer it trusts, and only when the script asks
  (`trace.requested`): a stranger's request makes it do no trace work at all;
- a report is a copy of the particle whose data is one entry under `TRACE_KEY`, produced
  and sealed by the reporting peer, with the seals that invite that peer (as a failure
  report has: `core_failures.sealed_report`), sent to the init peer only;
- the init peer takes a report only for a particle it asked to trace, within
  `const.REPORT_MAX_DATA_BYTES`, from another peer, a participant, sealed by it, numbered
  within `CoreLimits.trace_reports`, from at most `CoreLimits.trace_peers` peers; it is
  never merged or run.
"""

from __future__ import annotations

from edge_agent import const
from edge_agent.air.data import Data, Entry, Kind
from edge_agent.core_events import Action, CoreLimits, Dropped, Duplicate, Envelope, SendCopy, Traced, Verdict
from edge_agent.core_failures import sealed_report
from edge_agent.core_record import Record
from edge_agent.invitations import uninvited_beside
from edge_agent.seals import Sealer, SealError
from edge_agent.trace import TRACE_KEY, PeerTrace, TraceError, decode_report, encode_report, requested

__all__ = ["report", "start", "take"]


def start(envelope: Envelope, trusted: bool, limits: CoreLimits) -> PeerTrace | None:
    """A `PeerTrace` for a particle new here, if its init peer is trusted and asks for one."""
    if trusted and requested(envelope.script):
        return PeerTrace(limits.trace_records, limits.trace_reports)
    return None


def report(
    tracer: PeerTrace, envelope: Envelope, held: Data, peer_id: str, sealer: Sealer, give_up_ms: int
) -> list[Action]:
    """This peer's new records: to its own driver at the init peer (`Traced`), else as a
    sealed report in a copy for the init peer, with this peer's invitation from the data it
    `held`. Nothing if there is nothing new."""
    taken = tracer.take()
    if taken is None:
        return []
    seq, records, dropped = taken
    init = envelope.init_peer_id
    if init == peer_id:
        return [Traced(envelope.id, peer_id, records, dropped)]
    entry = Entry(Kind.CALL, encode_report(seq, records, dropped), peer_id)
    data = sealed_report(envelope, TRACE_KEY, entry, held, sealer)
    return [SendCopy(envelope.id, init, envelope.with_data(data), (), give_up_ms)]


def take(
    rec: Record | None,
    envelope: Envelope,
    incoming: Data,
    peer_id: str,
    limits: CoreLimits,
    sealer: Sealer,
    sender: str | None,
) -> list[Action]:
    """A trace report arrived (`incoming` holds `TRACE_KEY`): `Traced`, or why it is refused.
    `rec` is this peer's record of the particle (its `trace` None: it asked for none)."""
    pid = envelope.id
    tracer = rec.trace if rec is not None else None
    entry = incoming.entries[TRACE_KEY]
    heard = tracer.heard if tracer is not None else {}
    seq = entry.value[1] if type(entry.value) is list and len(entry.value) > 1 else None
    if rec is None or tracer is None or envelope.init_peer_id != peer_id:
        why = f"a trace report of particle {pid} reached a peer that did not ask for one"
    elif entry.kind is not Kind.CALL or entry.stream:
        why = f"a trace report of particle {pid} is not one plain entry"
    elif len(envelope.data) > const.REPORT_MAX_DATA_BYTES:  # what its seals may cost to check: bounded
        why = f"a trace report of particle {pid} holds {len(envelope.data)} bytes, more than a report may"
    elif entry.peer == peer_id:
        why = f"a trace report of particle {pid} claims to come from its init peer"
    elif type(seq) is not int or not 0 <= seq < limits.trace_reports:
        why = f"a trace report of particle {pid} is numbered {seq!r}, beyond {limits.trace_reports}"
    elif seq in heard.get(entry.peer, ()):
        return [Duplicate(pid, sender)]
    elif entry.peer not in heard and len(heard) >= limits.trace_peers:
        why = f"particle {pid} brought trace reports from {len(heard)} peers already"
    elif (stranger := uninvited_beside(incoming, envelope.init_peer_id, rec.invited, rec.data)) is not None:
        return [Dropped(pid, Verdict.UNINVITED, stranger, sender)]
    else:
        try:
            sealer.check(envelope, incoming, rec.data, rec.digests)  # sealed by the peer it names
            _, records, dropped = decode_report(entry.value, limits.trace_records)
        except SealError as exc:
            return [Dropped(pid, Verdict.UNSEALED, str(exc), sender)]
        except TraceError as exc:
            return [Dropped(pid, Verdict.MALFORMED, str(exc), sender)]
        heard.setdefault(entry.peer, set()).add(seq)
        return [Traced(pid, entry.peer, records, dropped)]
    return [Dropped(pid, Verdict.BAD_REPORT, why, sender)]

"""A particle's trace: what each peer did with it, recorded by that peer, assembled at its init peer (pure).

`edge-agent run --trace` asks every peer the particle reaches for a timeline: when the
particle arrived and from whom, the calls made (service, function, duration, ret_code),
the peers it was sent to, the sends that failed, and where the script failed.

- *The request* is part of the script, so the init peer's signature covers it: `request`
  appends the comment line `TRACE_MARK`, which AIR ignores (a peer that predates tracing runs
  the script unchanged and simply sends no trace). No forwarding peer can add or remove it.
- *Who records*: a peer keeps records (`PeerTrace`) only for a particle whose init peer it
  trusts (`edge_agent.core`); a stranger's request costs it nothing but the check. Records
  and reports per particle are bounded (`CoreLimits.trace_records`, `trace_reports`).
- *The way back*: a peer reports its new records when it has no call pending for the
  particle, as a copy of the particle sent to the init peer whose data is one entry under
  `TRACE_KEY`, sealed by the producing peer like a failure report; the init peer takes it
  only for a particle it asked to trace, checks the seal and never merges or runs it.
- *The timeline*: the init peer joins the reports into visits (`Timeline`): each arrival
  at a peer is nested under the send that caused it, so the tree follows the particle.

Times are each peer's wall clock in ms (simulated time in `edge_agent.sim`); a timeline
shows them relative to the particle's timestamp, so clocks out of step show as such.
Nothing here does I/O.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from edge_agent.errors import RemoteError

__all__ = [
    "TRACE_KEY",
    "TRACE_MARK",
    "PeerTrace",
    "Record",
    "Step",
    "Timeline",
    "TraceError",
    "Visit",
    "decode_report",
    "encode_report",
    "request",
    "requested",
]

TRACE_MARK = "\n;; edge-agent: trace\n"
"""Appended to a script to ask each peer for a trace (an AIR comment: the script is unchanged)."""

TRACE_KEY = "!trace"
"""The key of a trace report's one entry: no instruction instance has it (theirs are digits)."""

REPORT_VERSION = 1
TEXT_MAX_CHARS = 200
"""Each text of a record (a peer, a name, a reason, a message) is cut to this many characters."""


class TraceError(RemoteError):
    """A trace report that is not well formed."""


class Step(enum.IntEnum):
    """What a record says happened; the values are the wire codes."""

    ARRIVED = 0
    """A copy arrived from `peer` ("" when the particle started here)."""
    CALL = 1
    """A call of `service`.`function` started at `at_ms`, took `ms` and returned `code`."""
    SENT = 2
    """A copy was sent to `peer`."""
    UNREACHABLE = 3
    """A copy could not reach `peer` before its give-up time: `text` says why."""
    FAILED = 4
    """The script failed here with error `code`: `text` is the message, `function` the instruction."""
    RETRIED = 5
    """The copy for `peer` took `code` tries: `text` says why the one before the last failed
    (a timeline folds it into its SENT record)."""


@dataclass(frozen=True, slots=True)
class Record:
    """One thing a peer did with a particle, at `at_ms` on its clock."""

    step: Step
    at_ms: int
    peer: str = ""
    service: str = ""
    function: str = ""
    ms: int = 0
    code: int = 0
    text: str = ""

    def to_json(self, started_ms: int) -> dict[str, Any]:
        """The record as `--json` shows it: `t_ms` after `started_ms`, and only the fields
        its step uses."""
        out: dict[str, Any] = {"step": self.step.name.lower(), "t_ms": self.at_ms - started_ms}
        if self.step is Step.CALL:
            out.update(service=self.service, function=self.function, ms=self.ms, ret_code=self.code)
        elif self.step is Step.FAILED:
            out.update(ret_code=self.code, message=self.text, instruction=self.function)
        else:
            out["peer"] = self.peer
            if self.step is Step.UNREACHABLE:
                out["reason"] = self.text
            elif self.code > 1:  # SENT (or RETRIED), after more than one try
                out.update(tries=self.code, why_retried=self.text)
        return out


_DEFAULTS = ("", "", "", 0, 0, "")
_TYPES = (str, str, str, int, int, str)


def request(script: str) -> str:
    """`script` with the trace request appended (once)."""
    return script if requested(script) else script + TRACE_MARK


def requested(script: str) -> bool:
    """Whether `script` asks for a trace (one `endswith`, asked once per particle new at a peer)."""
    return script.endswith(TRACE_MARK)


def _clip(text: str) -> str:
    return text if len(text) <= TEXT_MAX_CHARS else text[: TEXT_MAX_CHARS - 3] + "..."


@dataclass(slots=True)
class PeerTrace:
    """This peer's records of one particle, and what it reported of them so far.

    At most `max_records` records are kept (more are counted in `dropped`), and they are
    reported in at most `max_reports` reports: the last one that may be sent takes all
    that is left, and nothing is recorded after it.
    """

    max_records: int
    max_reports: int
    records: list[Record] = field(default_factory=list)
    reported: int = 0
    """How many of `records` went out in reports."""
    reports: int = 0
    dropped: int = 0
    calls: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    """Calls under way: key -> (started at ms, service, function)."""
    heard: dict[str, set[int]] = field(default_factory=dict)
    """At the init peer: the report numbers taken from each peer."""

    def add(self, record: Record) -> None:
        if self.reports >= self.max_reports:
            return
        if len(self.records) >= self.max_records:
            self.dropped += 1
        else:
            self.records.append(record)

    def arrived(self, now_ms: int, sender: str | None) -> None:
        self.add(Record(Step.ARRIVED, now_ms, _clip(sender or "")))

    def called(self, now_ms: int, key: str, service: str, function: str) -> None:
        if len(self.calls) < self.max_records:
            self.calls[key] = (now_ms, _clip(service), _clip(function))

    def returned(self, now_ms: int, key: str, ret_code: int) -> None:
        started = self.calls.pop(key, None)
        if started is not None:
            at, service, function = started
            self.add(Record(Step.CALL, at, "", service, function, now_ms - at, ret_code))

    def retried(self, now_ms: int, target: str, tries: int, reason: str) -> None:
        self.add(Record(Step.RETRIED, now_ms, _clip(target), code=tries, text=_clip(reason)))

    def sent(self, now_ms: int, target: str) -> None:
        self.add(Record(Step.SENT, now_ms, _clip(target)))

    def unreachable(self, now_ms: int, target: str, reason: str) -> None:
        self.add(Record(Step.UNREACHABLE, now_ms, _clip(target), text=_clip(reason)))

    def failed(self, now_ms: int, code: int, message: str, instruction: str) -> None:
        self.add(Record(Step.FAILED, now_ms, function=_clip(instruction), code=code, text=_clip(message)))

    def stop(self) -> None:
        """Record and report nothing more (the init peer cannot be reached)."""
        self.reports = self.max_reports

    def take(self) -> tuple[int, tuple[Record, ...], int] | None:
        """(report number, the records not reported yet, how many were dropped) for the
        next report, or None if there is nothing new or no report left."""
        if self.reports >= self.max_reports or (self.reported == len(self.records) and not self.dropped):
            return None
        new = tuple(self.records[self.reported:])
        self.reported = len(self.records)
        self.reports += 1
        dropped, self.dropped = self.dropped, 0
        return self.reports - 1, new, dropped


# --- wire form --------------------------------------------------------------------------


def encode_report(seq: int, records: Sequence[Record], dropped: int) -> list[Any]:
    """The value of a trace report's entry: [version, report number, [rows], dropped]; a row
    is [step, at_ms, peer, service, function, ms, code, text] without its trailing defaults."""
    rows = []
    for r in records:
        row: list[Any] = [int(r.step), r.at_ms, r.peer, r.service, r.function, r.ms, r.code, r.text]
        while len(row) > 2 and row[-1] == _DEFAULTS[len(row) - 3]:
            row.pop()
        rows.append(row)
    return [REPORT_VERSION, seq, rows, dropped]


def decode_report(value: Any, max_records: int) -> tuple[int, tuple[Record, ...], int]:
    """(report number, records, dropped) from a trace report's entry; `TraceError` if it is
    not one or holds more than `max_records` records."""
    if not (type(value) is list and len(value) == 4 and value[0] == REPORT_VERSION):
        raise TraceError("a trace report is [1, number, [records], dropped]")
    _, seq, rows, dropped = value
    if type(seq) is not int or type(dropped) is not int or seq < 0 or dropped < 0 or type(rows) is not list:
        raise TraceError("a trace report's number, records or dropped count is malformed")
    if len(rows) > max_records:
        raise TraceError(f"a trace report holds {len(rows)} records, more than {max_records}")
    return seq, tuple(_record(row) for row in rows), dropped


def _record(row: Any) -> Record:
    if type(row) is not list or not 2 <= len(row) <= 2 + len(_DEFAULTS):
        raise TraceError("a trace record is [step, at_ms, ...] of at most 8 items")
    step, at = row[0], row[1]
    if type(step) is not int or step not in Step._value2member_map_ or type(at) is not int:
        raise TraceError(f"a trace record has an unknown step or a bad time: {row[:2]!r}")
    rest = [*row[2:], *_DEFAULTS[len(row) - 2:]]
    for value, kind in zip(rest, _TYPES, strict=True):
        if type(value) is not kind or (isinstance(value, str) and len(value) > TEXT_MAX_CHARS):
            raise TraceError("a trace record's field has the wrong type or is too long")
    peer, service, function, ms, code, text = rest
    return Record(Step(step), at, peer, service, function, ms, code, text)


# --- the timeline -----------------------------------------------------------------------


@dataclass(slots=True)
class Visit:
    """The particle at one peer, from a copy's arrival (or its start) to the next arrival there."""

    peer: str
    arrived: Record
    records: list[Record] = field(default_factory=list)
    """What happened there after the arrival, in time order (calls by their start)."""
    next: dict[int, Visit] = field(default_factory=dict)
    """The visit each SENT record (by its index in `records`) led to, where it is known."""


@dataclass(slots=True)
class Timeline:
    """The particle's path: the reports joined into visits, each under the send that caused it."""

    particle_id: str
    init_peer: str
    started_ms: int
    roots: list[Visit] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)
    """Peers that recorded more than they could report, and how many records were lost."""

    @classmethod
    def build(
        cls,
        particle_id: str,
        init_peer: str,
        started_ms: int,
        reports: Iterable[tuple[str, Sequence[Record], int]],
    ) -> Timeline:
        """The timeline of `reports`, each (peer, records, dropped), in the order they came."""
        timeline = cls(particle_id, init_peer, started_ms)
        visits: dict[str, list[Visit]] = {}
        for peer, records, dropped in reports:
            if dropped:
                timeline.dropped[peer] = timeline.dropped.get(peer, 0) + dropped
            for record in records:
                at_peer = visits.setdefault(peer, [])
                if record.step is Step.ARRIVED or not at_peer:
                    at_peer.append(Visit(peer, record))
                if record.step is not Step.ARRIVED:
                    at_peer[-1].records.append(record)
        for at_peer in visits.values():
            for visit in at_peer:
                visit.records.sort(key=lambda r: r.at_ms)  # stable: a send stays after its calls
                _fold_retries(visit)
        timeline.roots = _link(visits)
        return timeline

    def unmatched_sends(self) -> list[str]:
        """Peers a copy was sent to whose arrival is not in the timeline (yet)."""
        return [
            r.peer
            for visit in self.visits()
            for i, r in enumerate(visit.records)
            if r.step is Step.SENT and i not in visit.next
        ]

    def visits(self) -> list[Visit]:
        """Every visit, depth first in tree order."""
        out: list[Visit] = []
        todo = list(reversed(self.roots))
        while todo:
            visit = todo.pop()
            out.append(visit)
            todo.extend(reversed([visit.next[i] for i in sorted(visit.next)]))
        return out

    def to_json(self) -> dict[str, Any]:
        """The tree as one JSON document (`run --trace --json`)."""
        return {
            "particle_id": self.particle_id,
            "init_peer": self.init_peer,
            "started_ms": self.started_ms,
            "visits": [_visit_json(v, self.started_ms) for v in self.roots],
            "dropped": dict(self.dropped),
        }


def _fold_retries(visit: Visit) -> None:
    """Each RETRIED record into the latest SENT to its peer before it, as that send's tries."""
    kept: list[Record] = []
    for record in visit.records:
        if record.step is Step.RETRIED:
            for i in range(len(kept) - 1, -1, -1):
                sent = kept[i]
                if sent.step is Step.SENT and sent.peer == record.peer and sent.code == 0:
                    kept[i] = Record(Step.SENT, sent.at_ms, sent.peer, code=record.code, text=record.text)
                    break
            else:
                kept.append(record)  # its send is not known: shown on its own
            continue
        kept.append(record)
    visit.records = kept


def _link(visits: dict[str, list[Visit]]) -> list[Visit]:
    """Nest each visit under the send that caused it: the k-th copy `peer` sent to `target`
    is the k-th copy `target` saw arrive from `peer` (clocks need not agree). Visits no
    known send led to (the start, or a sender that sent no report) are roots."""
    arrivals: dict[tuple[str, str], list[Visit]] = {}
    for target, at_target in visits.items():
        for visit in at_target:
            arrivals.setdefault((visit.arrived.peer, target), []).append(visit)
    linked: set[int] = set()
    for sender, at_sender in visits.items():
        counts: dict[str, int] = {}
        for visit in at_sender:
            for i, record in enumerate(visit.records):
                if record.step is not Step.SENT:
                    continue
                k = counts.get(record.peer, 0)
                counts[record.peer] = k + 1
                candidates = arrivals.get((sender, record.peer), [])
                if k < len(candidates) and candidates[k] is not visit:
                    visit.next[i] = candidates[k]
                    linked.add(id(candidates[k]))
    every = [v for at_peer in visits.values() for v in at_peer]
    roots = [v for v in every if id(v) not in linked]
    # Honest reports cannot make a cycle (a copy arrives after it was sent); reports that
    # do are cut open, so that every visit is shown once.
    seen = _reached(roots)
    for visit in every:
        if id(visit) not in seen:
            for parent in every:
                for i in [i for i, child in parent.next.items() if child is visit]:
                    del parent.next[i]
            roots.append(visit)
            seen |= _reached([visit])
    return sorted(roots, key=lambda v: (v.arrived.peer != "", v.arrived.at_ms))


def _reached(roots: list[Visit]) -> set[int]:
    seen: set[int] = set()
    todo = list(roots)
    while todo:
        visit = todo.pop()
        if id(visit) not in seen:
            seen.add(id(visit))
            todo.extend(visit.next.values())
    return seen


def _visit_json(visit: Visit, started_ms: int) -> dict[str, Any]:
    steps = []
    for i, record in enumerate(visit.records):
        item = record.to_json(started_ms)
        if i in visit.next:
            item["visit"] = _visit_json(visit.next[i], started_ms)
        steps.append(item)
    return {
        "peer": visit.peer,
        "t_ms": visit.arrived.at_ms - started_ms,
        "from": visit.arrived.peer or None,
        "steps": steps,
    }

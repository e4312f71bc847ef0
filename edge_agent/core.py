"""The particle core: every rule about particles in one place, without I/O (the h11 shape).

Events go in -- a copy arrived, call results came back, a copy could not be sent, time
passed -- and actions come out: make these calls, send this copy, drop with a reason, the
script failed, a particle was forgotten. The networked node drives it over CoAP and the
simulator over an in-memory queue; neither holds particle rules of its own, so the two
behave alike (unreachable peers, limits, eviction, forgeries) by construction.

For a copy, the checks run cheapest first, and nothing a stranger sends is kept or run
before it is bounded: replay table, id conflict, the sender's share of the room, the init
peer's signature (once per particle), the data's size in decoded terms, who wrote what
(`core_copies`: the invitations, then the producers' seals), then the run (bounded in
instructions per run and per particle).

One record per particle holds all the core knows of it; one table of finished ids (until
their deadline) stops replays and can never be flushed: when it is full of unexpired ids,
new particles are refused rather than old ids forgotten. Strangers (init peers that the
host does not trust) may fill at most a share of each table, and their idle particles are
given up soon, so they can slow nobody's trusted work down to a halt.

A run that ends with an uncaught error stops the particle on that peer (AquaVM's rule),
and the peer tells the init peer, once per particle: a *failure report* is a copy of the
particle whose data is one entry of kind `FAILURE` that the failing peer produced and sealed
(`air.data`). Only its init peer takes it, checks its seal, and never merges or runs it: the
report ends the init peer's wait (`FailureReported`) without changing what the script
computes. A report is made only by a run, and a report is never run, so none can loop.

The events, actions, verdicts and limits are values of their own (`core_events`).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from edge_agent import const, core_failures, core_trace
from edge_agent.air import data as air_data
from edge_agent.air.calls import RET_UNREACHABLE, CallRequest
from edge_agent.air.context import RunParams
from edge_agent.air.data import FAILURE_KEY, FAILURE_TEXT_MAX_CHARS, Data, Entry, Kind, entry_weight
from edge_agent.air.errors import FORGED_RESULT, REFUSED_COPY_CODES, STEP_LIMIT, DataError, ParseError
from edge_agent.air.interpreter import Script, compile_script, run
from edge_agent.core_copies import CopyChecks
from edge_agent.core_events import (
    Action,
    Arrived,
    CallsDone,
    CallServices,
    CoreLimits,
    Dropped,
    Duplicate,
    Envelope,
    Event,
    FailureReported,
    Forgotten,
    Retried,
    ScriptFailed,
    SendCopy,
    SendFailed,
    Tick,
    Traced,
    Verdict,
)
from edge_agent.core_record import Record, idle_stranger
from edge_agent.core_replay import ReplayTable
from edge_agent.ratelimit import KeyedBuckets, Rate
from edge_agent.seals import Sealer
from edge_agent.trace import TRACE_KEY

__all__ = [  # the events, actions and limits are defined in core_events, and exported here too
    "Action",
    "Arrived",
    "CallServices",
    "CallsDone",
    "CoreLimits",
    "Dropped",
    "Duplicate",
    "Envelope",
    "Event",
    "FailureReported",
    "Forgotten",
    "ParticleCore",
    "Retried",
    "ScriptFailed",
    "SendCopy",
    "SendFailed",
    "Tick",
    "Traced",
    "Verdict",
]


class ParticleCore:
    """All particles of one peer. Not thread-safe; one owner calls `handle`.

    `sealer` signs this peer's results and checks others'; `verify_particle(envelope)`
    checks an init peer's signature; `trusted(peer_id)` says whose particles come first;
    `clock` measures run time (seconds) for the figures in `stats`.
    """

    def __init__(
        self,
        peer_id: str,
        sealer: Sealer,
        verify_particle: Callable[[Any], bool],
        *,
        limits: CoreLimits | None = None,
        trusted: Callable[[str], bool] | None = None,
        clock: Callable[[], float] = time.perf_counter,
        incremental: bool = True,
    ) -> None:
        self.peer_id = peer_id
        self.incremental = incremental  # runs resume (air/resume.py); False: the full replay
        self.sealer = sealer
        self.verify_particle = verify_particle
        self.limits = limits or CoreLimits.from_const()
        self.trusted = trusted or (lambda peer_id: False)
        self.clock = clock
        self._records: OrderedDict[str, Record] = OrderedDict()  # least recently active first
        self._finished = ReplayTable()
        self._held = 0
        self._strangers = 0  # records of untrusted init peers
        self._strangers_held = 0  # and the weight of their data
        self._forgotten: list[Action] = []  # what `_finish` let go of during this event
        self.runs = 0
        self.run_steps = 0
        self.run_seconds = 0.0

    @property
    def limits(self) -> CoreLimits:
        return self._limits

    @limits.setter
    def limits(self, limits: CoreLimits) -> None:  # a bucket per init peer not trusted, one of seals
        self._limits = limits
        rate = Rate(limits.new_per_s, limits.new_burst)
        self._buckets = KeyedBuckets(rate, const.NODE_MAX_RATE_TRACKED_PEERS)
        self._copies = CopyChecks(self.peer_id, self.sealer, limits)

    # --- queries ------------------------------------------------------------------------

    def __contains__(self, particle_id: str) -> bool:
        return particle_id in self._records

    def __len__(self) -> int:
        return len(self._records)

    @property
    def held_bytes(self) -> int:
        return self._held

    @property
    def finished_ids(self) -> int:
        return len(self._finished)

    def particle_ids(self) -> list[str]:
        return list(self._records)

    def envelope(self, particle_id: str) -> Envelope:
        return self._records[particle_id].envelope

    def data(self, particle_id: str) -> Data:
        return self._records[particle_id].data

    def pending(self, particle_id: str) -> frozenset[str]:
        return frozenset(self._records[particle_id].pending)

    def refuse_early(self, envelope: Envelope) -> Verdict | None:
        """The verdicts that need no decoding, for a transport that answers before `handle`.
        A stranger's finished id stops no trusted peer's particle (ids cross the LAN in the
        clear: a stranger who starts one with it first must not get the real one refused)."""
        if self._finished.stops(envelope.id, self.trusted(envelope.init_peer_id)):
            return Verdict.REPLAY
        if envelope.id not in self._records and envelope.init_peer_id == self.peer_id:
            return Verdict.NOT_OURS
        return None

    # --- events -------------------------------------------------------------------------

    def handle(self, event: Event, now_ms: int) -> list[Action]:
        """Apply one event; returns what the driver must do, in order."""
        if isinstance(event, Arrived):
            actions = self._arrived(event, now_ms)
        elif isinstance(event, CallsDone):
            actions = self._calls_done(event, now_ms)
        elif isinstance(event, SendFailed):
            actions = self._send_failed(event, now_ms)
        elif isinstance(event, Retried):
            actions = self._retried(event, now_ms)
        else:
            actions = self._tick(now_ms)
        if self._forgotten:
            actions.extend(self._forgotten)
            self._forgotten = []
        return actions

    def _arrived(self, ev: Arrived, now_ms: int) -> list[Action]:
        p = ev.envelope
        rec = self._records.get(p.id)
        verdict = self.refuse_early(p) if not ev.local else None
        if verdict is None and rec is not None and not _same_particle(rec.envelope, p):
            if not rec.trusted and self.trusted(p.init_peer_id) and self.verify_particle(p):
                self._finish(p.id, "a trusted peer's particle has its id")  # the stranger's gives way
                evicted, self._forgotten = self._forgotten, []
                return evicted + self._arrived(ev, now_ms)
            verdict = Verdict.ID_CONFLICT
        if verdict is not None:
            return [Dropped(p.id, verdict, _DETAILS[verdict].format(id=p.id), ev.sender)]
        trusted = ev.local or self.trusted(p.init_peer_id)
        if rec is None:
            refused = self._admit(p, trusted, ev.local or _proven_by(ev, p.init_peer_id), now_ms)
            if refused is not None:
                return [Dropped(p.id, refused[0], refused[1], ev.sender)]
        items = const.MAX_DATA_ITEMS if trusted else self.limits.stranger_data_items
        try:
            incoming = air_data.decode(p.data, max_bytes=const.MAX_DATA_BYTES, max_items=items)
        except DataError as exc:
            return [Dropped(p.id, Verdict.MALFORMED, str(exc), ev.sender)]
        if FAILURE_KEY in incoming.entries or TRACE_KEY in incoming.entries:
            return self._report_arrived(rec, p, incoming, ev.sender)
        if rec is not None and rec.data.covers(incoming):
            return [Duplicate(p.id, ev.sender)]
        unentitled = self._copies.refusal(rec, incoming, ev, trusted, self.trusted, now_ms)  # before it
        if unentitled is not None:  # may make room: a copy that is refused evicts nothing
            return [unentitled]
        if rec is None and not self._make_room(0, trusted, keep=None, new=True):
            detail = f"{len(self._records)} particles are in progress here"
            return [Dropped(p.id, Verdict.OVERLOADED, detail, ev.sender)]
        if rec is None:
            grows = len(p.data) + incoming.items * const.DATA_ITEM_WEIGHT_BYTES
        else:  # what it adds to the data held: a later copy mostly repeats what came before
            held = rec.data.entries
            grows = sum(entry_weight(e) for k, e in incoming.entries.items() if k not in held)
        if grows > 0 and not self._make_room(grows, trusted, keep=p.id):
            return [Dropped(p.id, Verdict.OVERLOADED, self._full_detail(), ev.sender)]
        created = rec is None
        if rec is None:
            rec = self._records[p.id] = self._new_record(p, trusted, ev.local)
            self._strangers += not trusted
        self._weigh(rec, grows)
        actions = self._run(rec, incoming, now_ms, arrived=ev)
        if created and actions and isinstance(actions[0], Dropped) and p.id in self._records:
            self._release(p.id)  # a refused first copy leaves no trace: the real one may follow
        return actions

    def _report_arrived(
        self, rec: Record | None, p: Envelope, incoming: Data, sender: str | None
    ) -> list[Action]:
        """A failure report (`core_failures.take`) or a trace report (`core_trace.take`):
        never merged or run."""
        if FAILURE_KEY in incoming.entries:
            return core_failures.take(rec, p, incoming, self.peer_id, self.limits, self.sealer, sender)
        return core_trace.take(rec, p, incoming, self.peer_id, self.limits, self.sealer, sender)

    def _calls_done(self, ev: CallsDone, now_ms: int) -> list[Action]:
        rec = self._records.get(ev.particle_id)
        if rec is None:
            return []  # forgotten while its calls ran
        for key, result in ev.results.items():
            rec.pending.discard(key)
            rec.results[key] = result
            if rec.trace is not None:
                rec.trace.returned(now_ms, key, result.ret_code)
        return self._run(rec, Data(), now_ms)

    def _send_failed(self, ev: SendFailed, now_ms: int) -> list[Action]:
        """The calls meant for `target` fail with error 14, recorded (and sealed) by us."""
        rec = self._records.get(ev.particle_id)
        if rec is None or not ev.call_keys:
            return []
        message = f"peer {ev.target} is unreachable: {ev.reason}"
        if ev.target == rec.envelope.init_peer_id:
            rec.reported = True  # a failure this causes is not reported to the peer just found gone
        for key in ev.call_keys:
            if key not in rec.data.entries:
                rec.data.entries[key] = Entry(Kind.CALL_FAILED, [RET_UNREACHABLE, message], self.peer_id)
        if rec.trace is not None:
            rec.trace.unreachable(now_ms, ev.target, ev.reason)
            if ev.target == rec.envelope.init_peer_id:
                rec.trace.stop()  # a report would go where the copy could not
        return self._run(rec, Data(), now_ms)

    def _retried(self, ev: Retried, now_ms: int) -> list[Action]:
        """A copy needed more than one try: news for a trace only."""
        rec = self._records.get(ev.particle_id)
        if rec is None or rec.trace is None:
            return []
        rec.trace.retried(now_ms, ev.target, ev.tries, ev.reason)
        return [] if rec.pending else self._trace_report(rec, now_ms)

    def _tick(self, now_ms: int) -> list[Action]:
        for pid, rec in list(self._records.items()):
            if rec.deadline_ms <= now_ms:
                self._finish(pid, "expired")
            elif idle_stranger(rec, now_ms, self.limits.stranger_idle_ms):
                self._finish(pid, "a stranger's particle left idle")
        self._finished.forget_expired(now_ms)
        self._buckets.forget_full(now_ms / 1000)
        return []

    # --- admission ----------------------------------------------------------------------

    def _admit(self, p: Envelope, trusted: bool, signed: bool, now_ms: int) -> tuple[Verdict, str] | None:
        """Rate, replay-table room and signature for a particle new here, or why not.
        `signed`: started here, or sent by its init peer as a hop tag proved."""
        if not trusted and not self._buckets.take(p.init_peer_id, now_ms / 1000):
            return Verdict.RATE_LIMITED, f"{p.init_peer_id} starts particles faster than it may"
        limits = self.limits
        if not self._finished.has_room(trusted, limits.max_finished, limits.stranger_share, now_ms):
            return Verdict.OVERLOADED, f"{len(self._finished)} finished particle ids are remembered here"
        # The signature before making room: one that claims a trusted init peer's id may
        # give up others' idle particles only once it proves to be that peer's.
        if not signed and not self.verify_particle(p):
            return Verdict.BAD_SIGNATURE, (
                f"particle {p.id}: signature does not match init peer {p.init_peer_id} "
                "(forged, or the script/id/timestamp/ttl was changed on the way)"
            )
        return None  # room is made once its data proved sealed (`_arrived`)

    def _full(self, more: int, trusted: bool, new: bool) -> bool:
        limits = self.limits
        count = len(self._records) + (1 if new else 0)
        if count > limits.max_particles or self._held + more > limits.max_held_bytes:
            return True
        if trusted:
            return False
        share = limits.stranger_share
        return (
            self._strangers + (1 if new else 0) > limits.max_particles * share
            or self._strangers_held + more > limits.max_held_bytes * share
        )

    def _make_room(self, more: int, trusted: bool, keep: str | None, new: bool = False) -> bool:
        """Room for `more` bytes (and a new particle if `new`): give up idle particles, the
        least recently active strangers' first. False when every one is busy."""
        while self._full(more, trusted, new):
            if len(self._finished) >= self.limits.max_finished:
                return False  # a victim's id could not be kept against replays
            victim = self._victim(keep, trusted)
            if victim is None:
                return False
            self._finish(victim, "evicted to make room")
        return True

    def _victim(self, keep: str | None, trusted: bool) -> str | None:
        """The idle particle to give up first: the least recently active stranger's, else
        (for a trusted newcomer only) the least recently active one. The records are kept
        in that order, so the search usually stops at the first few."""
        if not trusted:
            passes: tuple[bool, ...] = (True,)  # a stranger never pushes out a trusted peer's particle
        else:
            passes = (True, False) if self._strangers else (False,)
        for strangers_only in passes:
            for pid, rec in self._records.items():
                if pid != keep and not rec.pending and not (strangers_only and rec.trusted):
                    return pid
        return None

    # --- running ------------------------------------------------------------------------

    def _new_record(self, p: Envelope, trusted: bool, local: bool) -> Record:
        try:
            script: Script | None = compile_script(p.script)
        except ParseError:
            script = None  # run() reports the parse error as a failed run
        per_run = self.limits.run_steps if trusted else self.limits.stranger_run_steps
        params = RunParams(p.init_peer_id, self.peer_id, p.timestamp_ms, p.ttl_ms, p.id, max_steps=per_run)
        return Record(p, script, params, trusted, local, trace=core_trace.start(p, trusted, self.limits))

    def _run(self, rec: Record, incoming: Data, now_ms: int, arrived: Arrived | None = None) -> list[Action]:
        if rec.trace is not None and arrived is not None:
            rec.trace.arrived(now_ms, arrived.sender)
        actions = self._run_once(rec, incoming, now_ms)
        if rec.trace is not None and not rec.pending:  # its new records, once its calls are done
            actions += self._trace_report(rec, now_ms)
        return actions

    def _trace_report(self, rec: Record, now_ms: int) -> list[Action]:
        assert rec.trace is not None
        give_up = self._send_times(rec, now_ms)[0]
        return core_trace.report(rec.trace, rec.envelope, rec.data, self.peer_id, self.sealer, give_up)

    def _run_once(self, rec: Record, incoming: Data, now_ms: int) -> list[Action]:
        pid = rec.envelope.id
        limits = self.limits
        budget = limits.particle_steps if rec.trusted else limits.stranger_particle_steps
        per_run = limits.run_steps if rec.trusted else limits.stranger_run_steps
        left = budget - rec.steps
        if left <= 0:
            return self._over_budget(pid, budget)
        params, steps = rec.params, min(per_run, left)  # `params` has a run's share, unless less is left
        limited = params if params.max_steps == steps else RunParams(
            params.init_peer_id, params.current_peer_id, params.timestamp, params.ttl, pid, max_steps=steps
        )
        results, rec.results = rec.results, {}  # each result is handed over once, as AquaVM expects
        started = self.clock()
        resume, rec.resume = rec.resume, None  # used up, even by a run that fails
        result = run(rec.script or rec.envelope.script, rec.data, incoming, limited, results,
                     incremental=self.incremental, resume=resume)
        spent = self.clock() - started
        rec.steps += result.steps
        rec.cpu_s += spent
        self.runs += 1
        self.run_steps += result.steps
        self.run_seconds += spent
        rec.last_active_ms = now_ms
        self._records.move_to_end(pid)
        if result.ret_code in REFUSED_COPY_CODES:
            rec.results.update(results)  # the copy is refused, not the results
            self._weigh_resume(rec)  # (used up)
            return [Dropped(pid, _REFUSED.get(result.ret_code, Verdict.MALFORMED), result.error_message)]
        rec.data = result.data
        if result.weight and self._full(result.weight, rec.trusted, new=False):
            self._weigh_resume(rec)  # (used up: its room goes to the data first)
            if not self._make_room(result.weight, rec.trusted, keep=pid):
                # What its runs recorded (canons, results, errors) outgrew the room: no more.
                self._finish(pid, "its data outgrew the room here")
                return [Dropped(pid, Verdict.OVERLOADED, self._full_detail())]
        self._weigh(rec, result.weight)
        rec.resume = result.resume
        self._weigh_resume(rec)
        if result.ret_code == STEP_LIMIT and rec.steps >= budget:
            return self._over_budget(pid, budget)
        if not result.ok:
            return self._failed(rec, result.ret_code, result.error_message, result.instruction, now_ms)
        return self._outcome(rec, result.next_peers, result.forwarded, result.call_requests, now_ms)

    def _outcome(
        self,
        rec: Record,
        next_peers: list[str],
        forwarded: Mapping[str, list[str]],
        requests: list[CallRequest],
        now_ms: int,
    ) -> list[Action]:
        pid = rec.envelope.id
        actions: list[Action] = []
        if next_peers:
            self.sealer.seal(rec.envelope, rec.data, rec.digests)
            try:
                raw = air_data.encode(rec.data)
            except DataError as exc:
                return self._failed(rec, exc.ret_code, str(exc), "", now_ms)
            copy = rec.envelope.with_data(raw)
            times = self._send_times(rec, now_ms)
            for target in next_peers:
                keys = tuple(forwarded.get(target, ()))
                rec.forwarded.update(keys)
                actions.append(SendCopy(pid, target, copy, keys, *times))
                if rec.trace is not None:
                    rec.trace.sent(now_ms, target)
        calls = tuple(r for r in requests if r.key not in rec.pending)
        if calls:
            rec.pending.update(r.key for r in calls)
            if rec.trace is not None:
                for r in calls:
                    rec.trace.called(now_ms, r.key, r.service, r.function)
            actions.append(CallServices(pid, rec.envelope.init_peer_id, calls))
        return actions

    def _failed(self, rec: Record, code: int, message: str, instruction: str, now_ms: int) -> list[Action]:
        """The run failed here: say so, and the first time, send the init peer (if it is
        another peer) a failure report, sealed by us, in a copy of its own."""
        pid = rec.envelope.id
        failed: list[Action] = [ScriptFailed(pid, code, message, instruction)]
        if rec.trace is not None:
            rec.trace.failed(now_ms, code, message, instruction)
        init = rec.envelope.init_peer_id
        if rec.reported or init == self.peer_id:
            return failed
        rec.reported = True
        cut = FAILURE_TEXT_MAX_CHARS
        text = message if len(message) <= cut else message[: cut - 3] + "..."
        entry = Entry(Kind.FAILURE, [code, text, instruction[:cut]], self.peer_id)
        report = core_failures.sealed_report(rec.envelope, FAILURE_KEY, entry, rec.data, self.sealer)
        copy = rec.envelope.with_data(report)  # with its writer's invitation, if it fits
        return [*failed, SendCopy(pid, init, copy, (), *self._send_times(rec, now_ms))]

    def _send_times(self, rec: Record, now_ms: int) -> tuple[int, int]:
        """When to stop trying a next peer that shows no sign of life (at most
        `delivery_timeout_ms` from now), and the latest, for one that answers our other
        requests meanwhile: before the deadline, keeping a reserve for the error's way back (a
        copy made within the reserve, that error on its way or a late hop, may use it all)."""
        deadline = rec.deadline_ms
        reserve = min(rec.envelope.ttl_ms // 5, self.limits.error_reserve_ms)
        last = deadline - reserve if now_ms < deadline - reserve else deadline
        return min(last, now_ms + self.limits.delivery_timeout_ms), last

    def _weigh(self, rec: Record, more: int) -> None:
        """Count `more` bytes of data held for `rec` (room was made for them)."""
        if more > 0:
            self._held += more
            self._strangers_held += 0 if rec.trusted else more
            rec.weight += more

    def _full_detail(self) -> str:
        return f"{len(self._records)} particles hold {self._held} bytes of data here"

    def _weigh_resume(self, rec: Record) -> None:
        """The resume point counts in the particle's weight (it holds copies of interpreter
        state); without room for it, it goes: a cache, the next run replays instead."""
        weight = rec.resume.items * const.DATA_ITEM_WEIGHT_BYTES if rec.resume is not None else 0
        grows = weight - rec.resume_weight
        if grows > 0 and self._full(grows, rec.trusted, new=False):
            rec.resume, weight, grows = None, 0, -rec.resume_weight
        self._held += grows
        self._strangers_held += 0 if rec.trusted else grows
        rec.resume_weight = weight

    def _over_budget(self, pid: str, budget: int) -> list[Action]:
        detail = f"particle {pid} ran more than {budget} instructions here"
        self._finish(pid, "over its budget")
        return [Dropped(pid, Verdict.OVER_BUDGET, detail)]

    # --- forgetting ---------------------------------------------------------------------

    def _finish(self, pid: str, why: str) -> None:
        """Forget a particle (the driver hears of it after the event's other actions); its id
        stays in the replay table until its deadline."""
        rec = self._records[pid]
        self._release(pid)
        self._finished.add(pid, rec.trusted, rec.deadline_ms + self.limits.clock_skew_ms)
        self._forgotten.append(Forgotten(pid, why))

    def _release(self, pid: str) -> None:
        rec = self._records.pop(pid)
        weight = rec.weight + rec.resume_weight
        self._held -= weight
        self._strangers -= not rec.trusted
        self._strangers_held -= 0 if rec.trusted else weight


_REFUSED = {2: Verdict.MALFORMED, 3: Verdict.DATA_CONFLICT, FORGED_RESULT: Verdict.FORGED}

_DETAILS = {
    Verdict.REPLAY: "particle {id} already finished here",
    Verdict.NOT_OURS: "particle {id} names this peer as its init peer, but this process did not start it",
    Verdict.ID_CONFLICT: "particle {id} has the id of another particle in progress here",
}


def _proven_by(ev: Arrived, peer_id: str) -> bool:
    return ev.proven and ev.sender == peer_id


def _same_particle(a: Envelope, b: Envelope) -> bool:
    return (a.signature, a.init_peer_id, a.timestamp_ms, a.ttl_ms, a.script) == (
        b.signature, b.init_peer_id, b.timestamp_ms, b.ttl_ms, b.script)


"""The state of one interpreter run: variables, streams, errors, and what the run produced.

Everything here lives for one run and is rebuilt from the particle data on the next one:
every peer re-runs the whole script, replaying recorded results. The scoping rules port
AquaVM's (`ValuesSparseMatrix`): scalars are write-once outside folds, a fold iteration is
a scope of its own, `new` gives a fresh variable. Streams keep AquaVM's generations so that
`fold` over a stream visits values as they appear, in the same order AquaVM does.
"""

from __future__ import annotations

import hashlib
from bisect import insort
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import chain, islice
from operator import attrgetter
from typing import Any

from edge_agent import const
from edge_agent.air import ast
from edge_agent.air.calls import CallRequest, CallResult
from edge_agent.air.data import Data, Entry, Kind, entry_weight
from edge_agent.air.errors import (
    FORGED_RESULT,
    ITERABLE_SHADOWING,
    NOT_INITIALIZED_AFTER_NEW,
    SHADOWING_NOT_ALLOWED,
    STEP_LIMIT,
    STREAM_TOO_LARGE,
    VARIABLE_NOT_FOUND,
    Catchable,
    ExecutionError,
    Uncatchable,
)


class VariableNotFound(Catchable):
    """A variable that has no value *yet*: the instructions that wait for data turn it into a join."""

    def __init__(self, name: str) -> None:
        super().__init__(
            VARIABLE_NOT_FOUND, f"variable with name '{name}' wasn't defined during script execution"
        )


@dataclass(frozen=True, slots=True)
class RunParams:
    """What the host tells the interpreter about this run."""

    init_peer_id: str
    current_peer_id: str
    timestamp: int
    ttl: int
    particle_id: str = ""
    max_steps: int = const.MAX_INTERPRETER_STEPS
    """Instructions this run may execute (the host's share of the particle's budget)."""


RESUME_MIN_PREFIX_STEPS = 32
"""A run keeps (resume.py) where it first stopped only if getting there took at least this many
interpreter steps (below, replaying is as cheap as resuming); and a particle whose resumed
run did more steps than it skipped (before its point and in the summaries it applied: the
frames it went back through, the state it restored, the parts it walked again), once that is
over this many steps, stops resuming: it replays from then on."""


def no_error() -> dict[str, Any]:
    return {"error_code": 0, "message": ""}


# --- scopes -------------------------------------------------------------------------------

_NEW = object()  # the cell `new` pushes: "declared here, not set yet"
Cell = tuple[int, Any, Any]  # (depth, value, the cell below or None)


class Scopes:
    """Variables by name, with AquaVM's depth rules (a port of its ValuesSparseMatrix).

    Each name's cells form an immutable stack, (depth, value, cell below): a run only ever
    changes the top, so a copy of the table is a snapshot (resume.py)."""

    __slots__ = ("cells", "allowed", "depth", "version")

    def __init__(self) -> None:
        self.cells: dict[str, Cell] = {}  # name -> top cell
        self.allowed: set[int] = {0}
        self.depth = 0
        self.version = 0  # changes with `cells` (memo.py snapshots them only then)

    def copy(self) -> Scopes:
        out = Scopes()
        out.cells = dict(self.cells)
        out.allowed = set(self.allowed)
        out.depth = self.depth
        return out

    def set(self, name: str, value: Any) -> None:
        self.version += 1
        top = self.cells.get(name)
        if top is None:
            self.cells[name] = (self.depth, value, None)
            return
        if self.depth == 0 and top[1] is not _NEW:
            raise Uncatchable(
                SHADOWING_NOT_ALLOWED,
                f"trying to shadow variable '{name}', but shadowing is allowed only inside fold blocks",
            )
        self.cells[name] = (self.depth, value, top[2] if top[0] == self.depth else top)

    def check_settable(self, name: str, iterators: Mapping[str, Any]) -> None:
        """Raise now if setting `name` later would be an error (AquaVM's check_output_name)."""
        if name in iterators:
            raise Uncatchable(
                ITERABLE_SHADOWING,
                f"variable with name '{name}' can't be shadowed, shadowing isn't supported for iterables",
            )
        top = self.cells.get(name)
        if self.depth == 0 and top is not None and top[0] in self.allowed and top[1] is not _NEW:
            raise Uncatchable(
                SHADOWING_NOT_ALLOWED,
                f"trying to shadow variable '{name}', but shadowing is allowed only inside fold blocks",
            )

    def get(self, name: str) -> Any:
        """The value, or raise VariableNotFound / the not-set-after-new error."""
        top = self.cells.get(name)
        if top is None or top[0] not in self.allowed:
            raise VariableNotFound(name)
        value = top[1]
        if value is _NEW:
            raise Catchable(
                NOT_INITIALIZED_AFTER_NEW,
                f"variable with name '{name}' was cleared by new and then wasn't set",
            )
        return value

    def fold_start(self) -> None:
        self.depth += 1
        self.allowed.add(self.depth)

    def next_before(self) -> None:
        self.allowed.discard(self.depth)
        self.depth += 1
        self.allowed.add(self.depth)

    def next_after(self) -> None:
        self.allowed.discard(self.depth)
        self.depth -= 1
        self.allowed.add(self.depth)
        self._cleanup()

    def leave(self, levels: int) -> None:
        """`next_after` `levels` times over (the scopes of nested iterations close at once)."""
        depth = self.depth
        self.allowed.difference_update(range(depth - levels + 1, depth + 1))
        self.depth = depth = depth - levels
        self.allowed.add(depth)
        cells = self.cells
        for name, top in [(n, top) for n, top in cells.items() if top[0] > depth and top[0] != 0]:
            while top is not None and top[0] > depth and top[0] != 0:
                top = top[2]
            if top is None:
                del cells[name]
            else:
                cells[name] = top
            self.version += 1

    def fold_end(self) -> None:
        self.allowed.discard(self.depth)
        self.depth -= 1
        self._cleanup()

    def new_start(self, name: str) -> None:
        self.version += 1
        self.cells[name] = (self.depth, _NEW, self.cells.get(name))

    def new_end(self, name: str) -> None:
        top = self.cells.get(name)
        if top is not None:
            self._pop(name, top)

    def _pop(self, name: str, top: Cell) -> None:
        self.version += 1
        if top[2] is None:
            del self.cells[name]
        else:
            self.cells[name] = top[2]

    def _cleanup(self) -> None:
        depth = self.depth
        for name, top in [(n, top) for n, top in self.cells.items() if top[0] > depth and top[0] != 0]:
            self._pop(name, top)


# --- streams ------------------------------------------------------------------------------


@dataclass(slots=True)
class StreamValue:
    pos: int  # log position: orders values within one generation
    value: Any
    key: str  # the entry that produced it (fold over a stream keys iterations by it)
    entry: Entry | None = None  # set for values produced in this run


@dataclass(slots=True)
class Stream:
    """One stream instance: old generations (from data) and new ones (produced in this run)."""

    instance: str
    old: dict[int, list[StreamValue]] = field(default_factory=dict)
    new: list[list[StreamValue]] = field(default_factory=list)
    size: int = 0
    top: int = -1
    """The highest old generation (-1: none): where the values a fold has not seen begin."""
    ordered: bool = True
    """Whether `old` holds its generations in increasing order (they mostly come so): then a
    fold over it reads them as they are, unsorted."""

    def _count(self) -> None:
        self.size += 1
        if self.size > const.MAX_STREAM_VALUES:
            raise Catchable(
                STREAM_TOO_LARGE,
                f"stream {self.instance.split('@')[0]} would hold more than {const.MAX_STREAM_VALUES} values",
            )

    def add_old(self, gen: int, item: StreamValue) -> None:
        self._count()
        have = self.old.get(gen)
        if gen > self.top:
            self.top = gen
        elif have is None:
            self.ordered = False  # a generation before the last: out of order from now on
        if have is None:
            self.old[gen] = [item]
        else:  # a new list: a generation's list is never changed in place (snapshots share it)
            have = list(have)
            insort(have, item, key=lambda v: v.pos)
            self.old[gen] = have

    def add_new(self, item: StreamValue) -> None:
        self._count()
        if not self.new:
            self.new.append([])
        self.new[-1].append(item)

    def cursor(self) -> tuple[int, int]:
        return self.top + 1, len(self.new)

    def slices(self, cursor: tuple[int, int]) -> list[list[StreamValue]]:
        old_from, new_from = cursor
        if old_from > self.top:  # nothing old it has not seen (a fold's next round, mostly)
            out = []
        else:
            old = self.old  # its lists are never empty
            if old_from <= 0 and self.ordered:
                out = list(old.values())  # in C: a fold over a stream reads them all
            else:
                gens = sorted(old) if old_from <= 0 else [g for g in sorted(old) if g >= old_from]
                out = list(map(old.__getitem__, gens))
        out.extend(s for s in self.new[new_from:] if s)
        return out

    def keys(self) -> list[str]:
        """The log keys of the values, in stream order (what a canon records)."""
        return list(map(_KEY, chain.from_iterable(self.slices((0, 0)))))

    # AquaVM's RecursiveStream: a fold over a stream also visits what its body appends.
    def fold_started(self) -> tuple[list[list[StreamValue]], tuple[int, int]]:
        slices = self.slices((0, 0))
        cursor = self.cursor()
        if slices:
            self.new.append([])
        return slices, cursor

    def next_iteration(self, cursor: tuple[int, int]) -> tuple[list[list[StreamValue]], tuple[int, int]]:
        slices = self.slices(cursor)
        if self.new and not self.new[-1]:
            self.new.pop()
        cursor = self.cursor()
        if self.new and self.new[-1]:
            self.new.append([])
        return slices, cursor


_KEY = attrgetter("key")


def iteration_token(key: str) -> str:
    """A short, stable name for a stream value, used in the keys of its fold iteration."""
    if len(key) <= 12:
        return key
    return "~" + hashlib.blake2b(key.encode(), digest_size=6).hexdigest()


# --- errors -------------------------------------------------------------------------------


class ErrorState:
    """`%last_error%` and `:error:` with AquaVM's rules for when each may change."""

    __slots__ = ("last", "last_can_set", "error", "error_can_set", "orig")

    def __init__(self) -> None:
        self.last: dict[str, Any] = no_error()
        self.last_can_set = True
        self.error: dict[str, Any] = no_error()
        self.error_can_set = True
        self.orig: ExecutionError | None = None  # the catchable a `(fail :error:)` re-raises

    def set_errors(
        self, exc: ExecutionError, instruction: str, current_peer: str, peer: str | None, with_peer: bool
    ) -> None:
        """Record an error where it happened; enclosing instructions it bubbles through don't."""
        if not exc.catchable:
            return
        if self.last_can_set and exc.affects_last_error():  # type: ignore[attr-defined]
            self.last = {
                "error_code": exc.code,
                "message": exc.message,
                "instruction": instruction,
                "peer_id": peer if (with_peer and peer is not None) else current_peer,
            }
            self.last_can_set = False
        if self.error_can_set:
            obj = {"error_code": exc.code, "message": exc.message, "instruction": instruction}
            if with_peer:
                obj["peer_id"] = peer if peer is not None else current_peer
            self.error = obj
        self.error_can_set = False

    def set_last_from_object(self, obj: dict[str, Any]) -> None:
        self.last = obj
        self.last_can_set = False


# --- the context ----------------------------------------------------------------------------


@dataclass(slots=True)
class FoldState:
    """One active fold: its node, iterator name and the value of the current iteration."""

    node: ast.Fold
    items: list[Any]
    tokens: list[str]
    index: int = 0
    stream_fold: bool = False
    back_iteration_started: bool = False


class ExecutionContext:
    """Mutable state of one run. The instruction modules read and write it; nothing else does."""

    def __init__(
        self,
        script: Any,
        data: Data,
        params: RunParams,
        call_results: Mapping[str, CallResult],
        incremental: bool = False,
    ) -> None:
        self.script = script
        self.data = data
        self.params = params
        self.call_results = dict(call_results)
        self.complete = True
        self.scalars = Scopes()
        self.canons = Scopes()
        self.iterators: dict[str, FoldState] = {}
        self.iteration: dict[int, str] = {}  # fold node id -> token of its current iteration
        self.streams: dict[str, Stream] = {}
        self.stream_scopes: dict[str, list[str]] = {}  # stream name -> instance ids opened by `new`
        self.next_peers: dict[str, list[str]] = {}  # peer -> keys of the calls it must run
        self.call_requests: list[CallRequest] = []
        self.errors = ErrorState()
        self.steps = 0
        self.recorded_weight = 0
        """What the entries this run recorded weigh (`data.entry_weight`)."""
        self.new_entries: list[tuple[Stream, StreamValue]] = []
        self._positions: dict[str, int] | None = None  # built on first use: most runs need none
        self.canon_reads: Any = None  # what the last canons read, without a memo (canon.py)
        # Resumption (see resume.py): at the first instruction instance the data does not
        # hold yet, the state is captured; then each instruction the run returns through
        # records its frame while `pending` says the child it ran holds that point.
        self.capturing = incremental
        self.remote_points = params.current_peer_id == params.init_peer_id
        self.passed = False  # missing instances passed without capturing (see `absent`)
        self.first = True  # no missing instance before where this run began (resume.py)
        self.before: tuple[Any, ...] = ()  # else the logs that list them
        self.pending = False
        self.capture: Any = None
        self.path: list[Any] = []  # frames, recorded from the captured point upwards
        self.kept: list[Any] = []  # frames kept from the previous point (root first)
        self.linked: bool | None = None  # whether the frames reached the kept ones (a resumed run)
        self.skipped = 0  # the steps a full replay would have taken before where this run began
        self.began = 0  # this run's steps when it began there (after restoring the state)
        self.processed = 0  # frames this run went back through
        # Summaries (memo.py): what this run found missing and appended, for the next runs.
        self.memo: Any = None
        self.log: Any = None
        self.fresh_failures = 0  # failed calls recorded fresh (a summary must not span one)
        self.skipped_by_memo = 0  # the steps the summaries applied would have taken
        self.forwards = 0  # calls and canons named to next peers

    # --- keys -------------------------------------------------------------------------

    def key(self, node: ast.Instruction) -> str:
        """The instruction instance: the node plus the current iteration of every fold around it."""
        folds = self.script.fold_ancestors[node.node_id]
        if not folds:
            return str(node.node_id)
        it = self.iteration
        return str(node.node_id) + "".join("/" + it[f] for f in folds)

    def recorded(
        self, key: str, kinds: tuple[Kind, ...], peer: str | None, node: ast.Instruction
    ) -> Entry | None:
        """The entry recorded for `key`, checked against what its instruction can produce.

        Seals prove who wrote an entry; this proves that writer was entitled to: the kind
        the instruction makes and, unless `peer` is None (an `ap` runs anywhere), the peer
        the instruction runs on. Anything else is a forgery and ends the run.
        """
        entry = self.data.entries.get(key)
        if entry is None:
            if self.log is not None:
                self.log.missing.append(key)
            if self.capturing:
                self.absent(node, peer is not None and peer != self.params.current_peer_id)
            return None
        if entry.kind in kinds and (peer is None or entry.peer == peer):
            return entry
        raise Uncatchable(
            FORGED_RESULT,
            f"the data holds a {entry.kind.name.lower()} for instruction instance {key!r} "
            f"recorded by {entry.peer}, which that instruction does not produce"
            + (f" (it runs on {peer})" if peer is not None else ""),
        )

    def absent(self, node: ast.Instruction, remote: bool = False) -> None:
        """The instruction being executed is the run's first to find its instance missing from
        the data: capture the state here (nothing was produced yet), for the next run to resume.
        Except, on a peer other than the init peer, an instance another peer must produce
        (`remote`): what comes back here is mostly what this peer asked for (its calls'
        results), not those; the next run checks that nothing before the point changed."""
        if remote and not self.remote_points:
            self.passed = True
            return
        self.capturing = False
        if self.skipped + self.steps - self.began + self.skipped_by_memo < RESUME_MIN_PREFIX_STEPS:
            return  # replaying this little is as cheap as resuming
        from edge_agent.air.resume import RESUME_ITEMS_PER_STEP, capture  # it builds on this module

        self.capture = capture(self, node)
        self.steps += self.capture.items // RESUME_ITEMS_PER_STEP  # copying the state is work too
        self.pending = True

    def on_path(self, frame: Any) -> None:
        """The child just run holds the captured point: remember how this instruction goes on."""
        self.path.append(frame)

    def take_result(self, key: str) -> CallResult | None:
        """The host's result for a call this peer asked for; each result is used once."""
        return self.call_results.pop(key, None)

    def step(self) -> None:
        self.steps += 1
        if self.steps > self.params.max_steps:
            raise Uncatchable(STEP_LIMIT, f"the script ran more than {self.params.max_steps} instructions")

    def charge(self, steps: int) -> None:
        """An instruction's work beyond one step (a comparison of large values)."""
        if steps > 0:
            self.steps += steps - 1
            self.step()

    # --- streams ----------------------------------------------------------------------

    def stream(self, name: str) -> Stream:
        scopes = self.stream_scopes.get(name)
        instance = scopes[-1] if scopes else name
        stream = self.streams.get(instance)
        if stream is None:
            stream = self.streams[instance] = Stream(instance)
        return stream

    def stream_if_exists(self, name: str) -> Stream | None:
        scopes = self.stream_scopes.get(name)
        return self.streams.get(scopes[-1] if scopes else name)

    def replay_to_stream(self, name: str, key: str, entry: Entry, value: Any) -> None:
        stream = self.stream(name)
        item = StreamValue(self.positions.get(key, 0), value, key)
        stream.add_old(entry.gen, item)
        if self.log is not None:
            self.log.appends.append((stream.instance, entry, item))

    def adopt_positions(self, known: dict[str, int] | None) -> None:
        """Take the places a previous run of this log knew, and add the entries added since."""
        if known is None or len(known) > len(self.data.entries):
            return
        start = len(known)
        added = list(islice(reversed(self.data.entries), len(self.data.entries) - start))  # at the end
        added.reverse()
        for i, key in enumerate(added, start):
            known[key] = i
        self._positions = known

    def known_positions(self) -> dict[str, int] | None:
        return self._positions

    @property
    def positions(self) -> dict[str, int]:
        """Each key's place in the log (orders the values of one stream generation)."""
        if self._positions is None:
            self._positions = {key: i for i, key in enumerate(self.data.entries)}
        return self._positions

    def record_to_stream(self, name: str, key: str, entry: Entry) -> None:
        """Append a value produced now: a new generation of the stream, recorded in the log."""
        stream = self.stream(name)
        entry.stream = stream.instance
        item = StreamValue(len(self.data.entries), entry.value, key, entry)
        stream.add_new(item)
        self.record(key, entry)
        self.new_entries.append((stream, item))
        if self.log is not None:
            self.log.appends.append((stream.instance, entry, item))

    def record(self, key: str, entry: Entry) -> None:
        if self._positions is not None:
            self._positions[key] = len(self.data.entries)
        self.data.entries[key] = entry
        self.recorded_weight += entry_weight(entry)
        log = self.log
        if log is not None and log.missing and log.missing[-1] == key:
            log.missing.pop()  # found missing just now, and ours from now on: nothing can change it

    def finish_generations(self) -> None:
        """Give values produced in this run their generation numbers (after the old ones)."""
        if not self.new_entries:
            return
        produced = {id(s): s for s, _ in self.new_entries}
        max_gens = self.data.stream_max_gens(skip=[item.entry for _, item in self.new_entries if item.entry])
        for stream in produced.values():
            base = max_gens.get(stream.instance, -1) + 1
            index = 0
            for gen in stream.new:
                if not gen:
                    continue
                for item in gen:
                    if item.entry is not None:
                        item.entry.gen = base + index
                index += 1
            if index:
                max_gens[stream.instance] = base + index - 1
        if self.data.gens is not None:
            self.data.gens = max_gens  # still dense: the new values come right after

    # --- values -----------------------------------------------------------------------

    def scalar(self, name: str) -> Any:
        state = self.iterators.get(name)
        if state is not None:
            return state.items[state.index]
        return self.scalars.get(name)

    def add_next_peer(self, peer: str, call_key: str | None) -> None:
        """Name `peer` as a next hop, for the call `call_key` (None for a canon)."""
        keys = self.next_peers.setdefault(peer, [])
        self.forwards += 1
        if call_key is not None:
            keys.append(call_key)


def set_iterator(ctx: ExecutionContext, name: str, state: FoldState) -> None:
    if name in ctx.iterators:
        raise Uncatchable(
            ITERABLE_SHADOWING,
            f"variable with name '{name}' can't be shadowed, shadowing isn't supported for iterables",
        )
    ctx.iterators[name] = state

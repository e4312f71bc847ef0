"""Summaries: a run skips the parts of the walk that the new data cannot have changed.

A run is a deterministic walk of the script over the data, and the data only grows. A part
of the walk -- the rest of a fold over an array from one iteration on (a `next` instance),
or the generations a fold over a stream already visited -- does on the next run exactly
what it did on the last one if (1) it starts from the same state and (2) none of the
instruction instances it found missing from the data has changed since: no entry merged or
written for it, no `sent` record, no call result. Then its effects can be applied instead
of walked: the stream values it appended (as values read back from the data now: their
generations are final), the call requests it made (a local call still unanswered is asked
for again, as the full replay does), `complete` and the error state as it left them. What it
forwarded was recorded in `sent` then, so the full replay would not forward it again.

Each run logs the instances it found missing and the stream values it appended, in walk
order (`RunLog`); a summary is a range of that log plus its start state and its outcome. A
particle keeps its summaries between runs (`Memo`, with the resume point) together with the
keys that changed since (`history`), so checking a summary costs the changes since it was
made, not what it covers. The start state is compared by identity (the variables' cells, a
fold's array, ...), which can only say "different" too often, never "same" wrongly.

Not summarised (static checks, `Shape`): a fold body that reads a stream (a fold over a
stream, a canon: its values depend on what arrived, which (1) does not cover), and a fold
over a stream whose body writes that stream. Nor a range in which a failed call was recorded
fresh: replayed, the failure leaves its branch incomplete, fresh it does not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from edge_agent.air import ast
from edge_agent.air import values as V
from edge_agent.air.calls import CallRequest
from edge_agent.air.context import ErrorState, ExecutionContext, Stream, StreamValue

MEMO_ITEMS_PER_STEP = 16
"""Applying a summary costs a step per this many values it appends or log entries it copies."""

MEMO_STRIDE = 8
"""The rest of a fold over an array is summarised every this many iterations: a run that must
walk into a fold walks at most this many iterations more than it must before it can skip the
rest, and the summaries (and their cost in a run that walks the whole fold) are this many
times fewer."""


# --- static shape ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Shape:
    """What the memo may summarise in one script (computed once, with the script)."""

    array_folds: frozenset[int]
    """Folds over arrays whose body and `last` read no stream: their `next`s are summarised."""
    stream_folds: dict[int, tuple[str, ...]]
    """Folds over a stream whose body does not write it -> the streams the body touches."""


def shape_of(tree: ast.Instruction) -> Shape:
    array_folds: set[int] = set()
    stream_folds: dict[int, tuple[str, ...]] = {}

    def walk(node: ast.Instruction) -> tuple[set[str], set[str]]:
        """(streams read, streams written) inside `node`."""
        reads: set[str] = set()
        writes: set[str] = set()
        kind = type(node)
        if kind is ast.Canon:
            reads.add(node.stream.name)  # type: ignore[union-attr]
        elif kind is ast.Ap and type(node.result) is ast.Stream:  # type: ignore[union-attr]
            writes.add(node.result.name)  # type: ignore[union-attr]
        elif kind is ast.ApMap:
            writes.add(node.map.name)  # type: ignore[union-attr]
        elif kind is ast.Call and type(node.output) is ast.Stream:  # type: ignore[union-attr]
            writes.add(node.output.name)  # type: ignore[union-attr]
        for child in ast.children(node):
            r, w = walk(child)
            reads |= r
            writes |= w
        if kind is ast.Fold:
            iterable = node.iterable  # type: ignore[union-attr]
            if type(iterable) is ast.Stream or type(iterable) is ast.StreamMap:
                if iterable.name not in writes and iterable.name not in reads:
                    stream_folds[node.node_id] = tuple(sorted(reads | writes))
                reads.add(iterable.name)
            elif not reads:
                array_folds.add(node.node_id)
        return reads, writes

    walk(tree)
    return Shape(frozenset(array_folds), stream_folds)


# --- the log of one run ----------------------------------------------------------------------


class RunLog:
    """What one run found missing and appended to streams, in walk order."""

    __slots__ = ("missing", "appends", "_index", "refs", "counted")

    def __init__(self) -> None:
        self.refs = 0  # summaries in a memo's table that refer to it
        self.counted = 0  # its size as the memo counted it (when its run ended)
        self.missing: list[str] = []
        self.appends: list[tuple[str, Any, StreamValue]] = []
        """(stream instance, its entry, the value): the generation is read when applied."""
        self._index: dict[str, int] | None = None

    def index(self) -> dict[str, int]:
        """Key -> its place in `missing` (-1 for a key logged twice: look for it in a range)."""
        if self._index is None:
            index: dict[str, int] = {}
            for i, key in enumerate(self.missing):
                index[key] = -1 if key in index else i
            self._index = index
        return self._index


# --- start states ----------------------------------------------------------------------------


@dataclass(slots=True)
class Start:
    """The state a summarised part began from (compared by identity: see the module doc)."""

    scalars: dict[str, Any]
    scalar_scope: tuple[frozenset[int], int]
    canons: dict[str, Any]
    canon_scope: tuple[frozenset[int], int]
    iterators: tuple[tuple[str, Any, int, bool], ...]
    stream_scopes: tuple[tuple[str, str], ...]
    errors: tuple[Any, ...]
    complete: bool


def _errors(errors: ErrorState) -> tuple[Any, ...]:
    orig = errors.orig
    return (errors.last, errors.last_can_set, errors.error, errors.error_can_set,
            None if orig is None else (type(orig), orig.code, orig.message))


def _cells(scopes: Any, cache: dict[int, tuple[Any, int, dict[str, Any]]]) -> dict[str, Any]:
    """A copy of the scopes' cells, shared with the last one taken while they did not change."""
    kept = cache.get(id(scopes))
    if kept is not None and kept[0] is scopes and kept[1] == scopes.version:
        return kept[2]
    cells = dict(scopes.cells)
    cache[id(scopes)] = (scopes, scopes.version, cells)
    return cells


def start_of(ctx: ExecutionContext) -> Start:
    s, c = ctx.scalars, ctx.canons
    cache = ctx.memo.cells
    return Start(
        _cells(s, cache), (frozenset(s.allowed), s.depth),
        _cells(c, cache), (frozenset(c.allowed), c.depth),
        tuple((n, st.items, st.index, st.back_iteration_started) for n, st in ctx.iterators.items()),
        tuple((n, ids[-1]) for n, ids in ctx.stream_scopes.items() if ids),
        _errors(ctx.errors),
        ctx.complete,
    )


def _same_value(a: Any, b: Any) -> bool:
    return a is b or V.equal(a, b)


def _same_cell(a: Any, b: Any) -> bool:
    """Two stacks of a variable's cells, (depth, value, cell below): the same values."""
    while a is not b:
        if a is None or b is None or a[0] != b[0] or not (a[1] is b[1] or V.equal(a[1], b[1])):
            return False
        a, b = a[2], b[2]
    return True


def _same_cells(live: dict[str, Any], kept: dict[str, Any]) -> bool:
    if len(live) != len(kept):
        return False
    get = live.get
    return all(_same_cell(get(k), v) for k, v in kept.items())


def _same_errors(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    return (a[1] == b[1] and a[3] == b[3] and a[4] == b[4]
            and _same_value(a[0], b[0]) and _same_value(a[2], b[2]))


def same_start(ctx: ExecutionContext, kept: Start) -> bool:
    s, c = ctx.scalars, ctx.canons
    if ctx.complete != kept.complete or s.depth != kept.scalar_scope[1] or c.depth != kept.canon_scope[1]:
        return False
    if s.allowed != kept.scalar_scope[0] or c.allowed != kept.canon_scope[0]:
        return False
    if not (_same_cells(s.cells, kept.scalars) and _same_cells(c.cells, kept.canons)):
        return False
    its = ctx.iterators
    if len(its) != len(kept.iterators):
        return False
    for name, items, index, back in kept.iterators:
        st = its.get(name)
        if st is None or st.index != index or st.back_iteration_started != back:
            return False
        if not _same_value(st.items, items):
            return False
    scopes = tuple((n, ids[-1]) for n, ids in ctx.stream_scopes.items() if ids)
    return scopes == kept.stream_scopes and _same_errors(_errors(ctx.errors), kept.errors)


def set_errors(ctx: ExecutionContext, kept: tuple[Any, ...], orig: Any) -> None:
    errors = ctx.errors
    errors.last, errors.last_can_set, errors.error, errors.error_can_set = kept[0], kept[1], kept[2], kept[3]
    errors.orig = orig


# --- summaries -------------------------------------------------------------------------------


@dataclass(slots=True)
class Summary:
    """A part of the walk of an earlier run: its range of that run's log and its outcome."""

    log: RunLog
    missing: tuple[int, int]
    appends: tuple[int, int]
    since: int
    """How many changes `Memo.history` held when it was made (the later ones may void it)."""
    start: Start
    requests: list[CallRequest]
    complete: bool
    errors: tuple[Any, ...]
    orig: Any
    steps: int
    """The steps the walk took (what applying it saves)."""
    extra: Any = None
    """A stream fold's: (the generations it visited, the touched streams' starts and ends)."""

    @property
    def items(self) -> int:
        """What it holds besides its log, in values."""
        start = self.start
        extra = 0 if self.extra is None else len(self.extra[0]) + sum(
            len(snap[0]) + len(snap[1]) for snap in self.extra[2] if snap is not None)
        return 2 + len(start.scalars) + len(start.canons) + len(start.iterators) + len(self.requests) + extra


@dataclass(slots=True)
class Mark:
    """Where a part began, in this run's log and counters."""

    start: Start
    missing: int
    appends: int
    requests: int
    steps: int
    fresh_failures: int
    capturing: bool
    forwards: int


@dataclass(slots=True)
class Memo:
    """A particle's summaries, kept between its runs (with its resume point)."""

    table: dict[str, Summary] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)
    """The keys that changed (merged, written in place, answered), run after run."""
    entries: int = 0
    sent: int = 0
    """The data's sizes when the last run ended (what was added since has changed)."""
    items: int = 0
    positions: dict[str, int] | None = None
    """Each key's place in the log, as the last run knew it (the log only grows at its end)."""
    counted_positions: int = 0
    cells: dict[int, Any] = field(default_factory=dict)
    """The last copies of a run's scalar and canon cells (`start_of`), kept for that run."""
    canon_reads: Any = None
    """What the last canons of its runs read (instructions/canon.py: bounded by the data)."""

    def valid(self, s: Summary) -> bool:
        changes = self.history
        if len(changes) == s.since:
            return True
        lo, hi = s.missing
        if not in_range(s.log, lo, hi, changes[s.since:]):
            return False
        s.since = len(changes)  # valid up to here: the next check starts from here
        return True

    def checked(self, s: Summary) -> int:
        """What checking `s` cost, in history entries."""
        return len(self.history) - s.since

    def mark(self, ctx: ExecutionContext) -> Mark:
        log = ctx.log
        assert log is not None
        return Mark(start_of(ctx), len(log.missing), len(log.appends), len(ctx.call_requests),
                    ctx.steps + ctx.skipped_by_memo, ctx.fresh_failures, ctx.capturing, ctx.forwards)

    def record(self, key: str, mark: Mark, ctx: ExecutionContext, extra: Any = None) -> None:
        """Keep the part that began at `mark` and ended now (it raised nothing). Not if it
        asked for a call or sent one on, or held the run's first missing instance: that is
        what the next runs most likely bring (and the resume point goes on from there)."""
        if (ctx.fresh_failures != mark.fresh_failures or mark.capturing != ctx.capturing
                or len(ctx.call_requests) != mark.requests or ctx.forwards != mark.forwards):
            return
        log = ctx.log
        assert log is not None
        errors = ctx.errors
        s = Summary(log, (mark.missing, len(log.missing)), (mark.appends, len(log.appends)),
                    len(self.history), mark.start, ctx.call_requests[mark.requests:], ctx.complete,
                    _errors(errors), errors.orig, ctx.steps + ctx.skipped_by_memo - mark.steps, extra)
        old = self.table.get(key)
        if old is not None:
            self.items -= old.items
            old.log.refs -= 1
            if not old.log.refs:
                self.items -= old.log.counted
        self.table[key] = s
        log.refs += 1
        self.items += s.items

    def ended(self, log: RunLog) -> None:
        """The run of `log` ended: count what the summaries it left keep alive."""
        if log.refs:
            log.counted = len(log.missing) + len(log.appends)
            self.items += log.counted

    def replay(self, s: Summary, ctx: ExecutionContext, appends: bool = True) -> None:
        """Do what the part did (after `valid` and `same_start`): append its stream values
        (unless the caller restores the streams whole), ask again for its calls, leave
        `complete` and the errors as it did."""
        log = ctx.log
        assert log is not None
        lo, hi = s.appends
        values = s.log.appends[lo:hi]
        streams = ctx.streams
        for instance, entry, value in values if appends else ():
            stream = streams.get(instance)
            if stream is None:
                stream = streams[instance] = Stream(instance)
            if value.entry is not None:  # produced by that run: a value read back now
                value = StreamValue(value.pos, value.value, value.key)
            stream.add_old(entry.gen, value)
        log.appends.extend(values)
        lo, hi = s.missing
        log.missing.extend(s.log.missing[lo:hi])
        ctx.call_requests.extend(s.requests)
        ctx.complete = s.complete
        set_errors(ctx, s.errors, s.orig)
        ctx.steps += (len(values) + hi - lo + self.checked(s)) // MEMO_ITEMS_PER_STEP
        ctx.skipped_by_memo += s.steps

    def appends_fit(self, s: Summary, ctx: ExecutionContext) -> bool:
        """Whether its stream values fit their streams now (else the walk must find where not)."""
        from edge_agent import const

        lo, hi = s.appends
        if hi == lo:
            return True
        added: dict[str, int] = {}
        for instance, _, _ in s.log.appends[lo:hi]:
            added[instance] = added.get(instance, 0) + 1
        streams = ctx.streams
        for instance, n in added.items():
            stream = streams.get(instance)
            if (stream.size if stream is not None else 0) + n > const.MAX_STREAM_VALUES:
                return False
        return True

    def usable(self, key: str, ctx: ExecutionContext, appends: bool = True) -> Summary | None:
        """The summary of `key`, if it holds now (`appends`: its stream values will be added)."""
        s = self.table.get(key)
        if s is None or not self.valid(s) or not same_start(ctx, s.start):
            return None
        return s if not appends or self.appends_fit(s, ctx) else None


def in_range(log: RunLog, lo: int, hi: int, keys: list[str]) -> bool:
    """Whether none of `keys` is among `log.missing[lo:hi]`: a few keys are looked for in C,
    many in an index of the log (and all in it, once made: the log of a run that ended does
    not change)."""
    if lo >= hi:
        return True
    missing = log.missing
    if log._index is None and len(keys) * (hi - lo) <= 8 * len(missing):
        return not any(map(_among(missing, lo, hi), keys))
    index = log.index()
    for key in keys:
        at = index.get(key)
        if at is not None and (lo <= at < hi or (at < 0 and _among(missing, lo, hi)(key))):
            return False
    return True


def _among(missing: list[str], lo: int, hi: int) -> Callable[[str], bool]:
    """Whether a key is in `missing[lo:hi]` (looked for in C)."""

    def found(key: str) -> bool:
        try:
            missing.index(key, lo, hi)
        except ValueError:
            return False
        return True

    return found


def changed_keys(memo: Memo, entries: dict[str, Any], sent: dict[str, Any], results: Any) -> list[str]:
    """The keys that changed since the last run ended: entries and `sent` records added after
    it (merged, or written in place by the host: both go at the end), and the call results."""
    out: list[str] = []
    for table, before in ((entries, memo.entries), (sent, memo.sent)):
        extra = len(table) - before
        if extra > 0:
            it = reversed(table)
            out.extend(next(it) for _ in range(extra))
    out.extend(results)
    return out


def stream_sig(stream: Stream | None) -> list[tuple[str, ...]]:
    """The keys of a stream's values, generation by generation (what a fold over it visits)."""
    if stream is None:
        return []
    return [tuple(v.key for v in s) for s in stream.slices((0, 0))]


def same_generations(now: list[list[StreamValue]], before: list[list[StreamValue]]) -> bool:
    """Whether a stream's generations begin with the ones a summary visited (the same lists,
    mostly: a generation's list is shared until a value joins it)."""
    if len(now) < len(before):
        return False
    if now[: len(before)] == before:  # in C, the same lists as nearly always (equal lists: equal keys)
        return True
    for a, b in zip(now[: len(before)], before, strict=True):
        if a is not b and [v.key for v in a] != [v.key for v in b]:
            return False
    return True


def snapshot(stream: Stream) -> tuple[dict[int, list[StreamValue]], list[list[StreamValue]], int, bool]:
    return dict(stream.old), [list(g) for g in stream.new if g], stream.size, stream.ordered


def restore_stream(ctx: ExecutionContext, instance: str, snap: Any) -> None:
    """Make `instance` hold what it held at a summary's end, its new generations read back
    as the old ones they became (their entries have their generations now)."""
    old, new, size, ordered = snap
    stream = ctx.streams.get(instance)
    if stream is None:
        stream = ctx.streams[instance] = Stream(instance)
    merged = dict(old)
    top = -1 if not merged else next(reversed(merged)) if ordered else max(merged)
    for gen_values in new:
        gen = gen_values[0].entry.gen
        values = [StreamValue(v.pos, v.value, v.key) for v in gen_values]
        have = merged.get(gen)
        if have is None:
            ordered = ordered and gen > top
            top = max(top, gen)
        merged[gen] = values if have is None else sorted(have + values, key=lambda v: v.pos)
    stream.old = merged
    stream.top = top
    stream.ordered = ordered
    stream.new = [g for g in stream.new if g]
    stream.size = size

"""Incremental runs: go on from where the previous run of a particle first had to stop.

A run is a deterministic walk of the script over the data, and the data only grows (a copy
that disagrees with it is refused). So the next run walks exactly as this one did up to the
first instruction instance this one found missing from the data -- a call not answered yet,
an `ap` or `canon` done for the first time. There (`ExecutionContext.absent`) the state is
captured: variables, canons, streams, folds, errors. The instructions the run then returns
through each record a frame: how that instruction goes on after the child it was running
(`after_left` of a seq, `after_body` of a next, the next generations of a fold over a
stream, ...). The next run restores the state, runs the captured instruction again, and hands
its outcome to the frames in turn: the same walk as a full replay from that point, without
the work before it. A chain of frames that only close a fold's iterations and join `par`s is
gone down in one leap (`Leap`), and frames the new point shares with this one are kept, not
recorded again: a run costs what it does, not the depth of the fold it resumes in.

Nothing is produced before that point (producing is finding an instance missing), so the
captured state is what replaying the recorded data gave. On a peer that did not start the
particle, the point is the first instance it must produce itself (its own call's result is
what comes back to it; the answers to calls it leaves to others mostly go elsewhere); the
instances it passed are in the run's log (memo.py), and the next run goes on from the point
only if none of them changed (`holds`). The summaries of memo.py then skip what the new data
does not reach after the point. A copy of the state, checked against `RESUME_BASE_ITEMS` and
`RESUME_ITEMS_PER_ENTRY`, lives with the particle between runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from edge_agent.air import ast
from edge_agent.air.context import (
    RESUME_MIN_PREFIX_STEPS,
    ErrorState,
    ExecutionContext,
    FoldState,
    Scopes,
    Stream,
)
from edge_agent.air.data import Data
from edge_agent.air.errors import ExecutionError
from edge_agent.air.instructions import INERT, attempt, fold, next, note_error, par
from edge_agent.air.memo import Memo, in_range

RESUME_BASE_ITEMS = 1024
RESUME_ITEMS_PER_ENTRY = 4
"""What a particle's resume point (this module: the interpreter state where its
last run first stopped, and the frames back to the root) may hold, in values: this base plus
this many per entry of its data. It is state the data already paid for (streams of its
values, a fold's frames per iteration), so the data's own limits bound it; beyond it, the
next run replays the whole script."""

RESUME_MAX_LOGS = 4
"""A point with missing instances before it is checked against the logs of the runs that
found them: beyond this many (runs that resumed and passed more), the next run walks it all."""

LEAP_FRAMES_PER_STEP = 16
"""Going down this many frames at once (`Leap`) counts as one interpreter step."""

RESUME_ITEMS_PER_STEP = 8
"""Capturing or restoring this many values counts as one interpreter step (for the budgets)."""

LOG_COPY_ENTRIES_PER_STEP = 256
LOG_WALK_ENTRIES_PER_STEP = 16
"""A resumed run still copies the log (a dict copy: this many entries a step) and, when it
merged new entries or produced stream values, walks it in Python for their generations (this
many a step): charged so that a stranger's cheap runs still pay for a long log."""

Frame = tuple[Callable[..., None], ast.Instruction, Any]
"""(how the instruction goes on, the instruction, what it kept)."""

Leap = tuple[int, bool, int, int]
"""How to go from a frame down to the frame of the fold its iterations run in, when every frame
between (this one included) only closes an iteration (`next`) or joins a `par` with its right
side: (that fold frame's index, whether any of those pars' left sides completed, how many
`next`s, how many `par`s). Going through them one by one costs the fold's depth; their
combined effect is known: the iterations' scopes close, `complete` is the or of the lefts'."""

Kept = tuple[Callable[..., None], ast.Instruction, Any, tuple[bool, bool], Leap | None]
"""A frame kept between runs, with whether it and every frame above it up to the root are
inert (run no instruction, raise nothing) when reached without an error, for `complete`
False and True, and its leap. The frames above a new resume point are those of the previous
one, so a run stops going up where they are inert: the rest of the walk would change nothing
it reports. And a frame a run goes through records itself again, unchanged: the run keeps it
where it is instead."""


@dataclass(slots=True)
class Capture:
    """The state of a run at the instruction it first found missing from the data."""

    node: ast.Instruction
    complete: bool
    scalars: Scopes
    canons: Scopes
    iterators: dict[str, FoldState]
    folds: list[tuple[FoldState, int, bool]]
    """The fold states' positions here (the frames share the states, which a run moves on)."""
    iteration: dict[int, str]
    streams: dict[str, Stream]
    stream_scopes: dict[str, list[str]]
    errors: ErrorState
    items: int
    prefix: int
    """The steps a full replay takes to get here (what resuming saves)."""
    first: bool = True
    """Whether no instance before it in the walk is missing (else the next run checks that
    none of those changed: `holds`)."""
    before: tuple[tuple[Any, int], ...] = ()
    """Where those are: runs' logs of missing instances (memo.py), each up to a place."""


@dataclass(slots=True)
class Resume:
    """Where the next run of a particle may go on from, valid only for the data it came with."""

    script: Any
    data: Data
    capture: Capture | None
    """None: the particle's resumed runs did not pay; its runs replay from now on."""
    frames: list[Kept]
    """Root first: the last is the frame nearest the captured instruction."""
    memo: Memo | None = None
    """The summaries of the parts its runs walked (memo.py); with no capture, the next run
    walks from the root, skipping what they summarise."""

    @property
    def items(self) -> int:
        """How much it holds, in values (bounded by RESUME_BASE_ITEMS and
        RESUME_ITEMS_PER_ENTRY)."""
        memo = 0 if self.memo is None else self.memo.items + len(self.memo.history)
        return (self.capture.items if self.capture is not None else 0) + len(self.frames) + memo


def _copy_scopes(scopes: Scopes) -> tuple[Scopes, int]:
    return scopes.copy(), len(scopes.cells)


def _copy_stream(stream: Stream) -> Stream:
    # A generation's list of old values is never changed in place: the copy shares them.
    new = [list(g) for g in stream.new]
    return Stream(stream.instance, dict(stream.old), new, stream.size, stream.top, stream.ordered)


def _strip(exc: ExecutionError | None) -> ExecutionError | None:
    """Keep an error without its traceback (which would keep the whole run alive)."""
    if exc is not None:
        exc.__traceback__ = exc.__context__ = exc.__cause__ = None
    return exc


def _copy_errors(errors: ErrorState) -> ErrorState:
    out = ErrorState()
    out.last, out.last_can_set = errors.last, errors.last_can_set
    out.error, out.error_can_set = errors.error, errors.error_can_set
    out.orig = _strip(errors.orig)
    return out


def capture(ctx: ExecutionContext, node: ast.Instruction) -> Capture:
    """A copy of the state `ctx` has now, before `node` runs (values are shared: never mutated)."""
    scalars, scalar_items = _copy_scopes(ctx.scalars)
    canons, canon_items = _copy_scopes(ctx.canons)
    iterators = dict(ctx.iterators)
    folds = [(state, state.index, state.back_iteration_started) for state in iterators.values()]
    streams = {instance: _copy_stream(s) for instance, s in ctx.streams.items()}
    items = scalar_items + canon_items + len(iterators) + sum(len(s.old) + 1 for s in streams.values())
    return Capture(
        node,
        ctx.complete,
        scalars,
        canons,
        iterators,
        folds,
        dict(ctx.iteration),
        streams,
        {name: list(ids) for name, ids in ctx.stream_scopes.items()},
        _copy_errors(ctx.errors),
        items,
        ctx.skipped + ctx.steps - ctx.began + ctx.skipped_by_memo,
        *_before(ctx),
    )


def _before(ctx: ExecutionContext) -> tuple[bool, tuple[tuple[Any, int], ...]]:
    """Whether a point captured now has missing instances before it, and where they are."""
    if ctx.first and not ctx.passed:
        return True, ()
    # The captured instruction's own key is the log's last: it is the point, not before it.
    return False, ctx.before + ((ctx.log, len(ctx.log.missing) - 1 if ctx.log is not None else 0),)


def holds(cap: Capture, changed: list[str] | None) -> bool:
    """Whether the next run may go on from `cap`: it is where its run first found an instance
    missing, or none of the instances found missing before it changed since."""
    if cap.first:
        return True
    if changed is None or len(cap.before) > RESUME_MAX_LOGS:
        return False
    return all(log is not None and in_range(log, 0, upto, changed) for log, upto in cap.before)


def _keep(frames: list[Kept], frame: Frame) -> None:
    """Put `frame` on top of `frames` (root first), with whether it is inert from there down."""
    fn, node, payload = frame
    below = frames[-1][3] if frames else (True, True)
    rule = INERT[fn]
    inert = tuple(r is not None and below[r] for r in (rule(payload, False), rule(payload, True)))
    if type(payload) is tuple:
        payload = tuple(_strip(p) if isinstance(p, ExecutionError) else p for p in payload)
    frames.append((fn, node, payload, inert, _leap_of(frames, fn, payload)))  # type: ignore[arg-type]


def _leap_of(frames: list[Kept], fn: Callable[..., None], payload: Any) -> Leap | None:
    is_par = fn is par.after_right
    if not frames or not (fn is next.after_body or (is_par and payload[1] is None)):
        return None
    below = frames[-1]
    if below[0] is fold.after_body:
        anchor, lefts, nexts, pars = len(frames) - 1, False, 0, 0
    elif below[4] is not None:
        anchor, lefts, nexts, pars = below[4]
    else:
        return None
    if is_par:
        return anchor, lefts or payload[0], nexts, pars + 1
    return anchor, lefts, nexts + 1, pars


def _leap(ctx: ExecutionContext, frames: list[Kept], leap: Leap) -> int:
    """Do what the frames from the top one down to the fold's would (without an error)."""
    anchor, lefts, nexts, pars = leap
    if nexts:
        state: FoldState = frames[anchor][2][0]
        ctx.scalars.leave(nexts)
        ctx.canons.leave(nexts)
        state.index -= nexts
        ctx.iteration[state.node.node_id] = state.tokens[state.index]
    if pars:
        ctx.complete = ctx.complete or lefts
        ctx.errors.last_can_set = True
    ctx.steps += (nexts + pars) // LEAP_FRAMES_PER_STEP
    return anchor + 1


def resume_point(ctx: ExecutionContext, script: Any, resumed: bool) -> Resume | None:
    """What the next run may go on from: the point this run captured, if its frames (with the
    ones kept from the previous point) lead back to the root and it saves more than it costs;
    and the summaries. All of it small enough, else less of it."""
    if resumed and ctx.steps > RESUME_MIN_PREFIX_STEPS and ctx.steps > ctx.skipped + ctx.skipped_by_memo:
        return REPLAY  # it did more than half of what the full replay would have
    cap = ctx.capture
    frames: list[Kept] = []
    if cap is not None and (ctx.pending if ctx.linked is None else ctx.linked) and cap.items < cap.prefix:
        frames = ctx.kept
        for frame in reversed(ctx.path):
            _keep(frames, frame)
    else:
        cap = None
    limit = RESUME_BASE_ITEMS + RESUME_ITEMS_PER_ENTRY * (len(ctx.data.entries) + len(ctx.data.sent))
    memo = ctx.memo
    memo.entries, memo.sent = len(ctx.data.entries), len(ctx.data.sent)
    memo.positions = ctx.known_positions()
    memo.ended(ctx.log)
    point = Resume(script, ctx.data, cap, frames, memo)
    if memo.positions is not None:
        memo.items += len(memo.positions) - memo.counted_positions
        memo.counted_positions = len(memo.positions)
    if point.items > limit:
        point.memo = None  # the next run makes summaries afresh
        if point.items > limit:
            return None
    return point if point.capture is not None or (point.memo is not None and point.memo.table) else None


REPLAY = Resume(None, Data(), None, [])
"""The resume point of a particle that replays every run (see RESUME_MIN_PREFIX_STEPS)."""


def restore(ctx: ExecutionContext, cap: Capture) -> None:
    """Put the captured state into a fresh context (the capture is used up)."""
    ctx.complete = cap.complete
    ctx.scalars = cap.scalars
    ctx.canons = cap.canons
    ctx.iterators = cap.iterators
    for state, index, back in cap.folds:
        state.index, state.back_iteration_started = index, back
    ctx.iteration = cap.iteration
    ctx.streams = cap.streams
    ctx.stream_scopes = cap.stream_scopes
    ctx.errors = cap.errors
    ctx.steps += cap.items // RESUME_ITEMS_PER_STEP  # copying it back is work too
    ctx.skipped, ctx.began = cap.prefix, ctx.steps
    ctx.first, ctx.before = cap.first, cap.before


def go_on(ctx: ExecutionContext, point: Resume) -> None:
    """Run the captured instruction again, then go on through the frames towards the root, as
    the instructions they belong to would have, up to where the rest is inert; raises what
    escapes the root. The frames a new point shares with this one stay in the list (`kept`)."""
    cap = point.capture
    assert cap is not None, "a particle that replays has nothing to go on from"
    frames = point.frames
    restore(ctx, cap)
    exc = attempt(cap.node, ctx)
    i = len(frames)
    split = i if ctx.pending else -1  # frames[:split] lead from the new point to the root
    while i:
        fn, node, payload, inert, leap = frames[i - 1]
        if exc is None and inert[ctx.complete]:
            break
        ctx.step()
        ctx.processed += 1
        if exc is None and leap is not None:
            i = _leap(ctx, frames, leap)
            continue
        i -= 1
        pending, recorded = ctx.pending, len(ctx.path)
        try:
            fn(node, ctx, payload, exc)
            exc = None
        except ExecutionError as err:
            note_error(node, ctx, err)
            exc = err.detached()
        if pending:
            del ctx.path[recorded:]  # the frame recorded itself again: it stays where it is
        elif ctx.pending:
            split = i  # this frame's instruction holds the new point: its own frames are new
    if split >= 0:
        del frames[split:]
        ctx.kept = frames
    ctx.linked = ctx.pending
    if exc is not None:
        raise exc

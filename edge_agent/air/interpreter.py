"""The AIR interpreter: a pure step function, as AquaVM's runner is.

    run(script, stored data, incoming data, run parameters, call results)
        -> RunResult(data, next peers, call requests, ret_code, error)

It merges the incoming copy into the stored one, re-runs the whole script against the
merged log (replaying recorded results, recording new ones), and reports what the host
must do: call local services, and send the particle to the next peers. It does no I/O and
keeps no state between runs; the host stores `data` and feeds results back. An incremental
run (resume.py) also hands the host a resume point to give back with the next run, which
then goes on from there instead of replaying everything: the full replay stays the reference.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from edge_agent import const
from edge_agent.air import ast
from edge_agent.air.calls import CallRequest, CallResult
from edge_agent.air.context import ExecutionContext, RunParams
from edge_agent.air.data import Data, merge
from edge_agent.air.errors import (
    DATA_TOO_LARGE,
    FORGED_RESULT,
    STEP_LIMIT,
    UNPROCESSED_CALL_RESULTS,
    DataError,
    ExecutionError,
    ParseError,
)
from edge_agent.air.instructions import execute
from edge_agent.air.memo import Memo, RunLog, Shape, changed_keys, shape_of
from edge_agent.air.parser import parse
from edge_agent.air.resume import (
    LOG_COPY_ENTRIES_PER_STEP,
    LOG_WALK_ENTRIES_PER_STEP,
    REPLAY,
    Resume,
    go_on,
    holds,
    resume_point,
)

__all__ = ["CallRequest", "Resume", "RunParams", "RunResult", "Script", "compile_script", "run"]


@dataclass(frozen=True, slots=True)
class Script:
    """A parsed, validated script and, per node, the folds around it (for result keys)."""

    text: str
    tree: ast.Instruction
    fold_ancestors: tuple[tuple[int, ...], ...]
    shape: Shape
    """What incremental runs may summarise (memo.py)."""


@dataclass(slots=True)
class RunResult:
    """What one run produced. On ret_code != 0 the host must not send or call anything."""

    data: Data
    next_peers: list[str] = field(default_factory=list)
    call_requests: list[CallRequest] = field(default_factory=list)
    ret_code: int = 0
    error_message: str = ""
    forwarded: dict[str, list[str]] = field(default_factory=dict)
    """For each next peer, the keys of the calls it was sent to make."""
    steps: int = 0
    """Instructions executed (what the run cost)."""
    instruction: str = ""
    """On an uncaught catchable error, the instruction it came from (as `:error:` names it)."""
    resume: Resume | None = None
    """Where the next run may go on from (an incremental run that succeeded, see resume.py)."""
    weight: int = 0
    """What the entries this run recorded weigh in memory (`data.entry_weight`)."""

    @property
    def ok(self) -> bool:
        return self.ret_code == 0


def compile_script(text: str) -> Script:
    """Parse and validate `text` (cached: every peer runs the same script many times).

    A script that does not parse is cached as such too: a stranger's bad script, sent again
    in every copy, costs one parse, not one per run."""
    compiled = _compile(text)
    if isinstance(compiled, ParseError):
        raise compiled.with_traceback(None)  # raised again and again: keep no old frames
    return compiled


def clear_script_cache() -> None:
    """Forget every compiled script (benchmarks measure a cold parse with it)."""
    _compile.cache_clear()


@lru_cache(maxsize=const.SCRIPT_CACHE_SIZE)
def _compile(text: str) -> Script | ParseError:
    try:
        tree = parse(text)
    except ParseError as exc:
        return exc
    ancestors: list[tuple[int, ...]] = []

    def walk(node: ast.Instruction, folds: tuple[int, ...]) -> None:
        ancestors.append(folds)
        inner = folds + (node.node_id,) if isinstance(node, ast.Fold) else folds
        for child in ast.children(node):
            walk(child, inner)

    walk(tree, ())
    return Script(text, tree, tuple(ancestors), shape_of(tree))


def run(
    script: str | Script,
    prev: Data,
    incoming: Data,
    params: RunParams,
    call_results: Mapping[str, CallResult] | None = None,
    *,
    incremental: bool = False,
    resume: Resume | None = None,
) -> RunResult:
    """Run `script` once on `params.current_peer_id`; never raises for bad scripts or data.

    With `incremental`, a successful run also returns where the next one may go on from
    (`RunResult.resume`); given back as `resume` with that run's data as `prev`, the next run
    does only the work that is new (resume.py), with the outcome a full replay would have."""
    try:
        compiled = script if isinstance(script, Script) else compile_script(script)
    except ParseError as exc:
        return RunResult(prev, ret_code=exc.ret_code, error_message=str(exc))
    try:
        data = merge(prev, incoming)
    except DataError as exc:
        return RunResult(prev, ret_code=exc.ret_code, error_message=str(exc))

    if sys.getrecursionlimit() < const.AIR_RECURSION_LIMIT:
        # A fold recurses through `next`: each iteration nests a few Python frames. Python
        # 3.11 keeps such frames off the C stack, so a deep limit is safe; the step limit
        # bounds the work.
        sys.setrecursionlimit(const.AIR_RECURSION_LIMIT)
    replays = resume is REPLAY
    ctx = ExecutionContext(compiled, data, params, call_results or {}, incremental and not replays)
    if resume is not None and not (incremental and resume.script is compiled and resume.data is prev):
        resume = None  # another particle's, or data it was not made for, or REPLAY: replay it all
    changed = None
    if incremental and not replays:
        memo = resume.memo if resume is not None else None
        if memo is None:
            memo = Memo()
        else:
            changed = changed_keys(memo, data.entries, data.sent, ctx.call_results)
            memo.history.extend(changed)
            ctx.adopt_positions(memo.positions)
        ctx.memo, ctx.log = memo, RunLog()
        memo.cells = {}
    resumed = resume is not None and resume.capture is not None and holds(resume.capture, changed)
    paid = resume is not None and resumed and resume.memo is not None  # resumed, with its summaries
    ret_code, message = 0, ""
    try:
        if not resumed:
            execute(compiled.tree, ctx)
        else:
            go_on(ctx, resume)  # type: ignore[arg-type]
    except ExecutionError as exc:
        exc.detached()
        if exc.code == FORGED_RESULT:
            return RunResult(prev, ret_code=exc.code, error_message=exc.message, steps=ctx.steps)
        ret_code, message = exc.code, exc.message
    except RecursionError:
        ret_code, message = STEP_LIMIT, "the script nests too deeply (a fold over a very long array?)"
    ctx.finish_generations()
    if resume is None:  # else merge compacted it, and new values have dense generations
        data.compact()
    else:  # it still copied the log, and walked it for new entries or stream values: work too
        walked = incoming.entries or ctx.new_entries
        ctx.steps += len(data.entries) // (LOG_WALK_ENTRIES_PER_STEP if walked else LOG_COPY_ENTRIES_PER_STEP)
    if len(data.entries) > const.MAX_DATA_ENTRIES:
        return RunResult(
            prev,
            ret_code=DATA_TOO_LARGE,
            error_message=f"the data would hold more than {const.MAX_DATA_ENTRIES} entries",
        )
    if not ret_code and ctx.call_results:
        # AquaVM's farewell check: a result for a call this run did not reach is an error.
        ret_code = UNPROCESSED_CALL_RESULTS
        message = (
            "after finishing execution of supplied AIR, there are some unprocessed call results: "
            f"{sorted(ctx.call_results)}, probably a wrong call id used"
        )
    if ret_code:
        where = _failed_instruction(ctx.errors.error, ret_code, message)
        return RunResult(data, ret_code=ret_code, error_message=message, steps=ctx.steps, instruction=where,
                         weight=ctx.recorded_weight)
    return RunResult(
        data,
        next_peers=list(ctx.next_peers),
        call_requests=ctx.call_requests,
        forwarded=ctx.next_peers,
        steps=ctx.steps,
        weight=ctx.recorded_weight,
        resume=REPLAY if replays else resume_point(ctx, compiled, paid) if incremental else None,
    )


def _failed_instruction(error: Mapping[str, object], ret_code: int, message: str) -> str:
    """The instruction `:error:` names, if it is the error that ended the run (an uncatchable
    one, or the farewell check, names none)."""
    if error.get("error_code") != ret_code or error.get("message") != message:
        return ""
    instruction = error.get("instruction")
    return instruction if isinstance(instruction, str) else ""

"""`run --trace` and `call --trace`: wait for the peers' trace reports, then show the timeline.

The design is `edge_agent.trace`'s; this module only waits (briefly) and renders: an
indented tree on standard error (standard output keeps the results), or, with `--json`,
a `trace` member in the command's JSON document. Peers are named as the CLI knows them
(`Client.name_of`: the names given on the command line, then mDNS instance names).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from edge_agent.cli_text import terminal_safe
from edge_agent.runs import Run
from edge_agent.trace import Record, Step, Timeline, Visit

__all__ = ["SETTLE_S", "hook", "render", "settle", "timeline"]

SETTLE_S = 1.5
"""How long, in seconds, the CLI waits after a run for trace reports still on their way
(a copy sent to a peer whose report has not come): a peer that sends none (one that does
not trust this computer, or predates tracing) costs this wait, no more."""

INDENT = "  "


def timeline(run: Run) -> Timeline:
    """The timeline of what `run` heard so far."""
    p = run.particle
    reports = [(t.peer, t.records, t.dropped) for t in run.trace]
    return Timeline.build(p.id, p.init_peer_id, p.timestamp_ms, reports)


def _waiting_for(t: Timeline) -> list[str]:
    """Peers a copy went to whose arrival is not known yet (and whose send did not fail)."""
    failed = {r.peer for v in t.visits() for r in v.records if r.step is Step.UNREACHABLE}
    return [peer for peer in t.unmatched_sends() if peer not in failed]


async def settle(run: Run, *, within_s: float = SETTLE_S) -> Timeline:
    """The timeline once every copy sent has its arrival reported, or after `within_s`."""
    deadline = time.monotonic() + within_s
    while True:
        t = timeline(run)
        left = deadline - time.monotonic()
        if (t.roots and not _waiting_for(t)) or left <= 0:
            return t
        run.changed.clear()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(left):
                await run.changed.wait()


def render(t: Timeline, name_of: Callable[[str], str | None]) -> str:
    """The timeline as an indented tree: ms since the particle started, then what happened."""

    def name(peer: str) -> str:
        return name_of(peer) or _short(peer)

    def label(peer: str) -> str:
        known = name_of(peer)
        return f"{known} ({_short(peer)})" if known else _short(peer)

    lines: list[str] = []

    def line(at_ms: int, depth: int, text: str) -> None:
        lines.append(f"{at_ms - t.started_ms:>8} ms  {INDENT * depth}{text}")

    def visit(v: Visit, depth: int) -> None:
        if v.arrived.peer:
            came = f"arrived from {name(v.arrived.peer)}"
        else:
            came = "started" if v.peer == t.init_peer else "arrived (sender not known)"
        line(v.arrived.at_ms, depth, f"{label(v.peer)}: {came}")
        failed = {r.peer for r in v.records if r.step is Step.UNREACHABLE}  # says why on its own line
        for i, record in enumerate(v.records):
            line(record.at_ms, depth + 1, _step_text(record, name, i in v.next or record.peer in failed))
            if i in v.next:
                visit(v.next[i], depth + 2)

    for root in t.roots:
        visit(root, 0)
    peers = {v.peer for v in t.visits()}
    head = f"trace of particle {t.particle_id}: {len(peers)} peer{'s' if len(peers) != 1 else ''}"
    notes = [f"{name(p)} recorded {n} more that it could not keep" for p, n in sorted(t.dropped.items())]
    return "\n".join([head, *lines, *notes])


def _step_text(r: Record, name: Callable[[str], str], accounted: bool) -> str:
    if r.step is Step.CALL:
        return f"call {r.service}.{r.function}: ret_code {r.code}, {r.ms} ms"
    if r.step in (Step.SENT, Step.RETRIED):
        sent = f"sent to {name(r.peer)}"
        if r.code > 1:
            sent += f" (at try {r.code}; the one before: {r.text})"
        return sent + ("" if accounted or r.step is Step.RETRIED else " (no trace came back from it)")
    if r.step is Step.UNREACHABLE:
        return f"could not reach {name(r.peer)}: {r.text}"
    if r.step is Step.FAILED:
        where = f" in ({r.function})" if r.function else ""
        return f"FAILED with {r.code}: {r.text}{where}"
    return f"arrived from {name(r.peer)}"


def _short(peer: str) -> str:
    return peer if len(peer) <= 16 else f"{peer[:10]}…{peer[-4:]}"


def hook(args: argparse.Namespace, client: Any) -> Callable[[Run], Awaitable[None]] | None:
    """What `run`/`call` do with a traced run before its results (None without `--trace`):
    wait for the trace, then print the tree on standard error, or keep its JSON for the
    command's document (`args.trace_doc`, which `cli._out` adds as `trace`)."""
    if not getattr(args, "trace", False):
        return None

    async def show(run: Run) -> None:
        t = await settle(run)
        if getattr(args, "json", False):
            args.trace_doc = t.to_json()
        else:
            print(terminal_safe(render(t, client.name_of)), file=sys.stderr)

    return show

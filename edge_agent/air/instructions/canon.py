"""`(canon peer $s #c)`: freeze a stream into a canon stream, on `peer` only.

Stream maps canonicalize the same way: to a `#%canon_map`, or to a scalar object holding
each key's first value.

The canon peer records which stream values it sees, in its order (as references to the
log entries that hold them, so a join's many canons stay small); every later reader, on
any peer, replays that record, so they all agree. Elsewhere a canon waits and
names its peer as a next hop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice
from operator import attrgetter, is_
from typing import Any

from edge_agent.air import ast
from edge_agent.air import values as V
from edge_agent.air.context import ExecutionContext, Stream, StreamValue, VariableNotFound
from edge_agent.air.data import Entry, Kind
from edge_agent.air.resolve import resolve_string


def execute(node: ast.Canon, ctx: ExecutionContext) -> None:
    try:
        peer = resolve_string(ctx, node.peer)
    except VariableNotFound:
        ctx.complete = False
        return
    key = ctx.key(node)
    entry = ctx.recorded(key, (Kind.CANON,), peer, node)
    if entry is None:
        if peer != ctx.params.current_peer_id:
            if key not in ctx.data.sent:
                ctx.data.sent[key] = peer
                ctx.add_next_peer(peer, None)
            ctx.complete = False
            return
        stream = ctx.stream_if_exists(node.stream.name)
        entry = Entry(Kind.CANON, stream_keys(ctx, stream) if stream is not None else [], peer)
        ctx.record(key, entry)
    values = canon_values(ctx, entry)
    target = node.canon
    if type(target) is ast.Scalar:
        ctx.scalars.set(target.name, V.first_values_object(values))
    else:
        ctx.canons.set(target.name, values)


# A join makes a canon per value that arrives, each of the stream the one before read plus the
# new value, and replays them all: what the last canons read is kept, with the particle's memo
# between runs (memo.py: the data, which only grows, is the same), else for the run.


@dataclass(slots=True)
class Reads:
    """What the last canons read (their lists are never changed: a canon variable holds them)."""

    keys: list[str] = field(default_factory=list)
    values: list[Any] = field(default_factory=list)
    """The last canon read: its keys (an entry's own) and their values in the data."""
    gens: list[list[StreamValue]] = field(default_factory=list)
    old: int = 0
    stream_keys: list[str] = field(default_factory=list)
    ends: list[int] = field(default_factory=lambda: [0])
    """The generations of the last stream a new canon read (the first `old` of them its old
    ones), the keys of its values, and where each old generation's keys end."""


def _reads(ctx: ExecutionContext) -> Reads:
    holder = ctx.memo if ctx.memo is not None else ctx
    if holder.canon_reads is None:
        holder.canon_reads = Reads()
    return holder.canon_reads


def stream_keys(ctx: ExecutionContext, stream: Stream) -> list[str]:
    """`stream.keys()`, for a new canon: the keys of the old generations it shares with the
    stream the last new canon read are not read again (a generation's list of old values is
    never changed: the same list, the same keys)."""
    reads = _reads(ctx)
    gens = stream.slices((0, 0))
    old = len(stream.old)  # gens[:old] are the old generations
    seen, start = reads.gens, min(len(reads.gens), reads.old, old)
    if (seen if start == len(seen) else seen[:start]) != gens[:start]:  # in C (the same lists, mostly:
        start = list(map(is_, seen, islice(gens, start))).index(False)  # equal lists, equal keys)
    ends = reads.ends
    del ends[start + 1 :]  # its own list: changed in place
    keys = reads.stream_keys[: ends[start]]
    for i in range(start, len(gens)):
        keys.extend(map(_KEY, gens[i]))
        if i < old:
            ends.append(len(keys))
    reads.gens, reads.old, reads.stream_keys = gens, old, keys
    return keys


def canon_values(ctx: ExecutionContext, entry: Entry) -> list[Any]:
    """The values a canon entry refers to (decode checked that they exist): those of the last
    canon read are not looked up again if it begins with its keys."""
    reads = _reads(ctx)
    keys, known = entry.value, reads.keys
    if keys is known:
        return reads.values
    lookup = ctx.data.entries.__getitem__
    if len(known) <= len(keys) and keys[: len(known)] == known:  # in C, as is the rest
        values = reads.values + list(map(_VALUE, map(lookup, islice(keys, len(known), None))))
    else:
        values = list(map(_VALUE, map(lookup, keys)))
    reads.keys, reads.values = keys, values
    return values


_KEY = attrgetter("key")
_VALUE = attrgetter("value")

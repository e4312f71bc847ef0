"""What a run reuses instead of walking again (a join's canons, a stream's order, a run log's
index) gives what walking gives."""

from __future__ import annotations

import itertools

from edge_agent.air import Data, RunParams, compile_script
from edge_agent.air.context import ExecutionContext, Stream, StreamValue
from edge_agent.air.data import Entry, Kind
from edge_agent.air.instructions.canon import canon_values, stream_keys
from edge_agent.air.memo import Memo, RunLog, in_range, restore_stream, same_generations, snapshot

PARAMS = RunParams("a", "a", 1_700_000_000_000, 60_000, "pid")


def context(data: Data, memo: Memo | None = None) -> ExecutionContext:
    ctx = ExecutionContext(compile_script("(null)"), data, PARAMS, {})
    ctx.memo = memo
    return ctx


def test_a_canon_reads_the_values_of_its_keys_whatever_canon_came_before() -> None:
    data = Data({k: Entry(Kind.AP, {"v": k}, "a", "$s", i) for i, k in enumerate("abcd")})
    for memo in (None, Memo()):
        ctx = context(data, memo)
        for keys in (["a", "b"], ["a", "b", "c"], ["a", "b", "c"], ["b", "a"], ["a", "b", "d"], [], ["c", "d"]):
            values = canon_values(ctx, Entry(Kind.CANON, keys, "a"))
            assert values == [{"v": k} for k in keys]
            assert all(v is data.entries[k].value for v, k in zip(values, keys, strict=True))


def test_a_join_keeps_its_last_canon_with_the_memo_for_the_next_run() -> None:
    data = Data({k: Entry(Kind.AP, k, "a", "$s", i) for i, k in enumerate("abc")})
    memo = Memo()
    first = canon_values(context(data, memo), Entry(Kind.CANON, ["a", "b"], "a"))
    later = canon_values(context(data, memo), Entry(Kind.CANON, ["a", "b", "c"], "a"))
    assert later == ["a", "b", "c"] and memo.canon_reads.values is later
    assert first == ["a", "b"]  # the list a canon variable holds is not changed by the next one


def _value(key: str, pos: int) -> StreamValue:
    return StreamValue(pos, key.upper(), key)


def test_a_stream_reads_its_generations_in_order_however_they_came() -> None:
    for order in itertools.permutations(range(4)):
        stream = Stream("$s")
        for gen in order:
            stream.add_old(gen, _value(f"k{gen}", gen))
        stream.add_old(order[0], _value("late", 9))  # a value joins a generation it already has
        stream.add_new(_value("new", 10))
        expected = ["k0", "k1", "k2", "k3", "new"]
        expected.insert(order[0] + 1, "late")
        assert stream.keys() == expected
        copy = Stream("$s")
        ctx = context(Data({"new": Entry(Kind.AP, "NEW", "a", "$s", 4)}))
        ctx.streams["$s"] = copy
        snap = snapshot(stream)
        stream.new[0][0].entry = ctx.data.entries["new"]
        restore_stream(ctx, "$s", snap)
        assert copy.keys() == expected and copy.top == 4


def test_a_restored_stream_reads_a_generation_numbered_between_its_old_ones_in_order() -> None:
    stream = Stream("$s")
    stream.add_old(0, _value("k0", 0))
    stream.add_old(2, _value("k2", 2))
    stream.add_new(_value("new", 5))
    ctx = context(Data({"new": Entry(Kind.AP, "NEW", "a", "$s", 1)}))  # numbered 1 when it was merged
    snap = snapshot(stream)
    stream.new[0][0].entry = ctx.data.entries["new"]
    restore_stream(ctx, "$s", snap)
    assert ctx.streams["$s"].keys() == ["k0", "new", "k2"] and ctx.streams["$s"].top == 2


def test_a_run_logs_index_finds_what_looking_through_it_finds() -> None:
    missing = ["a", "b", "a", "c", "d", "b", "e"]
    for indexed in (False, True):
        log = RunLog()
        log.missing = list(missing)
        if indexed:
            log.index()
        for lo, hi in itertools.combinations(range(len(missing) + 1), 2):
            for keys in (["a"], ["b"], ["c", "x"], ["x"], ["e", "d"], list("abcdex")):
                assert in_range(log, lo, hi, keys) == all(k not in missing[lo:hi] for k in keys), (lo, hi, keys)


def test_a_new_canon_reads_the_keys_a_stream_holds_now() -> None:
    for memo in (None, Memo()):
        ctx = context(Data(), memo)
        stream = Stream("$s")
        steps = [(0, "a"), (1, "b"), (1, "b2"), (None, "n1"), (2, "c"), (0, "a2"), (None, "n2"), (5, "f"), (3, "d")]
        for pos, (gen, key) in enumerate(steps):
            if gen is None:
                stream.add_new(_value(key, pos))
            else:
                stream.add_old(gen, _value(key, pos))
            assert stream_keys(ctx, stream) == stream.keys()
            other = Stream("$t")  # another stream, sharing some of its generations
            other.old = {g: values for g, values in stream.old.items() if g != 1}
            other.top = max(other.old, default=-1)
            assert stream_keys(ctx, other) == other.keys()


def test_a_stream_folds_summary_holds_while_the_stream_begins_with_the_generations_it_visited() -> None:
    a, b, c = [_value("a", 0)], [_value("b", 1), _value("b2", 2)], [_value("c", 3)]
    assert same_generations([a, b, c], [a, b])
    assert same_generations([a, [_value("b", 7), _value("b2", 8)]], [a, b])  # other lists, the same keys
    assert not same_generations([a, [_value("b", 1)], c], [a, b])  # a value joined a generation
    assert not same_generations([b, a], [a, b]) and not same_generations([a], [a, b])

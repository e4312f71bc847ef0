"""Property tests: parser round trip, merge algebra, and garbage never escaping as a crash."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge_agent.air import ast
from edge_agent.air import data as D
from edge_agent.air.data import Data, Entry, Kind
from edge_agent.air.errors import ParseError
from edge_agent.air.parser import parse

names = st.from_regex(r"[a-z][a-z0-9_-]{0,6}", fullmatch=True).filter(lambda n: n not in ("true", "false"))
lens = st.lists(
    st.one_of(st.builds(ast.Field, names), st.builds(ast.Index, st.integers(0, 99)), st.builds(ast.IndexVar, names)),
    min_size=1,
    max_size=3,
).map(tuple)
numbers = st.one_of(
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False, width=32).filter(
        lambda f: sum(c.isdigit() for c in ast.render_number(f)) <= 11 and "." in ast.render_number(f)
    ),
)
values = st.one_of(
    st.builds(ast.Literal, st.text(st.characters(blacklist_characters='"', blacklist_categories=("Cs",)), max_size=8)),
    st.builds(ast.Number, numbers),
    st.builds(ast.Boolean, st.booleans()),
    st.just(ast.EmptyArray()),
    st.just(ast.InitPeerId()),
    st.just(ast.Timestamp()),
    st.just(ast.Ttl()),
    st.builds(ast.LastError, st.one_of(st.just(()), lens)),
    st.builds(ast.ErrorValue, st.one_of(st.just(()), lens)),
    st.builds(ast.Scalar, names, st.one_of(st.just(()), lens)),
    st.builds(lambda n: ast.Scalar(n, (), True), names),
    st.builds(lambda n, l: ast.CanonStream("#" + n + "x", l), names, st.one_of(st.just(()), lens)),
)
triplet = st.one_of(st.builds(ast.Literal, st.from_regex(r"[a-z]{1,5}", fullmatch=True)), st.builds(ast.Scalar, names))
outputs = st.one_of(st.none(), st.builds(ast.Scalar, names), st.builds(lambda n: ast.Stream("$" + n), names))

leaves = st.one_of(
    st.builds(ast.Null),
    st.builds(ast.Never),
    st.builds(ast.Next, names),
    st.builds(ast.Call, triplet, triplet, triplet, st.lists(values, max_size=3).map(tuple), outputs),
    st.builds(ast.Ap, values, st.one_of(st.builds(ast.Scalar, names), st.builds(lambda n: ast.Stream("$" + n), names))),
    st.builds(lambda p, s, c: ast.Canon(p, ast.Stream("$" + s), ast.CanonStream("#" + c)), triplet, names, names),
    st.builds(ast.FailLiteral, st.integers(1, 2**31), st.from_regex(r"[a-z ]{0,10}", fullmatch=True)),
    st.builds(ast.FailValue, st.one_of(st.just(ast.LastError()), st.just(ast.ErrorValue()), st.builds(ast.Scalar, names))),
)


def extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.builds(ast.Seq, children, children),
        st.builds(ast.Par, children, children),
        st.builds(ast.Xor, children, children),
        st.builds(ast.Match, values, values, children),
        st.builds(ast.MisMatch, values, values, children),
        st.builds(ast.New, st.builds(ast.Scalar, names), children),
        st.builds(
            ast.Fold,
            st.one_of(st.builds(ast.Scalar, names), st.builds(lambda n: ast.Stream("$" + n), names)),
            names,
            children,
            st.one_of(st.none(), children),
        ),
    )


trees = st.recursive(leaves, extend, max_leaves=12)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(trees)
def test_print_then_parse_gives_the_same_tree(tree: ast.Instruction) -> None:
    assert parse(ast.to_air(tree), validate=False) == tree
    assert parse(ast.to_air(tree, indent=1), validate=False) == tree


air_alphabet = st.sampled_from(list('()[]"; \n$#%:.-_0123456789abcxyz') + [
    "seq", "par", "xor", "call", "fold", "next", "new", "match", "ap", "canon", "fail", "null", "never",
    "%init_peer_id%", ":error:", "%last_error%", ".$.", ".length", '"op"', "[]",
])


@settings(max_examples=500)
@given(st.lists(air_alphabet, max_size=40).map("".join))
def test_garbage_scripts_raise_only_parse_errors(text: str) -> None:
    try:
        parse(text)
    except ParseError:
        pass


@settings(max_examples=300)
@given(st.text(max_size=200))
def test_any_text_raises_only_parse_errors(text: str) -> None:
    try:
        parse(text)
    except ParseError:
        pass


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1), st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=5)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=3)),
    max_leaves=6,
)
entries = st.builds(
    Entry,
    st.sampled_from([Kind.CALL, Kind.AP]),
    json_values,
    st.sampled_from(["alice", "bob"]),
    st.sampled_from([None, "$s", "$t"]),
    st.integers(0, 3),
).map(lambda e: Entry(e.kind, e.value, e.peer, e.stream, e.gen if e.stream else 0))


@st.composite
def copies(draw: Any) -> tuple[Data, Data, Data]:
    """Three copies of one particle's data: subsets, in any order, of one consistent history."""
    universe = draw(st.dictionaries(st.text("abcdefgh/", min_size=1, max_size=4), entries, max_size=8))
    keys = list(universe)

    def one() -> Data:
        chosen = draw(st.permutations(keys))[: draw(st.integers(0, len(keys)))]
        data = Data({k: Entry(universe[k].kind, universe[k].value, universe[k].peer, universe[k].stream, universe[k].gen) for k in chosen})
        data.compact()
        return data

    return one(), one(), one()


def same(a: Data, b: Data) -> bool:
    return list(a.entries.items()) == list(b.entries.items()) and a.sent == b.sent


@settings(max_examples=300)
@given(copies())
def test_merge_is_idempotent(c: tuple[Data, Data, Data]) -> None:
    a, _, _ = c
    assert same(D.merge(a, a), a)


@settings(max_examples=300)
@given(copies())
def test_merge_is_associative(c: tuple[Data, Data, Data]) -> None:
    a, b, cc = c
    assert same(D.merge(D.merge(a, b), cc), D.merge(a, D.merge(b, cc)))


@settings(max_examples=200)
@given(copies())
def test_data_survives_the_codec(c: tuple[Data, Data, Data]) -> None:
    a, _, _ = c
    assert same(D.decode(D.encode(a)), a)


@settings(max_examples=500)
@given(st.binary(max_size=300))
def test_garbage_data_raises_only_data_errors(raw: bytes) -> None:
    try:
        D.decode(raw)
    except D.DataError:
        pass


@settings(max_examples=300)
@given(copies(), st.data())
def test_mutated_data_raises_only_data_errors(c: tuple[Data, Data, Data], data: Any) -> None:
    raw = bytearray(D.encode(c[0]))
    if not raw:
        return
    for _ in range(data.draw(st.integers(1, 4))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    try:
        D.decode(bytes(raw))
    except D.DataError:
        pass

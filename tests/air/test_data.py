"""The particle data: codec, merge rules and limits."""

from __future__ import annotations

import cbor2
import pytest

from edge_agent import const
from edge_agent.air import data as D
from edge_agent.air.data import Data, Entry, Kind


def sample() -> Data:
    return Data(
        {
            "0": Entry(Kind.CALL, {"a": [1, 2.5, None, True]}, "alice"),
            "3/0": Entry(Kind.CALL, "x", "bob", "$s", 0),
            "3/1": Entry(Kind.AP, 7, "bob", "$s", 1),
            "5": Entry(Kind.CALL_FAILED, [4, "broken"], "carol"),
            "9": Entry(Kind.CANON, ["3/1", "3/0"], "alice"),
        },
        {"12": "dave"},
    )


def test_codec_round_trip_keeps_order() -> None:
    data = sample()
    back = D.decode(D.encode(data))
    assert list(back.entries.items()) == list(data.entries.items())
    assert back.sent == data.sent


def test_a_canon_must_refer_to_stream_values_the_data_holds() -> None:
    raw = cbor2.dumps({"v": 3, "p": ["a"], "s": [], "e": [["c", 2, [5], 0, -1, 0]], "f": [], "g": []})
    with pytest.raises(D.DataError, match="refers to a stream value the data does not hold"):
        D.decode(raw)


def test_empty_data_is_empty_bytes() -> None:
    assert D.encode(Data()) == b""
    assert D.decode(b"") == Data()


def test_merge_appends_what_we_lack_after_our_generations() -> None:
    ours = Data({"a": Entry(Kind.CALL, 1, "bob", "$s", 0)})
    theirs = Data({"b": Entry(Kind.CALL, 2, "carol", "$s", 0), "a": Entry(Kind.CALL, 1, "bob", "$s", 0)})
    merged = D.merge(ours, theirs)
    assert list(merged.entries) == ["a", "b"]
    assert [e.gen for e in merged.entries.values()] == [0, 1]  # their gen 0 comes after ours


def test_merge_rejects_a_different_result_for_one_key() -> None:
    ours = Data({"a": Entry(Kind.CALL, 1, "bob")})
    with pytest.raises(D.DataConflict, match="different result for instruction instance 'a'"):
        D.merge(ours, Data({"a": Entry(Kind.CALL, 1.0, "bob")}))  # 1 and 1.0 differ, as in AquaVM
    with pytest.raises(D.DataConflict):
        D.merge(ours, Data({"a": Entry(Kind.CALL, 1, "mallory")}))


def test_merge_accepts_the_same_ap_from_another_runner() -> None:
    ours = Data({"a": Entry(Kind.AP, 1, "bob", "$s", 0)})
    merged = D.merge(ours, Data({"a": Entry(Kind.AP, 1, "carol", "$s", 0)}))
    assert merged.entries["a"].peer == "bob"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"\xff\x00", "not valid CBOR"),
        (cbor2.dumps([1, 2]), "unsupported particle data format"),
        (cbor2.dumps({"v": 1}), "unsupported particle data format"),
        (cbor2.dumps({"v": 2, "p": [], "s": [], "e": [], "f": [], "g": []}), "(version 2, expected 3)"),
        (
            cbor2.dumps({"v": 3, "p": ["a"], "s": [], "e": [], "f": [["k", 0], ["k", 0]], "g": []}),
            "two 'sent' records for 'k'",
        ),
        (cbor2.dumps({"v": 3, "p": [], "s": [], "e": "x", "f": [], "g": []}), "'e' must be an array"),
        (cbor2.dumps({"v": 3, "p": ["a"], "s": [], "e": [["k", 9, 1, 0, -1, 0]], "f": [], "g": []}), "unknown kind"),
        (cbor2.dumps({"v": 3, "p": ["a"], "s": [], "e": [["k", 0, 1, 5, -1, 0]], "f": [], "g": []}), "no known peer"),
        (cbor2.dumps({"v": 3, "p": ["a"], "s": [], "e": [["k", 1, 1, 0, -1, 0]], "f": [], "g": []}), "[ret_code, message]"),
        (cbor2.dumps({"v": 3, "p": ["a"], "s": [], "e": [["k", 0, {1: 2}, 0, -1, 0]], "f": [], "g": []}), "keys must be strings"),
        (
            cbor2.dumps({"v": 3, "p": ["a"], "s": [], "e": [["k", 0, 1, 0, -1, 0], ["k", 0, 1, 0, -1, 0]], "f": [], "g": []}),
            "twice",
        ),
        (b"\x81" * 100_000 + b"\x00", "not valid CBOR"),
    ],
)
def test_malformed_data_is_a_clear_error(raw: bytes, message: str) -> None:
    with pytest.raises(D.DataError) as info:
        D.decode(raw)
    assert message in str(info.value)


def test_deeply_nested_values_are_refused() -> None:
    value: object = 1
    for _ in range(const.MAX_VALUE_DEPTH + 5):
        value = [value]
    raw = cbor2.dumps({"v": 3, "p": ["a"], "s": [], "e": [["k", 0, value, 0, -1, 0]], "f": [], "g": []})
    with pytest.raises(D.DataError, match="nested deeper"):
        D.decode(raw)


def test_sizes_are_checked_both_ways() -> None:
    big = Data({"0": Entry(Kind.CALL, "x" * 5000, "alice")})
    with pytest.raises(D.DataError, match="more than the limit of 1000"):
        D.encode(big, max_bytes=1000)
    raw = D.encode(big)
    with pytest.raises(D.DataError, match="more than the limit of 1000"):
        D.decode(raw, max_bytes=1000)


# --- failure reports (issue 11) ----------------------------------------------------------------


def _one_entry(key: str, kind: int, value: object, stream: int = -1) -> bytes:
    row = [key, kind, value, 0, stream, 0]
    return cbor2.dumps({"v": 3, "p": ["a"], "s": ["$s"], "e": [row], "f": [], "g": []})


def test_a_failure_report_round_trips() -> None:
    data = Data({D.FAILURE_KEY: Entry(Kind.FAILURE, [10000, "boom", '(call "b" ("s" "f") [])'], "bob")})
    assert D.decode(D.encode(data)).entries == data.entries


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (_one_entry(D.FAILURE_KEY, 0, 1), "only '!failure' is a failure report"),
        (_one_entry("3", 4, [1, "m", "i"]), "only '!failure' is a failure report"),
        (_one_entry(D.FAILURE_KEY, 4, [1, "m"]), "without [ret_code, message, instruction]"),
        (_one_entry(D.FAILURE_KEY, 4, [0, "m", "i"]), "without [ret_code, message, instruction]"),
        (_one_entry(D.FAILURE_KEY, 4, [1, "m", 5]), "without [ret_code, message, instruction]"),
        (_one_entry(D.FAILURE_KEY, 4, [1, "m", "i"], stream=0), "without [ret_code, message, instruction]"),
        (_one_entry(D.FAILURE_KEY, 4, [1, "m" * (D.FAILURE_TEXT_MAX_CHARS + 1), "i"]), "without [ret_code"),
    ],
)
def test_a_malformed_failure_report_is_a_clear_error(raw: bytes, message: str) -> None:
    with pytest.raises(D.DataError) as info:
        D.decode(raw)
    assert message in str(info.value)


# --- seals: one per peer survives, the nested ones go ----------------------------------------


def test_merge_seals_keeps_per_peer_the_seals_no_other_contains() -> None:
    Seal, merge_seals = D.Seal, D.merge_seals
    a1 = Seal("a", ("1",), b"a1")
    a12 = Seal("a", ("1", "2"), b"a12")
    b1 = Seal("b", ("3",), b"b1")
    c1 = Seal("c", ("4",), b"c1")
    assert merge_seals([a1, b1], [b1]) == [a1, b1]  # a seal both carry
    assert merge_seals([a1, b1], [c1]) == [a1, b1, c1]  # a peer's first seal: appended
    assert merge_seals([a1, b1], [a12, c1]) == [b1, a12, c1]  # a12 contains a1: a1 goes
    assert merge_seals([a12, b1], [a1]) == [a12, b1]  # a1 is contained: nothing changes
    apart = [Seal("a", (str(i),), bytes([i])) for i in range(const.MAX_SEALS_PER_PEER + 1)]
    assert merge_seals([], apart[:-1]) == apart[:-1]  # seals that do not nest are all kept
    with pytest.raises(D.DataError, match="seals of peer a"):
        merge_seals(apart[:-1], apart[-1:])


def test_merges_that_keep_the_seals_index_give_what_merging_the_lists_gives() -> None:
    """The index a merge keeps with its data is used only for the list it describes: the data
    a merge came from, a list replaced by its host, are walked again."""
    Seal = D.Seal
    a0 = Seal("a", ("0",), b"a0")
    copies = [Data({str(i): Entry(Kind.CALL, i, f"p{i}")}, seals=[a0, Seal(f"p{i}", (str(i),), bytes([i]))])
              for i in range(1, 4)]
    data = D.merge(Data(), Data({"0": Entry(Kind.CALL, 0, "a")}, seals=[a0]))
    prev = data
    for copy in copies:
        prev, data = data, D.merge(data, copy)
        assert data.seals == D.merge_seals(prev.seals, copy.seals)
    assert [s.peer for s in data.seals] == ["a", "p1", "p2", "p3"]
    again = D.merge(prev, copies[2])  # prev's index went to the data merged from it, with p3's seal
    assert [s.peer for s in again.seals] == ["a", "p1", "p2", "p3"]
    data.seals = [Seal("a", ("0", "9"), b"a09")]  # a list its host replaced
    merged = D.merge(data, copies[0])
    assert [s.signature for s in merged.seals] == [b"a09", bytes([1])]  # a0 is contained in a09


@pytest.mark.parametrize(
    "garbage",
    [b"\xff", b"\x81\xff", b"\xa1\x61a\xff", b"\xf8\x00", b"\xf7"],
    ids=["break", "in-array", "in-map", "simple", "undefined"],
)
@pytest.mark.parametrize("where", ["value", "seal", "field"])
def test_stray_break_codes_and_simple_values_are_refused_without_a_structure_scan(
    garbage: bytes, where: str
) -> None:
    """Data is decoded without cborutil's well-formedness scan (signatures hold 0xff bytes
    often, and it cost ~40 µs a copy): what cbor2 lets through decodes as objects of types of
    their own, and every value is checked for its exact type."""
    marker = "Z" * 20
    obj = {"v": 3, "p": ["a"], "s": [], "e": [["k", 0, 1, 0, -1, 0]], "f": [], "g": []}
    if where == "value":
        obj["e"][0][2] = marker
    elif where == "seal":
        obj["g"] = [[0, [0], marker, []]]
    else:
        obj["x"] = marker
    raw = cbor2.dumps(obj).replace(cbor2.dumps(marker), garbage)
    with pytest.raises(D.DataError):
        D.decode(raw)

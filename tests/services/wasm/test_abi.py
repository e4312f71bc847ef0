"""The ABI v1 rules and the worker pipe codec, without a process or wasm3 (edge_agent/services/wasm/abi.py)."""

from __future__ import annotations

import math

import cbor2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge_agent.services.wasm import abi
from edge_agent.services.wasm.abi import ArgumentError, ReplyError

# --- numeric arguments -----------------------------------------------------------------------


def test_numeric_args_pass_through_in_range() -> None:
    assert abi.check_numeric_args("f", ["i32", "i64", "f32", "f64"], [1, -2, 1.5, 3]) == [
        1,
        -2,
        1.5,
        3.0,
    ]


@pytest.mark.parametrize(
    ("param", "value", "wasm"),
    [
        ("i32", 2**31 - 1, 2**31 - 1),
        ("i32", 2**31, -(2**31)),
        ("i32", 2**32 - 1, -1),
        ("i32", -(2**31), -(2**31)),
        ("i64", 2**64 - 1, -1),
        ("i64", 2**63, -(2**63)),
        ("i64", -(2**63), -(2**63)),
    ],
)
def test_unsigned_integers_become_twos_complement(param: str, value: int, wasm: int) -> None:
    assert abi.check_numeric_args("f", [param], [value]) == [wasm]


@pytest.mark.parametrize(
    ("param", "value"),
    [("i32", 2**32), ("i32", -(2**31) - 1), ("i64", 2**64), ("i64", -(2**63) - 1)],
)
def test_integers_out_of_range_are_refused(param: str, value: int) -> None:
    with pytest.raises(ArgumentError, match=f"outside the {param} range"):
        abi.check_numeric_args("svc.f", [param], [value])


@pytest.mark.parametrize(
    ("param", "value", "match"),
    [
        ("i32", True, "got the boolean true"),
        ("f64", False, "got the boolean false"),
        ("i32", 1.0, "must be an integer"),
        ("i64", 2.5, "must be an integer"),
        ("i32", "1", "got the string '1'"),
        ("f32", None, "got null"),
        ("f64", [1], "got an array of 1"),
        ("f64", {"a": 1}, "got a map of 1"),
        ("f64", math.nan, "finite"),
        ("f64", math.inf, "finite"),
        ("f32", 1e39, "too large for f32"),
        ("f64", 10**400, "too large for f64"),
    ],
)
def test_wrong_types_are_refused(param: str, value: object, match: str) -> None:
    with pytest.raises(ArgumentError, match=match):
        abi.check_numeric_args("svc.f", [param], [value])


def test_argument_count_must_match_exactly() -> None:
    with pytest.raises(ArgumentError, match=r"svc.f takes 2 arguments \(i32, i64\), got 1"):
        abi.check_numeric_args("svc.f", ["i32", "i64"], [1])
    with pytest.raises(ArgumentError, match="got 3"):
        abi.check_numeric_args("svc.f", ["i32", "i64"], [1, 2, 3])
    with pytest.raises(ArgumentError, match="list of arguments"):
        abi.check_numeric_args("svc.f", ["i32"], "1")  # type: ignore[arg-type]


@given(st.integers())
def test_i32_accepts_exactly_its_range(value: int) -> None:
    inside = -(2**31) <= value <= 2**32 - 1
    try:
        (wasm,) = abi.check_numeric_args("f", ["i32"], [value])
    except ArgumentError:
        assert not inside
    else:
        assert inside
        assert -(2**31) <= wasm < 2**31
        assert wasm % 2**32 == value % 2**32


@given(st.integers())
def test_i64_accepts_exactly_its_range(value: int) -> None:
    inside = -(2**63) <= value <= 2**64 - 1
    try:
        (wasm,) = abi.check_numeric_args("f", ["i64"], [value])
    except ArgumentError:
        assert not inside
    else:
        assert inside and wasm % 2**64 == value % 2**64 and -(2**63) <= wasm < 2**63


def test_numeric_results() -> None:
    assert abi.numeric_result(3) == 3
    assert abi.numeric_result(None) is None
    with pytest.raises(ReplyError, match="nan"):
        abi.numeric_result(math.nan)


# --- signatures --------------------------------------------------------------------------------


def test_cbor_signature_and_reserved_exports() -> None:
    assert abi.is_cbor_signature(("i32", "i32"), ("i64",))
    assert not abi.is_cbor_signature(("i32", "i32"), ("i32",))
    assert not abi.is_callable_export("ea_alloc")
    assert not abi.is_callable_export("__ea_fuel_set")
    assert abi.is_callable_export("greet")


def test_val_type_accepts_names_and_binary_codes() -> None:
    assert abi.val_type("I64") == "i64"
    assert abi.val_type(0x7C) == "f64"
    with pytest.raises(ValueError):
        abi.val_type(0x7B)


# --- CBOR arguments and replies ----------------------------------------------------------------


def test_encode_args_is_one_cbor_array() -> None:
    data = abi.encode_args("f", ["hi", 1, {"a": [None, True]}], 1000)
    assert cbor2.loads(data) == ["hi", 1, {"a": [None, True]}]


def test_encode_args_bounds_and_types() -> None:
    with pytest.raises(ArgumentError, match="the limit is 10"):
        abi.encode_args("svc.f", ["x" * 20], 10)
    with pytest.raises(ArgumentError, match="not JSON-like"):
        abi.encode_args("svc.f", [object()], 1000)


def test_reply_ok_and_err() -> None:
    assert abi.decode_reply(cbor2.dumps({"ok": [1, "a", None]})) == (True, [1, "a", None], 0)
    assert abi.decode_reply(cbor2.dumps({"err": "nope"})) == (False, "nope", 1)
    assert abi.decode_reply(cbor2.dumps({"err": "nope", "code": 42})) == (False, "nope", 42)


def test_reply_bytes_become_lists_of_numbers() -> None:
    assert abi.decode_reply(cbor2.dumps({"ok": {"h": b"\x00\xff"}})) == (True, {"h": [0, 255]}, 0)


@pytest.mark.parametrize(
    ("reply", "match"),
    [
        (b"", "not valid CBOR"),
        (b"\xff", "not valid CBOR"),
        (b"\xa1\x62ok\x01\x00", "1 bytes after"),
        (cbor2.dumps([1]), "must be a map"),
        (cbor2.dumps({"ok": 1, "err": "x"}), "has 'err', 'ok'"),
        (cbor2.dumps({"x": 1}), "has 'x'"),
        (cbor2.dumps({"err": 5}), '"err" must be text'),
        (cbor2.dumps({"err": "x", "code": 0}), "non-zero"),
        (cbor2.dumps({"err": "x", "code": True}), "non-zero"),
        (cbor2.dumps({"err": "x", "code": 2**40}), "32-bit"),
        (cbor2.dumps({"ok": {1: 2}}), "not text"),
        (cbor2.dumps({"ok": math.nan}), "cannot carry"),
        (cbor2.dumps({"ok": 2**70}), "outside"),
        (b"\xa1\x62ok\xf7", "undefined|cannot carry"),
        (b"\xa1\x62ok\xc1\x1a\x00\x00\x00\x01", "cannot carry"),  # tag 1: a datetime
        (b"\xa1\x62ok" + b"\x81" * 100 + b"\x00", "nested"),
        (b"\xa1\x62ok" + b"\x81" * 100_000 + b"\x00", "nested|CBOR"),
    ],
)
def test_malformed_replies(reply: bytes, match: str) -> None:
    with pytest.raises(ReplyError, match=match):
        abi.decode_reply(reply)


@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers(-(2**63), 2**64 - 1)
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_json_like_values_round_trip(value: object) -> None:
    assert abi.decode_reply(cbor2.dumps({"ok": value})) == (True, value, 0)


@given(st.binary(max_size=64))
def test_arbitrary_reply_bytes_never_raise_anything_but_reply_error(data: bytes) -> None:
    try:
        abi.decode_reply(data)
    except ReplyError:
        pass


def test_unpack_reply_pointer() -> None:
    assert abi.unpack_reply_pointer((5 << 32) | 7) == (5, 7)
    assert abi.unpack_reply_pointer(-1) == (0xFFFF_FFFF, 0xFFFF_FFFF)


# --- frames --------------------------------------------------------------------------------------


def test_frames_survive_any_split() -> None:
    stream = abi.encode_frame(["call", "s", "f", [1, 2]]) + abi.encode_frame(
        ["ok", b"\x00" * 70_000, [], ""]
    )
    for cut in (1, 3, 4, 5, 17, 1000, len(stream)):
        reader = abi.FrameReader()
        frames = []
        for i in range(0, len(stream), cut):
            frames += reader.feed(stream[i : i + cut])
        assert frames == [["call", "s", "f", [1, 2]], ["ok", b"\x00" * 70_000, [], ""]]
        assert reader.pending == 0


def test_oversized_frame_is_refused_before_its_body_arrives() -> None:
    reader = abi.FrameReader(max_frame=100)
    with pytest.raises(abi.FrameError, match="exceeds"):
        reader.feed((101).to_bytes(4, "big"))


def test_garbage_frame_is_refused() -> None:
    with pytest.raises(abi.FrameError, match="not valid CBOR"):
        abi.FrameReader().feed(b"\x00\x00\x00\x01\xff")


def test_log_lines_keep_only_well_formed_entries() -> None:
    assert abi.log_lines([[1, "a"], [9, "b"], ["x", "c"], [0]]) == [(1, "a"), (3, "b")]


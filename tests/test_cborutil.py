"""Exactly one well-formed CBOR item, with either cbor2 implementation (edge_agent/cborutil.py).

The not-well-formed examples are RFC 8949 Appendix F.1's, all of them, plus the break codes
cbor2 lets through. `test_the_cbor_facing_tests_pass_with_pure_python_cbor2` runs this file
and the other tests that decode CBOR again with cbor2's pure-Python implementation, which a
device gets when pip installs cbor2's py3-none-any wheel (32-bit ARM).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cbor2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge_agent import cborutil
from edge_agent.cborutil import CBORError, check_well_formed, loads_one

REPO = Path(__file__).resolve().parent.parent

# RFC 8949 Appendix F.1, in its order, then what cbor2 5.x decodes although it is not
# well-formed (a break code as an item, a two-byte simple value below 32).
NOT_WELL_FORMED = [
    # end of input in a head
    "18", "19", "1a", "1b", "19 01", "1a 01 02", "1b 01 02 03 04 05 06 07", "38", "58", "78",
    "98", "9a 01 ff 00", "b8", "d8", "f8", "f9 00", "fa 00 00", "fb 00 00 00",
    # definite-length strings with short data
    "41", "61", "5a ff ff ff ff 00", "5b ff ff ff ff ff ff ff ff 01 02 03", "7a ff ff ff ff 00",
    "7b 7f ff ff ff ff ff ff ff 01 02 03",
    # definite-length maps and arrays not closed with enough items
    "81", "81 81 81 81 81 81 81 81 81", "82 00", "a1", "a2 01 02", "a1 00", "a2 00 00 00",
    # tag number not followed by tag content
    "c0",
    # indefinite-length strings, maps and arrays not closed by a break
    "5f 41 00", "7f 61 00", "9f", "9f 01 02", "bf", "bf 01 02 01 02", "81 9f", "9f 80 00",
    "9f 9f 9f 9f 9f ff ff ff ff", "9f 81 9f 81 9f 9f ff ff ff",
    # reserved additional information
    "1c", "1d", "1e", "3c", "3d", "3e", "5c", "5d", "5e", "7c", "7d", "7e", "9c", "9d", "9e",
    "bc", "bd", "be", "dc", "dd", "de", "fc", "fd", "fe",
    # reserved two-byte encodings of simple values
    "f8 00", "f8 01", "f8 18", "f8 1f",
    # indefinite-length string chunks of the wrong type, or not of definite length
    "5f 00 ff", "5f 21 ff", "5f 61 00 ff", "5f 80 ff", "5f a0 ff", "5f c0 00 ff", "5f e0 ff",
    "7f 41 00 ff", "5f 5f 41 00 ff ff", "7f 7f 61 00 ff ff",
    # a break code on its own, in a definite-length array, map or tag, or in a map value's place
    "ff", "81 ff", "82 00 ff", "a1 ff", "a1 ff 00", "a1 00 ff", "a2 00 00 ff", "9f 81 ff",
    "9f 82 9f 81 9f 9f ff ff ff ff", "bf 00 ff", "bf 00 00 00 ff",
    # major types 0, 1 and 6 with an indefinite length
    "1f", "3f", "df",
    # what cbor2 decoded: a break code as a map value, a tag's content, an element deep inside
    "a1 61 61 ff", "d8 ff ff", "d9 01 02 81 ff", "9f 81 ff ff", "82 00 f8 10", "a1 f8 00 00",
    # more than one item
    "00 00", "a0 ff", "5f ff ff",
]

# RFC 8949 Appendix A's indefinite-length examples, and items with 0xff and 0xf8 bytes that
# are not break codes or simple values (inside arguments and strings).
WELL_FORMED = [
    "5f 42 01 02 43 03 04 05 ff", "7f 65 73 74 72 65 61 64 6d 69 6e 67 ff", "9f ff",
    "9f 01 82 02 03 9f 04 05 ff ff", "9f 01 82 02 03 82 04 05 ff", "83 01 82 02 03 9f 04 05 ff",
    "83 01 9f 02 03 ff 82 04 05", "bf 61 61 01 61 62 9f 02 03 ff ff", "82 61 61 bf 61 62 61 63 ff",
    "bf 63 46 75 6e f5 63 41 6d 74 21 ff", "f8 ff", "f8 20", "18 ff", "19 ff f8", "42 ff f8",
    "38 ff", "c1 1a ff ff ff ff", "c1 1b 00 00 00 ff ff ff ff ff", "fb 7f ef ff ff ff ff ff ff", "bf ff", "5f ff", "d8 20 61 61",
]


def hexbytes(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", ""))


@pytest.mark.parametrize("raw", NOT_WELL_FORMED)
def test_not_well_formed_items_are_refused(raw: str) -> None:
    with pytest.raises(CBORError):
        loads_one(hexbytes(raw))
    with pytest.raises(CBORError):
        check_well_formed(hexbytes(raw))


@pytest.mark.parametrize("raw", WELL_FORMED)
def test_well_formed_items_decode_as_cbor2_decodes_them(raw: str) -> None:
    data = hexbytes(raw)
    check_well_formed(data)
    try:
        expected = cbor2.loads(data)
    except cbor2.CBORDecodeError:
        # Well formed, but not a value on this platform: a tag-1 time after 2038 where time_t
        # has 32 bits (armhf). Refused as CBOR, like any other undecodable item.
        with pytest.raises(CBORError):
            loads_one(data)
        return
    assert loads_one(data) == expected


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        ("ff", "outside an indefinite-length item"),
        ("81 ff", "inside a definite-length array, map or tag"),
        ("a1 61 61 ff", "inside a definite-length array, map or tag"),
        ("bf 61 61 ff ff", "where a map value belongs"),
    ],
)
def test_a_break_code_out_of_place_is_named(raw: str, where: str) -> None:
    with pytest.raises(CBORError, match=rf"break code \(0xff\) {where}"):
        loads_one(hexbytes(raw))


def test_deep_nesting_is_scanned_without_recursion() -> None:
    deep = b"\x9f" * 100_000 + b"\x18\xff" + b"\xff" * 100_000
    check_well_formed(deep)
    with pytest.raises(CBORError):
        check_well_formed(deep[:-1])


VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**64), 2**64 - 1)
    | st.floats()
    | st.binary(max_size=40)
    | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=5), inner, max_size=5),
    max_leaves=30,
)


@given(VALUES)
def test_what_cbor2_encodes_is_decoded_unchanged(value: object) -> None:
    raw = cbor2.dumps(value)
    check_well_formed(raw)
    assert cbor2.dumps(loads_one(raw)) == raw  # compared encoded: NaN != NaN


@given(VALUES, st.data())
def test_a_cut_item_is_refused(value: object, data: st.DataObject) -> None:
    raw = cbor2.dumps(value)
    cut = data.draw(st.integers(0, len(raw) - 1))
    with pytest.raises(CBORError):
        loads_one(raw[:cut])


@given(st.binary(max_size=24))
def test_any_bytes_are_one_item_or_cbor_error(raw: bytes) -> None:
    try:
        value = loads_one(raw)
    except CBORError:
        return
    check_well_formed(raw)  # accepted bytes are well-formed, whatever cbor2 thought of them
    assert repr(value) == repr(cbor2.loads(raw))


def test_the_implementation_is_named(request: pytest.FixtureRequest) -> None:
    expected = "pure Python" if request.config.getoption("cbor2_pure") else "C extension"
    if expected == "C extension" and sys.modules.get("_cbor2") is None:
        pytest.skip("cbor2's C extension is not installed")
    assert cborutil.implementation() == expected


def test_the_cbor_facing_tests_pass_with_pure_python_cbor2(request: pytest.FixtureRequest) -> None:
    """This process runs the C extension (when installed): run the tests that decode CBOR
    again, in a pytest that blocks it."""
    if cborutil.implementation() == "pure Python":
        pytest.skip("this pytest runs pure-Python cbor2 already")
    this = f"{Path(__file__).relative_to(REPO)}::{request.node.name}"
    files = [
        "tests/test_cborutil.py",
        "tests/test_particle.py",
        "tests/test_wire_hostile.py",
        "tests/air/test_data.py",
        "tests/services/wasm/test_abi.py",
        "tests/services/wasm/test_host.py::test_malformed_replies_name_the_service",
    ]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "--cbor2-pure",
         "--deselect", this, *files],
        cwd=REPO, capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


def test_check_items_counts_what_cbor2_would_build_and_stops_at_the_limits() -> None:
    from edge_agent.cborutil import check_items

    raw = cbor2.dumps({"a": [1, 2, [3]], "b": b"xyz"})
    assert check_items(raw, max_items=100, max_depth=8) == 9  # a map, 2 keys, 2 arrays, 3 numbers, a byte string
    with pytest.raises(CBORError, match="more than 8 CBOR items"):
        check_items(raw, max_items=8, max_depth=8)
    with pytest.raises(CBORError, match="nested deeper than 1"):
        check_items(raw, max_items=100, max_depth=1)
    million = b"\x9a\x00\x0f\x42\x40" + b"\x80" * 1_000_000  # one array of a million empty ones
    with pytest.raises(CBORError, match="more than 1000 CBOR items"):
        check_items(million, max_items=1000, max_depth=8)
    for bad, why in [(b"\x9f\xff", "indefinite"), (b"\xc1\x00", "tags"), (b"\x82\x01", "truncated"),
                     (b"\x01\x02", "after the end"), (b"\x1a\x00", "truncated")]:
        with pytest.raises(CBORError, match=why):
            check_items(bad, max_items=100, max_depth=8)


_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text(max_size=20) | st.binary(max_size=20),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=5) | st.integers(), inner, max_size=4),
    max_leaves=12,
)


@given(_VALUES)
def test_dumps_writes_what_cbor2_writes(value: object) -> None:
    assert cborutil.dumps(value) == cbor2.dumps(value)
    assert cborutil.dumps_canonical(value) == cbor2.dumps(value, canonical=True)


def test_dumps_after_a_failed_encoding_and_from_several_threads() -> None:
    import threading

    cyclic: list[object] = []
    cyclic.append(cyclic)
    for bad in ([1, object()], cyclic):
        with pytest.raises(cbor2.CBOREncodeError):
            cborutil.dumps(bad)
    inner = [1, 2]
    assert cborutil.dumps([inner, inner]) == cbor2.dumps([inner, inner])  # nothing left of the failures
    results: list[bytes] = []

    def encode(n: int) -> None:
        results.extend(cborutil.dumps({"n": n, "list": list(range(n))}) for _ in range(200))

    threads = [threading.Thread(target=encode, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(set(results)) == sorted(cbor2.dumps({"n": n, "list": list(range(n))}) for n in range(4))

"""`op`: every function of aqua-lib's Op, answering as a Fluence peer (nox) does.

Expected texts are nox's (particle-builtins/src/builtins.rs, crates/particle-args); base58
and SHA-256 vectors were checked against multiformats' base58btc and sha256, the libraries
js-client uses.
"""

from __future__ import annotations

import pytest

from edge_agent import const
from tests.services.builtins_support import call, error, local_error, run_compiled

HELLO_B58 = "Cn8eVZg"
HELLO_SHA256 = "QmRN6wdp1S2A5EtjW9A3M1vKSBuQQGcgvuhoMUoEz4iiT5"  # multihash (0x12 0x20 + digest)
HELLO_DIGEST = "42TEXg1vFAbcJ65y7qdYG9iCPvYfy3NDdVLd75akX2P5"


def missing(field: str) -> str:
    return f"Error: Field '{field}' is missing from args to call_service\nMissingField(\"{field}\")"


# --- noop, identity, array, array_length, concat, concat_strings ---------------------------------


def test_noop_answers_an_empty_string_whatever_it_is_given() -> None:
    assert call("op", "noop") == ""
    assert call("op", "noop", 1, [2], {"a": 3}) == ""


def test_identity_gives_back_its_one_argument() -> None:
    assert call("op", "identity", {"a": [1, None]}) == {"a": [1, None]}
    assert call("op", "identity", ["x"]) == ["x"]  # an Aqua option stays one
    assert call("op", "identity") == ""
    assert error("op", "identity", 1, 2) == "identity accepts up to 1 arguments, received 2 arguments"


def test_array_wraps_its_arguments() -> None:
    assert call("op", "array") == []
    assert call("op", "array", "a", 1, None, ["b"]) == ["a", 1, None, ["b"]]


def test_array_length() -> None:
    assert call("op", "array_length", []) == 0
    assert call("op", "array_length", [1, [2, 3], "x"]) == 3
    assert error("op", "array_length") == "op array_length accepts exactly 1 argument: 0 found"
    assert error("op", "array_length", [], [1]) == "op array_length accepts exactly 1 argument: 2 found"
    assert error("op", "array_length", "hola") == "op array_length's argument must be an array"


def test_concat_flattens_arrays_one_level() -> None:
    assert call("op", "concat") == []
    assert call("op", "concat", [0, 0], [1], [], [[2]], [3, 4]) == [0, 0, 1, [2], 3, 4]
    assert error("op", "concat", [1], "x") == "all arguments of 'concat' must be arrays: argument #1 is not"


def test_concat_strings() -> None:
    assert call("op", "concat_strings") == ""
    assert call("op", "concat_strings", "a", "", "bé") == "abé"
    assert error("op", "concat_strings", "a", 1) == (
        "all arguments of 'concat_strings' must be strings: argument #1 is not"
    )


# --- base58 and sha256 ---------------------------------------------------------------------------


def test_string_to_and_from_base58() -> None:
    assert call("op", "string_to_b58", "hello") == HELLO_B58
    assert call("op", "string_to_b58", "") == ""
    text = "hello, this is a string! ДОБРЫЙ ВЕЧЕР"
    encoded = "4q7Uig2kiAawj6Q4UGdY5o1B1QjpQtj11m7iEpfHCYKqN7GV5td85qVGefXvCgfnkF"
    assert call("op", "string_to_b58", text) == encoded
    assert call("op", "string_from_b58", encoded) == text
    assert call("op", "string_to_b58", "hello", "ignored") == HELLO_B58  # nox reads only the first


def test_bytes_to_and_from_base58() -> None:
    assert call("op", "bytes_to_b58", [0, 0, 1, 2, 255]) == "11LiA"  # leading zero bytes are 1s
    assert call("op", "bytes_from_b58", "11LiA") == [0, 0, 1, 2, 255]
    assert call("op", "bytes_from_b58", "") == []
    assert call("op", "bytes_to_b58", []) == ""


def test_base58_argument_errors() -> None:
    assert error("op", "string_to_b58") == missing("string")
    assert error("op", "string_to_b58", 5) == (
        "Error: Error deserializing field 'string': expected String, got 5\n"
        'DeserializeError { field: "string", value: Number(5), expected_type: "String" }'
    )
    assert error("op", "string_from_b58") == missing("b58_string")
    assert error("op", "bytes_from_b58", ["x"]) == (
        "Error: Error deserializing field 'b58_string': expected String, got [\"x\"]\n"
        'DeserializeError { field: "b58_string", value: Array [String("x")], expected_type: "String" }'
    )
    assert error("op", "bytes_to_b58", [1, 256]) == (
        "Error: Error deserializing field 'bytes': expected Vec<u8>, got [1,256]\n"
        'DeserializeError { field: "bytes", value: Array [Number(1), Number(256)], expected_type: "Vec<u8>" }'
    )


def test_bad_base58_text_is_refused_as_the_bs58_crate_words_it() -> None:
    assert error("op", "string_from_b58", "ab0c") == (
        "Error: decode base58 failed: provided string contained invalid character '0' at byte 2\n"
        "DecodeBase58(InvalidCharacter { character: '0', index: 2 })"
    )
    assert error("op", "bytes_from_b58", "abДc") == (
        "Error: decode base58 failed: provided string contained non-ascii character starting at byte 2\n"
        "DecodeBase58(NonAsciiCharacter { index: 2 })"
    )
    assert error("op", "bytes_from_b58", "a'") == (
        "Error: decode base58 failed: provided string contained invalid character '\\'' at byte 1\n"
        "DecodeBase58(InvalidCharacter { character: '\\'', index: 1 })"
    )


def test_base58_that_is_not_utf8_is_refused_as_rust_words_it() -> None:
    b58 = call("op", "bytes_to_b58", [104, 255, 105])
    assert error("op", "string_from_b58", b58) == (
        "Error: decode from bytes to UTF8 failed: invalid utf-8 sequence of 1 bytes from index 1\n"
        "DecodeUTF8(FromUtf8Error { bytes: [104, 255, 105], "
        "error: Utf8Error { valid_up_to: 1, error_len: Some(1) } })"
    )
    cut = call("op", "bytes_to_b58", [104, 0xE2, 0x82])  # "h" and the first two bytes of "€"
    assert error("op", "string_from_b58", cut) == (
        "Error: decode from bytes to UTF8 failed: incomplete utf-8 byte sequence from index 1\n"
        "DecodeUTF8(FromUtf8Error { bytes: [104, 226, 130], "
        "error: Utf8Error { valid_up_to: 1, error_len: None } })"
    )


def test_base58_input_is_bounded() -> None:
    limit = const.BUILTIN_MAX_BASE58_BYTES
    assert call("op", "bytes_from_b58", call("op", "bytes_to_b58", [7] * limit)) == [7] * limit
    assert error("op", "string_to_b58", "x" * (limit + 1)) == (
        f"op.string_to_b58: {limit + 1} bytes is more than this peer encodes, {limit} "
        "(base58 is slow for long inputs)"
    )
    assert error("op", "bytes_to_b58", [1] * (limit + 1)).startswith(f"op.bytes_to_b58: {limit + 1} bytes")
    chars = const.BUILTIN_MAX_BASE58_CHARS
    assert error("op", "string_from_b58", "z" * (chars + 1)) == (
        f"op.string_from_b58: {chars + 1} characters is more than this peer decodes, {chars} "
        "(base58 is slow for long inputs)"
    )
    assert error("op", "bytes_from_b58", "z" * (chars + 1)).startswith("op.bytes_from_b58: ")


def test_sha256_string_and_its_options() -> None:
    digest = call("op", "sha256_string", "hello", True, True)
    assert bytes(digest).hex() == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    assert call("op", "sha256_string", "hello") == HELLO_SHA256
    assert call("op", "sha256_string", "hello", True) == HELLO_DIGEST
    assert call("op", "sha256_string", "hello", False, True) == [0x12, 0x20, *digest]
    # Options as Aqua passes them: [] is none, [x] is x; null is none too.
    assert call("op", "sha256_string", "hello", [], [True]) == [0x12, 0x20, *digest]
    assert call("op", "sha256_string", "hello", None, None) == HELLO_SHA256
    # Longer than nox's unhashed 64-byte wrapping allows: hashed all the same.
    assert len(call("op", "sha256_string", "x" * 1000, True, True)) == 32


def test_sha256_string_argument_errors() -> None:
    assert error("op", "sha256_string") == missing("string")
    assert error("op", "sha256_string", "a", "yes") == (
        "Error: Error deserializing field 'digest_only': expected Option<bool>, got \"yes\"\n"
        'DeserializeError { field: "digest_only", value: String("yes"), expected_type: "Option<bool>" }'
    )
    assert error("op", "sha256_string", "a", False, [True, False]) == (
        "Error: Option's array must contain at most 1 element, 'as_bytes' was of 2 elements\n"
        'NonUnaryOption { field: "as_bytes", length: 2 }'
    )


# --- what a stranger can make a builtin build ------------------------------------------------------


def test_results_built_from_arguments_are_bounded_whatever_the_arguments_share() -> None:
    big = ["x"] * 1000
    # The same value named many times: 200 x 1001 values, over the limit, refused early.
    many = [big] * 200
    assert const.BUILTIN_MAX_RESULT_VALUES < 200 * 1001
    limit_text = "values, this peer's limit"
    assert error("op", "array", *many).endswith(limit_text)
    assert error("op", "concat", *many).startswith("op.concat: the result would hold more than ")
    assert call("op", "concat", *many[:100]) == big * 100

    long = "y" * (const.BUILTIN_MAX_RESULT_CHARS // 4 + 1)
    assert error("op", "concat_strings", long, long, long, long) == (
        f"op.concat_strings: the result would hold {4 * len(long)} characters, more than this "
        f"peer's limit of {const.BUILTIN_MAX_RESULT_CHARS}"
    )
    assert error("op", "array", {"k": long}, {"k": long}, {"k": long}, {"k": long}).endswith(
        f"more than {const.BUILTIN_MAX_RESULT_CHARS} characters of text, this peer's limit"
    )


@pytest.mark.parametrize("function", ["frobnicate", "is_connected"])
def test_a_function_op_does_not_have_is_no_service(function: str) -> None:
    assert error("op", function) == (
        f"No service found for service call: serviceId='op', fnName='{function}'"
    )


# --- AIR compiled by Fluence's compiler -----------------------------------------------------------


FOUR = ["a", "b", "c", "d"]
COMPILED_DATA = {"words": ["w1", "w2"]}
"""op.aqua's arguments besides `peer`, and the one response it gives (test_builtins_nodes.py)."""
COMPILED_RESPONSE = [
    2, FOUR, ["w1", "w2", *FOUR, "w1", "w2", *FOUR], ["x"], "hello", HELLO_B58, "hello",
    [104, 101, 108, 108, 111], HELLO_B58, HELLO_SHA256,
    [local_error(
        "Error: decode base58 failed: provided string contained invalid character '0' at byte 0\n"
        "DecodeBase58(InvalidCharacter { character: '0', index: 0 })"
    )],
]


def test_compiled_aqua_calls_every_op_function_on_another_peer() -> None:
    result = run_compiled("op", {"peer": "dev", **COMPILED_DATA})
    assert result.responses == [COMPILED_RESPONSE]
    assert {c.function for c in result.calls if c.service == "op"} == {
        "noop", "array_length", "array", "concat", "identity", "concat_strings", "string_to_b58",
        "string_from_b58", "bytes_from_b58", "bytes_to_b58", "sha256_string",
    }
    assert all(c.peer == "dev" for c in result.calls if c.service == "op")

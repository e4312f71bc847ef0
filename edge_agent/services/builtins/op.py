"""`op`: aqua-lib's `Op` service -- data helpers every peer offers.

Names, argument rules, results and error texts are a Fluence peer's (nox,
`particle-builtins/src/builtins.rs`). Where Fluence's JS peer (js-client,
`services/builtins.ts`) differs, the comment on the function says how.
"""

from __future__ import annotations

import hashlib
from typing import Any

from edge_agent import base58, const
from edge_agent.services.base import ServiceError
from edge_agent.services.builtins.args import (
    BOOL,
    STRING,
    VEC_U8,
    char_debug,
    check_result_size,
    host_error,
    take,
    take_opt,
)
from edge_agent.services.builtins.context import Builtin, CallContext

_SHA2_256 = b"\x12\x20"
"""Multihash prefix of a SHA-256 digest: code 0x12, length 32."""


def noop(args: list[Any], ctx: CallContext) -> Any:
    """Does nothing; answers "" (nox's empty result). js-client answers {}."""
    return ""


def array(args: list[Any], ctx: CallContext) -> Any:
    """All arguments, as one array."""
    check_result_size("op.array", args)
    return list(args)


def array_length(args: list[Any], ctx: CallContext) -> Any:
    """The length of the one argument, an array. (array.length is this function too.)"""
    if len(args) != 1:
        raise ServiceError(f"op array_length accepts exactly 1 argument: {len(args)} found")
    if type(args[0]) is not list:
        raise ServiceError("op array_length's argument must be an array")
    return len(args[0])


def concat(args: list[Any], ctx: CallContext) -> Any:
    """The arguments, all arrays, flattened into one. js-client says so in zod's words."""
    for i, arg in enumerate(args):
        if type(arg) is not list:
            raise ServiceError(f"all arguments of 'concat' must be arrays: argument #{i} is not")
    check_result_size("op.concat", args)
    return [item for arg in args for item in arg]


def concat_strings(args: list[Any], ctx: CallContext) -> Any:
    """The arguments, all strings, joined."""
    total = 0
    for i, arg in enumerate(args):
        if type(arg) is not str:
            raise ServiceError(f"all arguments of 'concat_strings' must be strings: argument #{i} is not")
        total += len(arg)
    if total > const.BUILTIN_MAX_RESULT_CHARS:
        raise ServiceError(
            f"op.concat_strings: the result would hold {total} characters, more than this peer's "
            f"limit of {const.BUILTIN_MAX_RESULT_CHARS}"
        )
    return "".join(args)


def identity(args: list[Any], ctx: CallContext) -> Any:
    """Its one argument back ("" without one; js-client gives {} then)."""
    if len(args) > 1:
        raise ServiceError(f"identity accepts up to 1 arguments, received {len(args)} arguments")
    return args[0] if args else ""


def string_to_b58(args: list[Any], ctx: CallContext) -> Any:
    """The base58 text of a string's UTF-8 bytes."""
    data = take(args, 0, "string", STRING).encode("utf-8")
    return _b58_encode("op.string_to_b58", data)


def string_from_b58(args: list[Any], ctx: CallContext) -> Any:
    """The string whose UTF-8 bytes a base58 text encodes."""
    data = _b58_decode("op.string_from_b58", take(args, 0, "b58_string", STRING))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _utf8_error(data, exc) from None


def bytes_to_b58(args: list[Any], ctx: CallContext) -> Any:
    """The base58 text of an array of bytes (integers 0-255)."""
    return _b58_encode("op.bytes_to_b58", bytes(take(args, 0, "bytes", VEC_U8)))


def bytes_from_b58(args: list[Any], ctx: CallContext) -> Any:
    """The bytes a base58 text encodes, as an array of integers."""
    return list(_b58_decode("op.bytes_from_b58", take(args, 0, "b58_string", STRING)))


def sha256_string(args: list[Any], ctx: CallContext) -> Any:
    """SHA-256 of a string's UTF-8 bytes: a multihash in base58 (aqua-lib's contract).

    nox's optional 2nd and 3rd arguments choose the bare digest (`digest_only`) and an array of
    bytes (`as_bytes`) instead. nox since July 2023 (commit 76365a0a, a multihash upgrade)
    wraps the string's bytes unhashed, failing for strings over 64 bytes; that is a bug, so
    this hashes, as nox did before and js-client does (js-client takes no options).
    """
    text = take(args, 0, "string", STRING)
    digest_only = take_opt(args, 1, "digest_only", BOOL)
    as_bytes = take_opt(args, 2, "as_bytes", BOOL)
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    out = digest if digest_only else _SHA2_256 + digest
    return list(out) if as_bytes else base58.encode(out)


def _b58_encode(function: str, data: bytes) -> str:
    if len(data) > const.BUILTIN_MAX_BASE58_BYTES:
        raise ServiceError(
            f"{function}: {len(data)} bytes is more than this peer encodes, "
            f"{const.BUILTIN_MAX_BASE58_BYTES} (base58 is slow for long inputs)"
        )
    return base58.encode(data)


def _b58_decode(function: str, text: str) -> bytes:
    if len(text) > const.BUILTIN_MAX_BASE58_CHARS:
        raise ServiceError(
            f"{function}: {len(text)} characters is more than this peer decodes, "
            f"{const.BUILTIN_MAX_BASE58_CHARS} (base58 is slow for long inputs)"
        )
    try:
        return base58.decode(text)
    except base58.BadCharacter as exc:
        if ord(exc.character) > 127:  # the bs58 crate reads bytes, and tells non-ASCII apart
            display = f"provided string contained non-ascii character starting at byte {exc.index}"
            debug = f"NonAsciiCharacter {{ index: {exc.index} }}"
        else:
            display = f"provided string contained invalid character {char_debug(exc.character)} " \
                      f"at byte {exc.index}"
            debug = f"InvalidCharacter {{ character: {char_debug(exc.character)}, index: {exc.index} }}"
        raise host_error(f"decode base58 failed: {display}", f"DecodeBase58({debug})") from None


def _utf8_error(data: bytes, exc: UnicodeDecodeError) -> ServiceError:
    """Rust's `String::from_utf8` error for the bytes Python could not decode."""
    if exc.reason == "unexpected end of data":  # a sequence cut short by the end
        display = f"incomplete utf-8 byte sequence from index {exc.start}"
        error_len = "None"
    else:
        display = f"invalid utf-8 sequence of {exc.end - exc.start} bytes from index {exc.start}"
        error_len = f"Some({exc.end - exc.start})"
    debug = (
        f"FromUtf8Error {{ bytes: [{', '.join(map(str, data))}], "
        f"error: Utf8Error {{ valid_up_to: {exc.start}, error_len: {error_len} }} }}"
    )
    return host_error(f"decode from bytes to UTF8 failed: {display}", f"DecodeUTF8({debug})")


FUNCTIONS: dict[str, Builtin] = {
    "noop": noop,
    "array": array,
    "array_length": array_length,
    "concat": concat,
    "concat_strings": concat_strings,
    "identity": identity,
    "string_to_b58": string_to_b58,
    "string_from_b58": string_from_b58,
    "bytes_to_b58": bytes_to_b58,
    "bytes_from_b58": bytes_from_b58,
    "sha256_string": sha256_string,
}

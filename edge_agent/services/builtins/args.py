"""Arguments of a builtin read the way a Fluence peer (nox) reads them, with its error texts.

nox decodes each argument with serde into a Rust type (`particle-args`: `Args::next`,
`Args::next_opt`; `particle-builtins/src/func.rs`: `unary`, `binary`), and a failure becomes
the call's error message: ``Error: <Display>\\n<Debug>`` (`json_utils::err_as_value`), where the
Debug part is Rust's derived rendering of the error value. Scripts can read and match those
messages, so this module renders them the same way: serde_json `Value`'s Debug form, Rust's
`{:?}` of strings and chars, and the type names `std::any::type_name` gives (shortened as
particle-args shortens them). It also holds the size limits every builtin applies to what
it builds (`const.BUILTIN_MAX_RESULT_*`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from edge_agent import const
from edge_agent.air.values import to_json
from edge_agent.services.base import ServiceError
from edge_agent.services.builtins.context import Builtin, CallContext

I64_MIN = -(2**63)
I64_MAX = 2**63 - 1


@dataclass(frozen=True, slots=True)
class Kind:
    """A Rust type an argument is decoded into: its name in nox's messages, and which JSON
    values serde accepts for it (serde_json never turns 2.0 into an integer, nor true into 1)."""

    rust: str
    accepts: Callable[[Any], bool]


def _int_in(lo: int, hi: int) -> Callable[[Any], bool]:
    return lambda v: type(v) is int and lo <= v <= hi


def vec_of(kind: Kind, rust: str) -> Kind:
    return Kind(rust, lambda v: type(v) is list and all(kind.accepts(x) for x in v))


I64 = Kind("i64", _int_in(I64_MIN, I64_MAX))
U32 = Kind("u32", _int_in(0, 2**32 - 1))
U64 = Kind("u64", _int_in(0, 2**64 - 1))
U8 = Kind("u8", _int_in(0, 255))
F64 = Kind("f64", lambda v: type(v) is int or type(v) is float)
BOOL = Kind("bool", lambda v: type(v) is bool)
STRING = Kind("String", lambda v: type(v) is str)
VEC_I64 = vec_of(I64, "Vec<i64>")
VEC_U8 = vec_of(U8, "Vec<u8>")
VEC_STRING = vec_of(STRING, "Vec<String>")
HASHSET_STRING = vec_of(STRING, "std::collections::hash::set::HashSet<String>")


# --- nox's error messages ---------------------------------------------------------------------


def host_error(display: str, debug: str) -> ServiceError:
    """A Rust error turned into a call's error by nox: ``Error: {e}\\n{e:?}`` (ret_code 1)."""
    return ServiceError(f"Error: {display}\n{debug}")


def missing(field: str) -> ServiceError:
    """`ArgsError::MissingField`: the call has fewer arguments than the function reads."""
    return host_error(
        f"Field '{field}' is missing from args to call_service", f"MissingField({str_debug(field)})"
    )


def wrong_type(field: str, value: Any, rust: str) -> ServiceError:
    """`ArgsError::DeserializeError`: the argument does not decode into the Rust type."""
    return host_error(
        f"Error deserializing field '{field}': expected {rust}, got {to_json(value)}",
        f"DeserializeError {{ field: {str_debug(field)}, value: {value_debug(value)}, "
        f"expected_type: {str_debug(rust)} }}",
    )


def arity(args: list[Any], n: int) -> None:
    """func.rs `unary`/`binary`: exactly `n` arguments, else its plain message."""
    if len(args) != n:
        raise ServiceError(f"expected {n} arguments, got {len(args)}")


def unary(f: Callable[[Any], Any], kind: Kind) -> Builtin:
    """func.rs `unary`: exactly one argument, "x", of type `kind`, given to `f`."""

    def call(args: list[Any], ctx: CallContext) -> Any:
        arity(args, 1)
        return f(take(args, 0, "x", kind))

    return call


def binary(f: Callable[[Any, Any], Any], x_kind: Kind = I64, y_kind: Kind = I64) -> Builtin:
    """func.rs `binary`: exactly two arguments, "x" and "y" (i64 unless said), given to `f`."""

    def call(args: list[Any], ctx: CallContext) -> Any:
        arity(args, 2)
        return f(take(args, 0, "x", x_kind), take(args, 1, "y", y_kind))

    return call


def take(args: list[Any], index: int, field: str, kind: Kind) -> Any:
    """`Args::next`: argument `index`, which must decode as `kind`."""
    if index >= len(args):
        raise missing(field)
    value = args[index]
    if not kind.accepts(value):
        raise wrong_type(field, value, kind.rust)
    return value


def take_opt(args: list[Any], index: int, field: str, kind: Kind, rust: str | None = None) -> Any:
    """`Args::next_opt`: an Aqua option (``[]`` or ``[x]``), a bare `x`, null or nothing.

    Returns the value, or None when there is none; `rust` is the inner type's name in the
    message when it is not `kind.rust`.
    """
    if index >= len(args):
        return None
    value = args[index]
    # serde's untagged `Opt<T>` tries, in order: an array of T, a T, null.
    if type(value) is list and all(kind.accepts(x) for x in value):
        if len(value) > 1:
            raise host_error(
                f"Option's array must contain at most 1 element, '{field}' was of {len(value)} elements",
                f"NonUnaryOption {{ field: {str_debug(field)}, length: {len(value)} }}",
            )
        return value[0] if value else None
    if kind.accepts(value) or value is None:
        return value
    raise wrong_type(field, value, f"Option<{rust or kind.rust}>")


# --- Rust's Debug rendering -------------------------------------------------------------------

_STR_ESCAPES = {"\t": "\\t", "\r": "\\r", "\n": "\\n", "\\": "\\\\", "\0": "\\0"}


def _escape_char(c: str, quote: str) -> str:
    if c == quote:
        return "\\" + c
    if c in _STR_ESCAPES:
        return _STR_ESCAPES[c]
    if c.isprintable():  # Rust's is_printable: not Cc Cf Cs Co Cn Zl Zp Zs, but ' ' is
        return c
    return f"\\u{{{ord(c):x}}}"


def str_debug(text: str) -> str:
    """Rust's `{:?}` of a str: double quotes, backslash escapes, `\\u{..}` for the unprintable."""
    return '"' + "".join(_escape_char(c, '"') for c in text) + '"'


def char_debug(c: str) -> str:
    """Rust's `{:?}` of a char: single quotes."""
    return "'" + _escape_char(c, "'") + "'"


def value_debug(value: Any) -> str:
    """serde_json `Value`'s Debug form: ``String("a")``, ``Number(1)``, ``Array [..]``..."""
    if value is None:
        return "Null"
    if type(value) is bool:
        return f"Bool({'true' if value else 'false'})"
    if type(value) is int or type(value) is float:
        return f"Number({to_json(value)})"
    if type(value) is str:
        return f"String({str_debug(value)})"
    if type(value) is list:
        return "Array [" + ", ".join(value_debug(v) for v in value) + "]"
    if type(value) is dict:
        return "Object {" + ", ".join(f"{str_debug(k)}: {value_debug(value[k])}" for k in sorted(value)) + "}"
    return repr(value)


# --- what builtins may build --------------------------------------------------------------------


def check_result_size(function: str, parts: Iterable[Any]) -> None:
    """Nothing if `parts` together hold at most `BUILTIN_MAX_RESULT_VALUES` values and
    `BUILTIN_MAX_RESULT_CHARS` characters of strings; else the call's error.

    Counts as the particle data does (every nested value, object keys too), and stops as soon
    as a limit is passed, so its work is bounded by the limits whatever the parts share.
    """
    values = chars = 0
    stack = list(parts)
    while stack:
        item = stack.pop()
        values += 1
        if type(item) is str:
            chars += len(item)
        elif type(item) is list:
            stack.extend(item)
        elif type(item) is dict:
            for key, val in item.items():
                values += 1
                chars += len(key)
                stack.append(val)
        if values > const.BUILTIN_MAX_RESULT_VALUES:
            raise ServiceError(
                f"{function}: the result would hold more than {const.BUILTIN_MAX_RESULT_VALUES} "
                f"values, this peer's limit"
            )
        if chars > const.BUILTIN_MAX_RESULT_CHARS:
            raise ServiceError(
                f"{function}: the result would hold more than {const.BUILTIN_MAX_RESULT_CHARS} "
                f"characters of text, this peer's limit"
            )

"""JSON-like values as AIR sees them: strict equality, lenses, and AquaVM's JSON text.

AIR values are what JSON holds (null, bool, integer, float, string, array, object). Python
muddles some of them (True == 1, 1 == 1.0); AquaVM, built on serde_json, does not, so
`equal` compares types as well. `to_json` prints a value the way serde_json's Display does,
because that text appears in error messages a script can read.
"""

from __future__ import annotations

import heapq
import json
import math
from typing import Any

from edge_agent import const
from edge_agent.air import ast
from edge_agent.air.errors import LAMBDA_ERROR, LENGTH_OF_NON_ARRAY, Catchable


def equal(a: Any, b: Any) -> bool:
    """Equality of two JSON values with serde_json's rules (1 != 1.0, true != 1)."""
    return equal_work(a, b)[0]


EQUAL_VALUES_PER_STEP = 32
"""A comparison (`match`, a replayed `ap`) costs one interpreter step more per this many
values it looks at: else `(match big big)` in a fold costs a stranger's run milliseconds a
step, and the step budget no longer bounds its CPU (about 0.1 µs a value here)."""

QUOTE_MAX_VALUES = 256
"""Most values (and string characters / 64) of a value an error message prints whole."""
QUOTE_MAX_CHARS = 1024
"""Longest JSON text of a value in an error message."""


def equal_work(a: Any, b: Any) -> tuple[bool, int]:
    """`equal`, and how many values it looked at: the work the comparison cost. The
    comparison runs in C (`!=`, then the types side by side), which strict equality allows:
    two values serde_json finds equal are equal to Python too."""
    if a is b:
        return True, 1  # one value: nothing to walk (JSON values hold no NaN)
    ta = type(a)
    if ta is not type(b):
        return False, 1
    if ta is not list and ta is not dict:
        return bool(a == b), 1
    if a != b:
        return False, len(a) + 1
    return _same_types(a, b)


def _same_types(a: Any, b: Any) -> tuple[bool, int]:
    """For two containers Python finds equal: whether their values have the same types all
    the way down (1 and 1.0, true and 1 are equal to Python), and how many it looked at."""
    if type(a) is dict:
        a, b = [a[k] for k in a], [b[k] for k in a]
    ta = list(map(type, a))
    if ta != list(map(type, b)):
        return False, len(a) + 1
    work = len(a) + 1
    if list in ta or dict in ta:
        for x, y, t in zip(a, b, ta, strict=True):
            if t is list or t is dict:
                same, more = _same_types(x, y)
                work += more
                if not same:
                    return False, work
    return True, work


def to_json(value: Any) -> str:
    """Compact JSON with sorted keys, as serde_json prints a `Value`."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False, allow_nan=False)


def quote(value: Any) -> str:
    """`to_json(value)` for an error message: whole, as AquaVM prints it, if the value is
    small; else the start of a bounded preview and "...". A message then costs the same
    for a value of a megabyte, and a script that keeps its errors (`%last_error%`) keeps
    kilobytes, not the value again each time."""
    budget = [QUOTE_MAX_VALUES]
    shown = _preview(value, budget)
    text = to_json(shown)
    if budget[0] >= 0 and len(text) <= QUOTE_MAX_CHARS:
        return text
    return text[:QUOTE_MAX_CHARS] + "..."


def _preview(value: Any, budget: list[int]) -> Any:
    """`value` cut to what `budget` (values left; negative once something was cut) allows."""
    budget[0] -= 1
    t = type(value)
    if t is str:
        budget[0] -= len(value) // 64
        return value if budget[0] >= 0 else value[: QUOTE_MAX_CHARS + 1]
    if t is list:
        out = []
        for item in value:
            if budget[0] < 0:
                break
            out.append(_preview(item, budget))
        return out
    if t is dict:
        kept = {}
        keys = sorted(value) if len(value) <= QUOTE_MAX_VALUES else heapq.nsmallest(QUOTE_MAX_VALUES, value)
        for k in keys:
            if budget[0] < 0:
                break
            kept[k] = _preview(value[k], budget)
        return kept
    return value


def check_value(value: Any, *, depth: int = 0) -> int:
    """Raise ValueError unless `value` is JSON-like and nested at most const.MAX_VALUE_DEPTH;
    returns how many values it holds (itself included), what it weighs in memory."""
    if depth > const.MAX_VALUE_DEPTH:
        raise ValueError(f"value nested deeper than {const.MAX_VALUE_DEPTH} levels")
    t = type(value)
    if value is None or t is bool or t is int or t is str:
        if t is int and not -(2**63) <= value < 2**64:
            raise ValueError(f"integer {value} does not fit in 64 bits")
        return 1
    if t is float:
        if not math.isfinite(value):
            raise ValueError("NaN and infinities are not JSON values")
        return 1
    if t is list:
        count = 1
        for item in value:
            count += check_value(item, depth=depth + 1)
        return count
    if t is dict:
        count = 1
        for key, item in value.items():
            if type(key) is not str:
                raise ValueError(f"object keys must be strings, found {type(key).__name__}")
            count += 1 + check_value(item, depth=depth + 1)
        return count
    raise ValueError(f"{t.__name__} is not a JSON value")


def as_index(value: Any) -> int | None:
    """A JSON number usable as an array index (an unsigned 32-bit integer), else None."""
    if type(value) is int and 0 <= value <= 0xFFFFFFFF:
        return value
    return None


def apply_lens(value: Any, lens: ast.Lens, resolve_index: Any) -> Any:
    """Follow `lens` into `value`; `resolve_index(name)` gives the value of an `.[i]` scalar."""
    for acc in lens:
        if isinstance(acc, ast.Field):
            value = _field(value, acc.name)
        elif isinstance(acc, ast.Index):
            value = _index(value, acc.index)
        else:
            key = resolve_index(acc.name)
            if type(key) is str:
                value = _field(value, key)
            else:
                idx = as_index(key)
                if idx is None:
                    raise Catchable(
                        LAMBDA_ERROR,
                        f"scalar accessor `{quote(key)}` should has number or string type",
                    )
                value = _index(value, idx)
    return value


def apply_canon_lens(values: list[Any], lens: ast.Lens, resolve_index: Any) -> Any:
    """A lens on a canon stream: its first step indexes the stream itself."""
    first, rest = lens[0], lens[1:]
    if isinstance(first, ast.Field):
        raise Catchable(
            LAMBDA_ERROR, f"field algebra (with field name = '{first.name}') can't be applied to a stream"
        )
    if isinstance(first, ast.Index):
        idx: int | None = first.index
    else:
        key = resolve_index(first.name)
        idx = as_index(key)
        if idx is None:
            raise Catchable(LAMBDA_ERROR, f"stream accessor `{quote(key)}` should has number type")
    assert idx is not None
    if idx >= len(values):
        raise Catchable(
            LAMBDA_ERROR,
            f"lambda is applied to a stream that have only '{len(values)}' elements, but '{idx}' requested",
        )
    return apply_lens(values[idx], rest, resolve_index)


def map_key(key: Any) -> str:
    """Stream map keys are strings or integers; objects made from them use the text form."""
    return key if type(key) is str else str(key)


def canon_map_object(entries: list[Any]) -> dict[str, list[Any]]:
    """A canon stream map read whole: each key with all its values, in order."""
    out: dict[str, list[Any]] = {}
    for kv in entries:
        out.setdefault(map_key(kv["key"]), []).append(kv["value"])
    return out


def first_values_object(entries: list[Any]) -> dict[str, Any]:
    """`(canon peer %map scalar)`: an object with the first value of each key."""
    out: dict[str, Any] = {}
    for kv in entries:
        out.setdefault(map_key(kv["key"]), kv["value"])
    return out


def apply_canon_map_lens(entries: list[Any], lens: ast.Lens, resolve_index: Any) -> Any:
    """A lens on a canon stream map: its first step picks a key's list of values."""
    first, rest = lens[0], lens[1:]
    if isinstance(first, ast.Field):
        key: Any = first.name
    elif isinstance(first, ast.Index):
        key = first.index
    else:
        key = resolve_index(first.name)
    wanted = map_key(key) if type(key) in (str, int) else None
    found = [kv["value"] for kv in entries if map_key(kv["key"]) == wanted]
    return apply_lens(found, rest, resolve_index)


def length_of(value: Any) -> int:
    """The `.length` functor: arrays only."""
    if type(value) is list:
        return len(value)
    raise Catchable(
        LENGTH_OF_NON_ARRAY,
        "the length functor could applied only to an array-like value, "
        f"but it's applied to '{quote(value)}'",
    )


def _field(value: Any, name: str) -> Any:
    if type(value) is not dict:
        raise Catchable(
            LAMBDA_ERROR,
            f"value '{quote(value)}' is not an map-type to match field accessor with field_name = '{name}'",
        )
    if name not in value:
        raise Catchable(
            LAMBDA_ERROR, f"value '{quote(value)}' does not contain element with field name = '{name}'"
        )
    return value[name]


def _index(value: Any, idx: int) -> Any:
    if type(value) is not list:
        raise Catchable(
            LAMBDA_ERROR,
            f"value '{quote(value)}' is not an array-type to match array accessor with idx = '{idx}'",
        )
    if idx >= len(value):
        raise Catchable(LAMBDA_ERROR, f"value '{quote(value)}' does not contain element for idx = '{idx}'")
    return value[idx]

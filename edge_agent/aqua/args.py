"""Arguments for a compiled function, from the command line, checked against its types.

`edge-agent run FILE.aqua --arg NAME=JSON` gives values as text; `parse_arg` reads one and
`check_args` says, before any particle is sent, which argument is missing, unknown or of
the wrong type -- naming the Aqua type it needed.
"""

from __future__ import annotations

import json
from typing import Any

from edge_agent.aqua import types as t
from edge_agent.errors import LocalError


class ArgumentError(LocalError):
    """Arguments that do not fit a function's types: every problem, said before anything runs."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def parse_arg(spec: str, sig: t.Signature) -> tuple[str, Any]:
    """(name, value) of `NAME=JSON`; a string argument may also be given as bare text."""
    name, sep, text = spec.partition("=")
    if not sep or not name:
        raise ValueError(f"--arg takes NAME=JSON, got {spec!r}")
    try:
        return name, json.loads(text)
    except ValueError:
        if dict(sig.args).get(name) == t.STRING:
            return name, text
        raise ValueError(f"--arg {name}: {text!r} is not JSON (a string is written '\"text\"')") from None


def mismatch(value: Any, typ: t.Type, where: str) -> str | None:
    """Why `value` (as JSON gives it) is not a `typ`, or None when it is."""
    if isinstance(typ, t.Scalar):
        return _scalar(value, typ.name, where)
    if isinstance(typ, (t.Array, t.Option, t.Stream)):
        if not isinstance(value, list):
            return f"{where} must be {typ} (a JSON array), not {json.dumps(value)}"
        if isinstance(typ, t.Option) and len(value) > 1:
            return f"{where} must be {typ}: an array of at most one value"
        return next((m for i, v in enumerate(value) if (m := mismatch(v, typ.elem, f"{where}[{i}]"))), None)
    if isinstance(typ, t.Struct):
        if not isinstance(value, dict):
            return f"{where} must be {typ} (a JSON object), not {json.dumps(value)}"
        missing = [name for name, _ in typ.fields if name not in value]
        if missing:
            return f"{where} ({typ}) lacks the field '{missing[0]}'"
        return next((m for name, ft in typ.fields if (m := mismatch(value[name], ft, f"{where}.{name}"))),
                    None)
    return f"{where} must be nil"


def _scalar(value: Any, name: str, where: str) -> str | None:
    ok: bool
    if name == "⊤":
        ok = True
    elif name == "bool":
        ok = isinstance(value, bool)
    elif name == "string":
        ok = isinstance(value, str)
    elif name in t.INTS:
        signed, bits = t.INTS[name]
        low, high = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
        ok = isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
    else:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    return None if ok else f"{where} must be {name}, not {json.dumps(value)}"


def check_args(sig: t.Signature, data: dict[str, Any]) -> list[str]:
    """Every problem of `data` as the arguments of a function of signature `sig` (whose
    callbacks are the client's `callbackSrv` functions, not data)."""
    known = {name: typ for name, typ in sig.args if not isinstance(typ, t.Arrow)}  # callbacks: no data
    problems = [f"argument '{name}' ({typ}) is missing: give it with --arg {name}=JSON"
                for name, typ in known.items() if name not in data]
    problems += [f"'{name}' is not an argument of the function (it takes: "
                 f"{', '.join(known) or 'none'})" for name in data if name not in known]
    for name, typ in known.items():
        if name in data and (m := mismatch(data[name], typ, f"argument '{name}'")):
            problems.append(m)
    return problems


def require_args(sig: t.Signature, data: dict[str, Any]) -> None:
    """Raise ArgumentError naming every problem of `data` as the arguments of `sig` (check_args)."""
    problems = check_args(sig, data)
    if problems:
        raise ArgumentError(problems)


def return_values(sig: t.Signature, responses: list[list[Any]], errors: list[list[Any]]) -> list[Any] | None:
    """The function's return values from a run's `callbackSrv.response` calls and
    `errorHandlingSrv.error` reports: the first response's arguments, `[]` for a function
    without results that reported no error (it makes no response call), None otherwise."""
    if responses:
        return responses[0]
    return [] if not sig.results and not errors else None

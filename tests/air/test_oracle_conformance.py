"""Conformance: every case of the AquaVM oracle corpus, run on edge_agent.sim, must match.

The corpus (tests/air/oracle/cases/, see its README.md) was produced by the real AquaVM
0.62 under the host rules of /work/shared/oracle/sim.mjs. This module replays each case's
input on our simulator and compares what the oracle's `--compare --semantic` compares:
responses, errors, calls, failures as (peer, ret_code) pairs, undelivered and quiescent.
The schedule-dependent fields (hops, steps, ret_codes, dropped, failure messages) are not
compared.

It must not skip: when edge_agent.sim is missing the import below fails, on purpose.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Sequence

import pytest

from edge_agent.sim import Network, ServiceError

CASES_DIR = Path(__file__).parent / "oracle" / "cases"

# The oracle's DEFAULTS (sim.mjs): ttl, timestamp and max_steps when a case does not set them.
DEFAULT_TTL_MS = 60_000
DEFAULT_TIMESTAMP_MS = 1_700_000_000_000
DEFAULT_MAX_STEPS = 2_000

# Services that our simulator serves itself on the init peer; a case must not override them,
# because add_service would replace the simulator's own recording of responses and errors.
CLIENT_SERVICES = frozenset({"getDataSrv", "callbackSrv", "errorHandlingSrv"})

# The oracle's default table (sim.mjs DEFAULT_SERVICES), present on every peer. The harness
# serves all of it itself: echo and fail exist only in the oracle, and its op.* and peer.*
# are js-client's with the oracle's own identify and error texts, while our builtins answer
# as a Fluence peer (nox) does (tests/services/test_builtins_*.py). The corpus checks AquaVM's
# semantics under the oracle's host rules, so it runs with the oracle's services.
DEFAULT_TABLE: tuple[dict[str, str], ...] = (
    {"service": "op", "function": "noop", "kind": "noop"},
    {"service": "op", "function": "identity", "kind": "identity"},
    {"service": "op", "function": "array", "kind": "args"},
    {"service": "op", "function": "array_length", "kind": "array_length"},
    {"service": "op", "function": "concat", "kind": "concat"},
    {"service": "op", "function": "concat_strings", "kind": "concat_strings"},
    {"service": "peer", "function": "identify", "kind": "identify"},
    {"service": "peer", "function": "timestamp_ms", "kind": "timestamp_ms"},
    {"service": "peer", "function": "timestamp_sec", "kind": "timestamp_sec"},
    {"service": "echo", "function": "echo", "kind": "args"},
    {"service": "fail", "function": "fail", "kind": "fail"},
)
HARNESS_SERVICES = tuple(sorted({e["service"] for e in DEFAULT_TABLE}))

SEMANTIC_FIELDS = ("responses", "errors", "calls", "failures", "undelivered", "quiescent")


# ---------------------------------------------------------------- JSON as JavaScript writes it


def _js_number(x: float) -> str:
    """Format a float as JavaScript's Number::toString does (JSON.stringify uses it)."""
    if math.isnan(x) or math.isinf(x):
        return "null"
    if x == 0:
        return "0"
    if x.is_integer() and abs(x) < 1e21:
        return str(int(x))
    d = Decimal(repr(x))  # repr is the shortest round-trip form, as in JS
    sign, digit_tuple, _ = d.as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0") or "0"
    k = len(digits)
    n = d.adjusted() + 1  # value = 0.digits * 10**n
    minus = "-" if sign else ""
    if k <= n <= 21:
        return minus + digits + "0" * (n - k)
    if 0 < n <= 21:
        return minus + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return minus + "0." + "0" * (-n) + digits
    e = n - 1
    exp = ("+" if e > 0 else "-") + str(abs(e))
    mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
    return minus + mantissa + "e" + exp


def stable_stringify(v: Any) -> str:
    """JSON with sorted object keys, as sim.mjs stableStringify writes it (JS number format)."""
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return _js_number(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(stable_stringify(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ",".join(
            json.dumps(str(k), ensure_ascii=False) + ":" + stable_stringify(v[k]) for k in sorted(v, key=str)
        ) + "}"
    raise TypeError(f"not a JSON value: {v!r}")


def js_roundtrip(v: Any) -> Any:
    """The value as the oracle's JS host hands it to AquaVM (JSON.stringify): 1.0 becomes 1."""
    return json.loads(stable_stringify(v))


# ---------------------------------------------------------------- the oracle's service kinds


class _ServiceFailure(Exception):
    """A service call that fails with ret_code and message (turned into ServiceError)."""

    def __init__(self, message: str, ret_code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.ret_code = ret_code


def _no_service(service: str, function: str) -> _ServiceFailure:
    return _ServiceFailure(
        f"No service found for service call: serviceId='{service}', fnName='{function}'", 1)


def apply_kind(entry: dict[str, Any], args: list[Any], *, peer: str, service: str, function: str,
               timestamp_ms: int) -> Any:
    """One call of a service entry, as sim.mjs applyBehaviour; raises _ServiceFailure on failure."""
    kind = entry["kind"]
    if kind == "const":
        return entry.get("value")
    if kind == "args":
        return list(args)
    if kind == "arg":
        index = entry.get("index", 0)
        return args[index] if 0 <= index < len(args) else None
    if kind == "noop":
        return {}
    if kind == "identity":
        return args[0] if args else {}
    if kind == "array_length":
        if not args or not isinstance(args[0], list):
            raise _ServiceFailure("array_length: argument is not an array")
        return len(args[0])
    if kind == "concat":
        out: list[Any] = []
        for a in args:
            if isinstance(a, list):
                out.extend(a)
            else:
                out.append(a)
        return out
    if kind == "concat_strings":
        # Maps arrive from AquaVM with sorted keys, so sorted keys is what JSON.stringify sees.
        return "".join(a if isinstance(a, str) else stable_stringify(a) for a in args)
    if kind == "identify":
        return {"peer_id": peer}
    if kind == "peer_id":
        return peer
    if kind == "timestamp_ms":
        return timestamp_ms
    if kind == "timestamp_sec":
        return timestamp_ms // 1000
    if kind == "fail":
        if "message" in entry:
            message = entry["message"]
        else:
            message = args[0] if args and isinstance(args[0], str) else f"{service}.{function} failed"
        raise _ServiceFailure(message, entry.get("ret_code", 1))
    if kind == "fail_if_equal":
        if args and stable_stringify(args[0]) == stable_stringify(entry.get("value")):
            message = entry.get("message", f"{service}.{function} failed")
            raise _ServiceFailure(message, entry.get("ret_code", 1))
        return args[0] if args else None
    if kind == "map":
        if not args:
            key = "undefined"  # JS: stableStringify(undefined) is undefined, and `${undefined}`
        else:
            key = args[0] if isinstance(args[0], str) else stable_stringify(args[0])
        table = entry["table"]
        if key in table:
            return table[key]
        if "default" in entry:
            return entry["default"]
        raise _ServiceFailure(f"{service}.{function}: no entry for {key}")
    if kind == "absent":
        raise _no_service(service, function)
    raise ValueError(f"unknown service kind {kind!r} in the corpus")


def _find_entry(entries: Sequence[dict[str, Any]], service: str, function: str) -> dict[str, Any] | None:
    """The entry for service.function, else the service's "*" entry (sim.mjs findEntry)."""
    for e in entries:
        if e["service"] == service and e["function"] == function:
            return e
    for e in entries:
        if e["service"] == service and e["function"] == "*":
            return e
    return None


Handler = Callable[[str, list[Any]], Any]


def _make_handler(peer: str, service_id: str, own: list[dict[str, Any]], star: list[dict[str, Any]],
                  timestamp_ms: int) -> Handler:
    """A handler for the whole service_id on peer, looking up as the oracle does."""
    def handler(function: str, args: list[Any]) -> Any:
        entry = (_find_entry(own, service_id, function) or _find_entry(star, service_id, function)
                 or _find_entry(DEFAULT_TABLE, service_id, function))
        if entry is None:
            raise _no_service(service_id, function)
        value = apply_kind(entry, list(args), peer=peer, service=service_id, function=function,
                           timestamp_ms=timestamp_ms)
        return js_roundtrip(value)
    return handler


def service_handlers(case: dict[str, Any]) -> dict[tuple[str, str], Handler]:
    """(peer, service_id) -> handler(function, args) for every service the harness must add.

    add_service replaces a whole service id on a peer, so each handler looks up like the
    oracle: the case's entries for the peer, then its "*" entries, then the default table,
    then "No service found". Handlers raise _ServiceFailure.
    """
    peers: list[str] = case["peers"]
    services: dict[str, list[dict[str, Any]]] = case.get("services", {})
    timestamp_ms: int = case.get("timestamp", DEFAULT_TIMESTAMP_MS)
    init_peer: str = case.get("init_peer", peers[0])
    star = services.get("*", [])

    handlers: dict[tuple[str, str], Handler] = {}
    for peer in peers:
        own = services.get(peer, [])
        service_ids = set(HARNESS_SERVICES) | {e["service"] for e in own} | {e["service"] for e in star}
        overridden = service_ids & CLIENT_SERVICES
        if peer == init_peer and overridden:
            raise ValueError(f"case overrides client services on the init peer: {sorted(overridden)}")
        for service_id in sorted(service_ids):
            handlers[(peer, service_id)] = _make_handler(peer, service_id, own, star, timestamp_ms)
    return handlers


def as_service(handler: Handler) -> Handler:
    """`handler` with the oracle's failures raised as `ServiceError`, as a peer's services fail."""
    def serve(function: str, args: list[Any]) -> Any:
        try:
            return handler(function, args)
        except _ServiceFailure as e:
            raise ServiceError(e.message, ret_code=e.ret_code) from None
    return serve


# ---------------------------------------------------------------- the adapter: our simulator


def run_case_with_edge_agent_sim(case: dict[str, Any], script: str, *, lossy: bool = True) -> dict[str, Any]:
    """Run one case on edge_agent.sim and return its result in the oracle's JSON shape: the
    semantic fields, plus `hops` and `dropped`.

    `lossy` (the oracle's network) drops a copy `reachable` refuses unnoticed; without it the
    sender learns of it as an agent does (its calls there fail with error 14).
    This is the only function that touches the simulator's API.
    """
    peers: list[str] = case["peers"]
    if "reachable" in case:
        net = Network(peers=peers, reachable=case["reachable"], lossy=lossy)
    else:
        net = Network(peers=peers, lossy=lossy)
    for (peer, service_id), handler in service_handlers(case).items():
        net.add_service(peer, service_id, as_service(handler))

    result = net.run(
        script,
        init_peer=case.get("init_peer", peers[0]),
        data=case.get("data", {}),
        ttl_ms=case.get("ttl", DEFAULT_TTL_MS),
        timestamp_ms=case.get("timestamp", DEFAULT_TIMESTAMP_MS),
        relay=case.get("relay"),
        max_steps=case.get("max_steps", DEFAULT_MAX_STEPS),
    )
    return {
        "responses": [list(args) for args in result.responses],
        "errors": [list(args) for args in result.errors],
        "calls": [
            {"peer": peer, "service": service, "function": function, "args": list(args)}
            for (peer, service, function, args) in result.calls
        ],
        "failures": [{"peer": f[0], "ret_code": f[1]} for f in result.failures],
        "undelivered": list(result.undelivered),
        "quiescent": bool(result.quiescent),
        "hops": result.hops,
        "dropped": list(result.dropped),
    }


# ---------------------------------------------------------------- comparison


def semantic_view(result: dict[str, Any]) -> dict[str, Any]:
    """The fields --compare --semantic compares, each as canonical JSON text.

    Lists stay lists of canonical items so a failing assert shows which items differ. calls
    are sorted like the oracle's (by stableStringify of [peer, service, function, args]);
    undelivered is sorted and de-duplicated; failures keep their order, as (peer, ret_code).
    """
    def call_key(c: dict[str, Any]) -> str:
        return stable_stringify([c["peer"], c["service"], c["function"], c["args"]])

    return {
        "responses": [stable_stringify(r) for r in result["responses"]],
        "errors": [stable_stringify(e) for e in result["errors"]],
        "calls": sorted(call_key(c) for c in result["calls"]),
        "failures": [stable_stringify([f["peer"], f["ret_code"]]) for f in result["failures"]],
        "undelivered": sorted(set(result["undelivered"])),
        "quiescent": stable_stringify(result["quiescent"]),
    }


def load_case(case_dir: Path) -> tuple[dict[str, Any], str, dict[str, Any]]:
    """(input, AIR script, expected) of one case folder."""
    case = json.loads((case_dir / "input.json").read_text(encoding="utf-8"))
    if isinstance(case.get("script"), str):
        script = case["script"]
    elif isinstance(case.get("script_file"), str):
        script = (case_dir / case["script_file"]).read_text(encoding="utf-8")
    else:
        raise ValueError(f"{case_dir.name}: no script or script_file; compile it with the oracle (--compile)")
    expected = json.loads((case_dir / "expected.json").read_text(encoding="utf-8"))
    return case, script, expected


def _case_dirs() -> list[Path]:
    return sorted(p for p in CASES_DIR.iterdir() if (p / "input.json").is_file())


CASE_DIRS = _case_dirs()


def test_corpus_is_present() -> None:
    assert len(CASE_DIRS) >= 60, f"expected the oracle corpus under {CASES_DIR}"
    for d in CASE_DIRS:
        assert (d / "expected.json").is_file(), f"{d.name}: run the oracle with --regen"


@pytest.mark.parametrize("case_dir", CASE_DIRS, ids=[d.name for d in CASE_DIRS])
def test_matches_aquavm(case_dir: Path) -> None:
    case, script, expected = load_case(case_dir)
    actual = run_case_with_edge_agent_sim(case, script)
    want, got = semantic_view(expected), semantic_view(actual)
    for field in SEMANTIC_FIELDS:
        assert got[field] == want[field], (
            f"{case_dir.name}: {field} differs from AquaVM\n"
            f"  case: {case.get('description', '')}\n"
            f"  expected: {want[field]}\n"
            f"  actual:   {got[field]}"
        )


# Cases whose copies are pinned too: a call pending on the init peer when the particle goes
# out (edge_agent.aqua compiles `join xs[n - 1]`'s `math` there) is recorded as requested, as AquaVM's
# "request sent by" state is, so no peer sends the particle back for it.
PENDING_CALL_CASES = ("multi-13-pending-local-call-not-forwarded", "multi-14-pending-local-call-via-relay")


@pytest.mark.parametrize("name", PENDING_CALL_CASES)
def test_pending_local_call_sends_as_aquavm(name: str) -> None:
    case, script, expected = load_case(CASES_DIR / name)
    actual = run_case_with_edge_agent_sim(case, script)
    assert (actual["hops"], actual["dropped"]) == (expected["hops"], expected["dropped"])


def test_pending_local_call_is_not_reported_unreachable() -> None:
    """As agents, where a send that fails is reported (error 14): the nodes, which reach the
    client only through the relay, never try it for its own pending call, so no call fails."""
    case, script, expected = load_case(CASES_DIR / PENDING_CALL_CASES[1])
    actual = run_case_with_edge_agent_sim(case, script, lossy=False)
    assert semantic_view(actual) == semantic_view(expected)
    assert actual["dropped"] == []

"""Helpers of the builtin tests (tests/services/test_builtins_*.py).

`call`/`error` call one builtin directly; `run_compiled` runs one of the AIR programs in
tests/services/aqua/ on the simulator. Those programs were compiled once from the `.aqua`
next to them by Fluence's own compiler (@fluencelabs/aqua-api 0.14.6 with aqua-lib 0.10.2,
default relay mode), as ../shared/oracle/sim.mjs does it; tests/services/aqua/README.md says
how to compile them again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from edge_agent.air.values import to_json
from edge_agent.services.base import ServiceError
from edge_agent.services.builtins import CallContext, call_builtin
from edge_agent.sim import Network, SimulationResult

AQUA = Path(__file__).parent / "aqua"
NOW_MS = 1_700_000_000_123
CTX = CallContext("12D3KooWpeer", "12D3KooWinit", "particle-1", NOW_MS, NOW_MS + 60_000)


def call(service: str, function: str, *args: Any, ctx: CallContext = CTX) -> Any:
    """What the builtin answers for `args` (fails the test if it refuses)."""
    return call_builtin(service, function, list(args), ctx)


def error(service: str, function: str, *args: Any, ctx: CallContext = CTX) -> str:
    """The message of the builtin's refusal of `args`; its ret_code is 1, as on a Fluence peer."""
    try:
        value = call_builtin(service, function, list(args), ctx)
    except ServiceError as exc:
        assert exc.ret_code == 1
        return exc.message
    raise AssertionError(f"{service}.{function}{args} answered {value!r} instead of failing")


def local_error(message: str) -> str:
    """The AIR error message (error 10000) a script reads for a builtin's refusal."""
    return f"Local service error, ret_code is 1, error message is '{to_json(message)}'"


def run_compiled(
    name: str, data: dict[str, Any], peers: tuple[str, ...] = ("client", "dev")
) -> SimulationResult:
    """Run tests/services/aqua/<name>.air from the first peer (relay: itself), no other services."""
    script = (AQUA / f"{name}.air").read_text()
    net = Network(list(peers))
    result = net.run(script, init_peer=peers[0], data=data, timestamp_ms=NOW_MS)
    assert result.failures == [] and result.errors == [], (result.failures, result.errors)
    return result

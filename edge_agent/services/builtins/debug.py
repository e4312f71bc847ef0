"""`debug`: aqua-lib's `Debug` service -- any value as JSON text.

As on a Fluence peer (nox): one argument gives its compact JSON, several the JSON of the
array of them, none the JSON string "<empty argument list>". Object keys come sorted, as
in every JSON text this agent writes. js-client pretty-prints instead.
"""

from __future__ import annotations

from typing import Any

from edge_agent.air.values import to_json
from edge_agent.services.builtins.args import check_result_size
from edge_agent.services.builtins.context import Builtin, CallContext


def stringify(args: list[Any], ctx: CallContext) -> Any:
    if not args:
        return '"<empty argument list>"'
    check_result_size("debug.stringify", args)
    return to_json(args[0] if len(args) == 1 else args)


FUNCTIONS: dict[str, Builtin] = {"stringify": stringify}

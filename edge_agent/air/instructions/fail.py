"""`(fail ...)`: raise an error on purpose, or re-raise the one a `xor` caught.

The error object becomes `%last_error%`; the error that travels (and lands in `:error:`) is
AquaVM's 10006 "fail with '...' is used without corresponding xor", except that
`(fail :error:)` inside a catch re-raises the original error unchanged.
"""

from __future__ import annotations

from typing import Any

from edge_agent.air import ast
from edge_agent.air import values as V
from edge_agent.air.context import ExecutionContext
from edge_agent.air.errors import INVALID_ERROR_OBJECT, USER_ERROR, Catchable
from edge_agent.air.resolve import resolve


def user_error(obj: dict[str, Any]) -> Catchable:
    return Catchable(USER_ERROR, f"fail with '{V.quote(obj)}' is used without corresponding xor")


def check_error_object(value: Any) -> dict[str, Any]:
    """An error object needs a non-zero integer error_code and a string message (AquaVM's texts)."""
    if type(value) is not dict:
        raise Catchable(
            INVALID_ERROR_OBJECT,
            "scalar should have an object type to be converted into error object, "
            f"but '{V.quote(value)}' doesn't have",
        )
    for name, want, kind in (("error_code", int, "integer"), ("message", str, "string")):
        if name not in value:
            raise Catchable(
                INVALID_ERROR_OBJECT, f"scalar '{V.quote(value)}' must have field with name '{name}'"
            )
        if type(value[name]) is not want:
            raise Catchable(
                INVALID_ERROR_OBJECT, f"{name} of scalar '{V.quote(value)}' must have {kind} type"
            )
    if value["error_code"] == 0:
        raise Catchable(INVALID_ERROR_OBJECT, "error code must be non-zero, but it is zero")
    return value


def execute_literal(node: ast.FailLiteral, ctx: ExecutionContext) -> None:
    obj = {
        "error_code": node.code,
        "message": node.message,
        "instruction": ast.render(node),
        "peer_id": ctx.params.init_peer_id,
    }
    ctx.errors.set_last_from_object(obj)
    ctx.complete = False
    raise user_error(obj)


def execute_value(node: ast.FailValue, ctx: ExecutionContext) -> None:
    value = node.value
    errors = ctx.errors
    if type(value) is ast.ErrorValue:
        obj = check_error_object(errors.error)
        orig = errors.orig
        errors.set_last_from_object(obj)
        ctx.complete = False
        errors.error_can_set = False
        raise orig if orig is not None else user_error(obj)
    obj = check_error_object(errors.last if type(value) is ast.LastError else resolve(ctx, value))
    errors.set_last_from_object(obj)
    ctx.complete = False
    raise user_error(obj)


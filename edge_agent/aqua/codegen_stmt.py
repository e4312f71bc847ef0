"""AIR for Aqua statements, one function per statement kind, on behalf of codegen.

`HANDLERS` is the dispatch table: a new statement is one function and one entry. Each
returns the statement's instruction; names it binds go into `env`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from edge_agent.aqua import ast
from edge_agent.aqua import types as t
from edge_agent.aqua.air import NEVER, NULL, Instr, Node, new, par, seq, xor
from edge_agent.aqua.codegen_expr import value
from edge_agent.aqua.context import SERVICE_ID, Binding, Captured, Ctx, Env

if TYPE_CHECKING:
    from edge_agent.aqua.codegen import Generator

MATCH_FAILED = 10001
MISMATCH_FAILED = 10002


def _call(gen: Generator, stmt: ast.CallStmt, env: Env, ctx: Ctx) -> Instr:
    instr, _ = gen.call(stmt.call, stmt.targets, env, ctx)
    return instr


def _assign(gen: Generator, stmt: ast.Assign, env: Env, ctx: Ctx) -> Instr:
    typ = gen.prog.type_of(stmt.value)
    if isinstance(typ, t.Stream) and isinstance(stmt.value, ast.Var):
        env[stmt.name] = env[stmt.value.name]
        return NULL
    setup: list[Instr] = []
    env[stmt.name] = Binding(value(gen, stmt.value, env, ctx, setup), typ)
    return seq(*setup)


def _service_id(gen: Generator, stmt: ast.ServiceId, env: Env, ctx: Ctx) -> Instr:
    setup: list[Instr] = []
    env[SERVICE_ID + stmt.service] = Binding(value(gen, stmt.id, env, ctx, setup), t.STRING)
    return seq(*setup)


def _push(gen: Generator, stmt: ast.Push, env: Env, ctx: Ctx) -> Instr:
    setup: list[Instr] = []
    text = value(gen, stmt.value, env, ctx, setup)
    return seq(*setup, f"(ap {text} {env[stmt.stream].text})")


def _on(gen: Generator, stmt: ast.On, env: Env, ctx: Ctx) -> Instr:
    return gen.on(stmt, env, ctx)


def _co(gen: Generator, stmt: ast.Co, env: Env, ctx: Ctx) -> Instr:
    return par(gen.stmt(stmt.stmt, env, ctx.branch()), NULL)


def _for(gen: Generator, stmt: ast.For, env: Env, ctx: Ctx) -> Instr:
    setup: list[Instr] = []
    bound = env.get(stmt.iterable.name) if isinstance(stmt.iterable, ast.Var) else None
    if stmt.mode == "rec" and bound is not None and isinstance(bound.type, t.Stream):
        iterable = bound.text  # `rec` follows the stream itself: values pushed later too
    else:
        iterable = value(gen, stmt.iterable, env, ctx, setup)
    var = gen.fresh(stmt.var, numbered=True)
    inner = dict(env)
    elem = gen.prog.type_of(stmt.iterable)
    inner[stmt.var] = Binding(var, elem.elem if isinstance(elem, t.Collection) else elem)
    head = f"fold {iterable} {var}"
    if stmt.mode == "parseq":  # Fluence's shape: no (par ... (null)) around, no hop home
        body = gen.block(stmt.body, inner, Ctx(ctx.chain, ctx.cont))
        return seq(*setup, Node(head, (par(body, f"(next {var})"), NEVER)))
    if stmt.mode in ("par", "rec"):
        body = gen.block(stmt.body, inner, ctx.branch())
        return seq(*setup, par(Node(head, (par(body, f"(next {var})"), NEVER)), NULL))
    body = gen.block(stmt.body, inner, Ctx(ctx.chain, ctx.chain))  # each pass goes on here
    step = xor(body, f"(next {var})") if stmt.mode == "try" else seq(body, f"(next {var})")
    return seq(*setup, Node(head, (step, NULL)))


def _condition(gen: Generator, cond: ast.Expr, env: Env, ctx: Ctx, setup: list[Instr]) -> tuple[str, int]:
    """The `match`/`mismatch` head of an `if` and the error code its failure raises."""
    if isinstance(cond, ast.BinOp) and cond.op in ("==", "!="):
        left = value(gen, cond.left, env, ctx, setup)
        right = value(gen, cond.right, env, ctx, setup)
        if cond.op == "==":
            return f"match {left} {right}", MATCH_FAILED
        return f"mismatch {left} {right}", MISMATCH_FAILED
    return f"match {value(gen, cond, env, ctx, setup)} true", MATCH_FAILED


def _if(gen: Generator, stmt: ast.If, env: Env, ctx: Ctx) -> Instr:
    """Fluence's shape: the `else` runs only when the condition failed, not when `then` did."""
    setup: list[Instr] = []
    head, code = _condition(gen, stmt.cond, env, ctx, setup)
    then = gen.block(stmt.then, dict(env), ctx)
    if stmt.orelse is None:  # an error of `then` is raised again as it came (`-if-error-`)
        skip = xor(Node(f"match :error:.$.error_code {code}", (NULL,)), "(fail -if-error-)")
        body = xor(Node(head, (then,)), seq("(ap :error: -if-error-)", skip))
        return seq(*setup, new("-if-error-", body))
    orelse = gen.block(stmt.orelse, dict(env), ctx)
    rethrow = seq(
        "(ap :error: -else-error-)",
        xor(Node(f"match :error:.$.error_code {MATCH_FAILED}", ("(ap -if-error- -if-else-error-)",)),
            "(ap -else-error- -if-else-error-)"),
        "(fail -if-else-error-)",
    )
    on_error = seq("(ap :error: -if-error-)",
                   xor(Node(f"match :error:.$.error_code {code}", (orelse,)), rethrow))
    body = xor(Node(head, (then,)), on_error)
    return seq(*setup, new("-if-else-error-", new("-else-error-", new("-if-error-", body))))


def _try(gen: Generator, stmt: ast.Try, env: Env, ctx: Ctx) -> Instr:
    out = gen.block(stmt.body, dict(env), ctx)
    for handler in stmt.handlers:
        inner = dict(env)
        if handler.name is not None:
            inner[handler.name] = Binding(":error:", t.ERROR)
        out = xor(out, gen.block(handler.body, inner, ctx))
    return out


def _join(gen: Generator, stmt: ast.Join, env: Env, ctx: Ctx) -> Instr:
    """Waits for each stream element; several waits run in `par`, as Fluence's compiler has them.
    On AquaVM that does not wait for every value: tests/aqua/corpus/aq-two-streams records
    a joined stream returned still empty, and we give the same."""
    waits: list[Instr] = []
    for item in stmt.values:
        if isinstance(item, ast.Var):
            continue  # a scalar: what uses it waits for it anyway; a whole stream: Fluence's
            # 0.14 emits nothing for it either (it waits for no value), and nor do we
        base = item.base if isinstance(item, (ast.Index, ast.Bang)) else None
        if not (isinstance(base, ast.Var) and isinstance(gen.prog.type_of(base), t.Stream)):
            raise gen.error(item.pos, "'join' of this is not supported yet: join a name, "
                                      "a stream, or a stream's element (join s[N])")
        setup: list[Instr] = []
        value(gen, item, env, ctx, setup)
        waits.append(seq(*setup))
    if not waits:
        return NULL
    out = waits[0]
    for wait in waits[1:]:
        out = par(out, wait)
    return out


def _closure(gen: Generator, stmt: ast.Closure, env: Env, ctx: Ctx) -> Instr:
    """Nothing runs yet: the closure is inlined where it is called, with the names it sees here."""
    env[stmt.name] = Binding("", gen.prog.types[id(stmt)], closure=Captured(stmt, dict(env), ctx))
    return NULL


def _return(gen: Generator, stmt: ast.Return, env: Env, ctx: Ctx) -> Instr:
    setup: list[Instr] = []
    gen.returned = [value(gen, v, env, ctx, setup) for v in stmt.values]
    return seq(*setup)


HANDLERS: dict[type, Callable[[Generator, Any, Env, Ctx], Instr]] = {
    ast.CallStmt: _call, ast.Assign: _assign, ast.ServiceId: _service_id, ast.Push: _push, ast.On: _on,
    ast.Co: _co, ast.For: _for, ast.If: _if, ast.Try: _try, ast.Join: _join, ast.Return: _return,
    ast.Closure: _closure,
}

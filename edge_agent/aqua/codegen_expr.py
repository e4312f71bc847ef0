"""AIR operands for Aqua expressions, on behalf of edge_agent.aqua.codegen.

`value` turns an expression into an operand text (a variable, a lens, a literal) and
appends to `setup` whatever instructions must run first: a canon of a stream read as a
whole, a stream built for an array literal, a map for a struct, a wait for a stream's
element. Arithmetic on constants is folded; on run-time values it calls the `math` service and
`<`, `<=`, `>`, `>=` call `cmp`, on the current peer, as Fluence's compiler does.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from edge_agent.aqua import ast
from edge_agent.aqua import types as t
from edge_agent.aqua.air import NEVER, NULL, Instr, Node, call, new, quote, seq, xor
from edge_agent.aqua.context import INIT, RELAY, Ctx, Env

if TYPE_CHECKING:
    from edge_agent.aqua.codegen import Generator

_MATH = {"+": "add", "-": "sub", "*": "mul", "/": "div", "%": "rem", "**": "pow"}
_CMP = {"<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}
_FOLD = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
         "/": lambda a, b: a // b if isinstance(a, int) and isinstance(b, int) else a / b,
         "%": lambda a, b: a % b, "**": lambda a, b: a ** b}


def value(gen: Generator, node: ast.Expr, env: Env, ctx: Ctx, setup: list[Instr]) -> str:
    """The AIR operand of `node`; instructions it needs first are appended to `setup`."""
    if isinstance(node, ast.Literal):
        return literal(gen, node)
    if isinstance(node, ast.Var):
        return _var(gen, node, env, ctx, setup)
    if isinstance(node, ast.Field):
        return _field(gen, node, env, ctx, setup)
    if isinstance(node, (ast.Index, ast.Bang)):
        return _element(gen, node, env, ctx, setup)
    if isinstance(node, (ast.ArrayLit, ast.OptionLit)):
        return _array(gen, node.items, env, ctx, setup)
    if isinstance(node, ast.Nil):
        return "[]"
    if isinstance(node, ast.StructLit):
        return _struct(gen, node, env, ctx, setup)
    if isinstance(node, ast.BinOp) and node.op in _FOLD:
        folded = constant(gen, node)
        if folded is not None:
            return literal(gen, ast.Literal(folded, node.pos))
        return _service_op(gen, "math", _MATH[node.op], node, env, ctx, setup)
    if isinstance(node, ast.BinOp) and node.op in _CMP:
        return _service_op(gen, "cmp", _CMP[node.op], node, env, ctx, setup)
    if isinstance(node, (ast.BinOp, ast.Not)):
        return _boolean(gen, node, env, ctx, setup)
    instr, texts = gen.call(node, (), env, ctx)  # the one kind left: a call
    setup.append(instr)
    return texts[0]


def _boolean(gen: Generator, node: ast.BinOp | ast.Not, env: Env, ctx: Ctx, setup: list[Instr]) -> str:
    """A bool computed as Fluence's compiler does: match/xor, `&&` and `||` short-circuit."""
    if isinstance(node, ast.Not):
        operand = value(gen, node.operand, env, ctx, setup)
        out = gen.fresh("not")
        setup.append(xor(Node(f"match {operand} true", (f"(ap false {out})",)), f"(ap true {out})"))
        return out
    if node.op in ("==", "!="):
        left = value(gen, node.left, env, ctx, setup)
        right = value(gen, node.right, env, ctx, setup)
        out = gen.fresh("eq" if node.op == "==" else "ne")
        head = "match" if node.op == "==" else "mismatch"
        setup.append(xor(Node(f"{head} {left} {right}", (f"(ap true {out})",)), f"(ap false {out})"))
        return out
    left = value(gen, node.left, env, ctx, setup)  # `&&` or `||`, the operators left
    later: list[Instr] = []
    right = value(gen, node.right, env, ctx, later)
    out = gen.fresh("and" if node.op == "&&" else "or")
    decided = "false" if node.op == "&&" else "true"
    setup.append(xor(Node(f"match {left} {decided}", (f"(ap {left} {out})",)),
                     seq(*later, f"(ap {right} {out})")))
    return out


def argument(gen: Generator, node: ast.Expr, param: t.Type, env: Env, ctx: Ctx, setup: list[Instr]) -> str:
    """A function argument: a stream passed where a stream is taken is passed by name."""
    if isinstance(param, t.Stream) and isinstance(node, ast.Var) and node.name in env:
        return env[node.name].text
    return value(gen, node, env, ctx, setup)


def literal(gen: Generator, node: ast.Literal) -> str:
    v = node.value
    if isinstance(v, str):
        return quote(v)  # the lexer's strings hold no '"', the one character AIR cannot write
    return json.dumps(v)


def constant(gen: Generator, node: ast.Expr) -> int | float | None:
    """The value of a number literal or of arithmetic on them; None when known only at run time."""
    if isinstance(node, ast.Literal) and isinstance(node.value, (int, float)) \
            and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.BinOp) and node.op in _FOLD:
        left, right = constant(gen, node.left), constant(gen, node.right)
        if left is None or right is None:
            return None
        if node.op in ("/", "%") and right == 0:
            raise gen.error(node.pos, "division by zero")
        result: int | float = _FOLD[node.op](left, right)
        return result
    return None


def _service_op(gen: Generator, service: str, function: str, node: ast.BinOp, env: Env, ctx: Ctx,
                setup: list[Instr]) -> str:
    left = value(gen, node.left, env, ctx, setup)
    right = value(gen, node.right, env, ctx, setup)
    out = gen.fresh(function)
    setup.append(call(ctx.peer, service, function, [left, right], out))
    return out


def _var(gen: Generator, node: ast.Var, env: Env, ctx: Ctx, setup: list[Instr]) -> str:
    if node.name not in env:
        if node.name not in gen.prog.consts:
            return _built_in(gen, node.name)
        return value(gen, gen.prog.consts[node.name], env, ctx, setup)
    binding = env[node.name]
    if isinstance(binding.type, t.Stream):
        return canon(gen, binding.text, ctx, setup)
    return binding.text


def _built_in(gen: Generator, name: str) -> str:
    """The AIR of a name every module has (types.BUILT_IN), as Fluence's compiler gives it:
    the host peer is the relay, or without one the client itself."""
    host = RELAY if gen.relay else INIT
    return {"INIT_PEER_ID": INIT, "HOST_PEER_ID": host, "PARTICLE_TTL": "%ttl%",
            "PARTICLE_TIMESTAMP": "%timestamp%", "LAST_ERROR": ":error:"}[name]


def canon(gen: Generator, stream: str, ctx: Ctx, setup: list[Instr]) -> str:
    """The stream's values as they are now, on the current peer (a `#canon` operand)."""
    name = "#" + gen.fresh(stream.lstrip("$") + "_canon")
    setup.append(f"(canon {ctx.peer} {stream}  {name})")
    return name


def lens(gen: Generator, base: str, step: str, setup: list[Instr]) -> str:
    """`base` followed by a lens step (`.field` or `.[i]`); literals go through a scalar first."""
    if base.startswith(('"', "[", "{")) or base[:1].isdigit() or base in ("true", "false"):
        tmp = gen.fresh("literal")
        setup.append(f"(ap {base} {tmp})")
        base = tmp
    return f"{base}{step}" if ".$" in base else f"{base}.${step}"


def _field(gen: Generator, node: ast.Field, env: Env, ctx: Ctx, setup: list[Instr]) -> str:
    base_type = gen.prog.type_of(node.base)
    base = value(gen, node.base, env, ctx, setup)
    if isinstance(base_type, t.Struct):
        return lens(gen, base, f".{node.name}", setup)
    if base.startswith("#") and ".$" not in base:
        return f"{base}.length"
    functor = gen.fresh("functor")  # AquaVM takes .length of a canon or of a plain scalar
    setup.append(f"(ap {base} {functor})")
    return f"{functor}.length"


def _element(gen: Generator, node: ast.Index | ast.Bang, env: Env, ctx: Ctx, setup: list[Instr]) -> str:
    index: ast.Expr = node.index if isinstance(node, ast.Index) else ast.Literal(0, node.pos)
    base_type = gen.prog.type_of(node.base)
    position = constant(gen, index)
    if isinstance(base_type, t.Stream) and isinstance(node.base, ast.Var):
        stream = env[node.base.name].text
        if position is not None:
            gate = wait_for(gen, stream, str(int(position) + 1), ctx, setup)
            return f"{gate}.$.[{int(position)}]"
        at = value(gen, index, env, ctx, setup)
        count = gen.fresh("add")
        setup.append(call(ctx.peer, "math", "add", [at, "1"], count))
        gate = wait_for(gen, stream, count, ctx, setup)
        back = gen.fresh(node.base.name + "_idx")  # Fluence's compiler subtracts it again: same calls
        setup.append(call(ctx.peer, "math", "sub", [count, "1"], back))
        return f"{gate}.$.[{back}]"
    base = value(gen, node.base, env, ctx, setup)
    if position is not None:
        return lens(gen, base, f".[{int(position)}]", setup)
    position_text = value(gen, index, env, ctx, setup)
    if ".$" in position_text or position_text.startswith("#"):
        plain = gen.fresh("idx")  # a lens index must be a plain scalar name
        setup.append(f"(ap {position_text} {plain})")
        position_text = plain
    return lens(gen, base, f".[{position_text}]", setup)


def wait_for(gen: Generator, stream: str, count: str, ctx: Ctx, setup: list[Instr]) -> str:
    """Wait until `stream` has `count` values, as Fluence's join does; returns a scalar of them."""
    base = stream.lstrip("$")
    test, var = "$" + gen.fresh(base + "_test"), gen.fresh(base + "_fold_var")
    it_canon, result = "#" + gen.fresh(base + "_iter_canon"), "#" + gen.fresh(base + "_result_canon")
    gate = gen.fresh(base + "_gate")
    step = seq(f"(ap {var} {test})", f"(canon {ctx.peer} {test}  {it_canon})")
    check = xor(Node(f"match {it_canon}.length {count}", (NULL,)), f"(next {var})")
    fold = Node(f"fold {stream} {var}", (seq(step, check), NEVER))
    setup.append(new(test, seq(fold, f"(canon {ctx.peer} {test}  {result})", f"(ap {result} {gate})")))
    return gate


def _array(gen: Generator, items: tuple[ast.Expr, ...], env: Env, ctx: Ctx, setup: list[Instr]) -> str:
    if not items:
        return "[]"
    stream = "$" + gen.fresh("array-inline")
    result = "#" + gen.fresh("array-inline")
    inner: list[Instr] = []
    for item in items:
        inner.append(f"(ap {value(gen, item, env, ctx, inner)} {stream})")
    inner.append(f"(canon {ctx.peer} {stream}  {result})")
    setup.append(new(stream, seq(*inner)))
    return result


def _struct(gen: Generator, node: ast.StructLit, env: Env, ctx: Ctx, setup: list[Instr]) -> str:
    """A struct literal, or a copy of one with fields changed: the kept fields first, as in
    Fluence's output (`%P_obj_copy_map`)."""
    inner: list[Instr] = []
    if node.base is not None:
        struct = gen.prog.type_of(node)
        assert isinstance(struct, t.Struct)
        base = value(gen, node.base, env, ctx, inner)
        obj = gen.fresh(f"{struct.name}_obj_copy")
        stream_map = "%" + gen.fresh(f"{struct.name}_obj_copy_map")
        changed = {name for name, _ in node.fields}
        inner += [f"(ap ({quote(name)} {base}.$.{name}) {stream_map})"
                  for name, _ in struct.fields if name not in changed]
    else:
        obj = gen.fresh(f"{node.name}_obj")
        stream_map = "%" + gen.fresh(f"{node.name}_obj_map")
    for name, item in node.fields:
        inner.append(f"(ap ({quote(name)} {value(gen, item, env, ctx, inner)}) {stream_map})")
    inner.append(f"(canon {ctx.peer} {stream_map}  {obj})")
    setup.append(new(stream_map, seq(*inner)))
    return obj

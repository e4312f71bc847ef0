"""Generate AIR for one Aqua function, with the client convention of Fluence's compiler.

The function runs on the init peer: each argument is read with `getDataSrv.<name>`, the
relay (in relay mode) with `getDataSrv."-relay-"`, results go to `callbackSrv.response`
and an uncaught error to `errorHandlingSrv.error`. Called functions are inlined. `on PEER
via RELAY` blocks take the hops Fluence's compiler gives them: in through the relays,
back out the same way, and, on an error, back to the parent peer before the error is
raised again. A parallel branch (`par`, `co`, `for ... par`) instead hops all the way to
where execution goes on after it, since nothing else would carry its results there.
Pure: takes a checked Program, returns text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from edge_agent.aqua import ast
from edge_agent.aqua import types as t
from edge_agent.aqua.air import NULL, Instr, Node, call, hop, new, par, render, seq, xor
from edge_agent.aqua.checker import Program
from edge_agent.aqua.codegen_expr import argument, value
from edge_agent.aqua.codegen_stmt import HANDLERS
from edge_agent.aqua.context import (
    INIT,
    RELAY,
    SERVICE_ID,
    Binding,
    Captured,
    Chain,
    Ctx,
    Env,
    Frame,
    Relays,
    Via,
    reverse,
)
from edge_agent.aqua.errors import AquaError, Pos, Source

Names = tuple[str, ...]


class Generator:
    """Generates the AIR of the functions of one checked program."""

    def __init__(self, source: Source, prog: Program, relay: bool = True) -> None:
        self.source = source
        self.prog = prog
        self.relay = relay
        self.counts: dict[str, int] = {}
        self.returned: list[str] | None = None
        self.landed: Chain | None = None
        """Set when the statement just generated was a call that moved the particle (a
        callback or a closure run where it was defined) and left it where execution goes on
        (`ctx.cont`): the `on` blocks it ends then need no exit hops, as in Fluence's output."""

    def error(self, pos: Pos, message: str) -> AquaError:
        return AquaError(self.source, pos, message)

    def fresh(self, base: str, numbered: bool = False) -> str:
        """A name no other generated variable has: `base`, then `base-0`, `base-1`, ...

        Fluence's compiler names alike (`ret`, `ret-0`; loop variables `x-0`), and AquaVM
        quotes the instruction in an error's `instruction` field, so the names show. A used
        module's `Name.Pair` gives `Pair_obj`: AIR reads a `.` in a name as a lens.
        """
        base = base.rsplit(".", 1)[-1]
        n = self.counts.get(base)
        if numbered and n is None:
            n = self.counts[base] = 0
            return f"{base}-0"
        self.counts[base] = 0 if n is None else n + 1
        return base if n is None else f"{base}-{n}"

    def function(self, name: str) -> str:
        """The AIR text of the function `name`, called by a client."""
        func, sig = self.prog.funcs[name]
        reads: list[Instr] = []
        env: Env = {}
        if self.relay:
            reads.append(call(INIT, "getDataSrv", RELAY, [], RELAY))
        for arg_name, arg_type in sig.args:
            if isinstance(arg_type, t.Arrow):  # the client's callbackSrv.<name>: nothing to read
                env[arg_name] = Binding(arg_name, arg_type)
                continue
            text = f"-{arg_name}-arg-"
            reads.append(call(INIT, "getDataSrv", arg_name, [], text))
            env[arg_name] = Binding(text, arg_type)
        root = (Frame(INIT, (RELAY,) if self.relay else ()),)
        ctx = Ctx(root, root)
        body = self.block(func.body, env, ctx)
        parts = [*reads, body]
        if sig.results:
            parts.append(call(INIT, "callbackSrv", "response", self.returned or []))
        top = xor(seq(*parts), call(INIT, "errorHandlingSrv", "error", [":error:", "0"]))
        return render(top) + "\n"

    # ------------------------------------------------------------ blocks and statements

    def block(self, stmts: tuple[ast.Stmt, ...], env: Env, ctx: Ctx) -> Instr:
        instrs: list[Instr] = []
        for i, stmt in enumerate(stmts):
            if isinstance(stmt, ast.StreamDecl):
                name = "$" + self.fresh(stmt.name)
                env[stmt.name] = Binding(name, self.prog.types[id(stmt)])
                instrs.append(new(name, self.block(stmts[i + 1:], env, ctx)))
                break
            end = i  # the last statement of the `par` group this one belongs to
            while end + 1 < len(stmts) and isinstance(stmts[end + 1], ast.Par):
                end += 1
            # a branch carries its results past its home only when nothing after it in this
            # block runs there in sequence (only `co` follows), as Fluence's topology does
            carried = all(isinstance(s, ast.Co) for s in stmts[end + 1:])
            here = replace(ctx, cont=ctx.cont if end == len(stmts) - 1 else ctx.chain,
                           onward=ctx.cont if carried else None)
            if isinstance(stmt, ast.Par):
                if not instrs:
                    raise self.error(stmt.pos, "'par' needs a statement before it to run in parallel with")
                instrs[-1] = par(instrs[-1], self.stmt(stmt.stmt, env, here.branch()))
            else:
                instrs.append(self.stmt(stmt, env, here.branch() if end > i else here))
        return seq(*instrs)

    def stmt(self, stmt: ast.Stmt, env: Env, ctx: Ctx) -> Instr:
        handler = HANDLERS.get(type(stmt))
        if handler is None:
            raise self.error(stmt.pos, f"'{type(stmt).__name__.lower()}' is not supported yet")
        instr = handler(self, stmt, env, ctx)
        if not isinstance(stmt, (ast.CallStmt, ast.On)):  # only a move (a call's, an on's exit) sets it
            self.landed = None
        return instr

    def on(self, stmt: ast.On, env: Env, ctx: Ctx) -> Instr:
        """An `on` block: entry hops, the body, exit hops, and an error path home."""
        setup: list[Instr] = []
        peer = value(self, stmt.peer, env, ctx, setup)
        vias = tuple(self.via(v, env, ctx, setup) for v in stmt.vias)
        bound = {k: v for k, v in env.items() if k.startswith(SERVICE_ID)}
        body = self.visit(peer, vias, ctx, lambda inner: self.block(stmt.body, env, inner),
                          _ends_parallel(stmt.body))
        for key in [k for k in env if k.startswith(SERVICE_ID)]:  # names stay, `Srv "id"` does not
            del env[key]
        env.update(bound)
        return seq(*setup, body)

    def visit(self, peer: str, vias: tuple[Via, ...], ctx: Ctx, body: Callable[[Ctx], Instr],
              parallel_end: bool, lands: Chain | None = None) -> Instr:
        """`body` run on `peer` reached through `vias`, with the hops in, out, and home on an
        error. `lands`: the chain that peer stands for (a move back to where a callback or a
        closure belongs): when execution goes on there, the particle stays."""
        parent = ctx.chain[-1]
        if lands is None and peer == parent.peer:  # Fluence: no move, whatever the vias
            return self.stay(ctx, body)
        inner = Ctx(ctx.chain + (Frame(peer, vias),), ctx.cont)
        entry = [_hop(v) for v in _shortcut(parent.peer, (*reverse(parent.vias), *vias, peer))[:-1]]
        back = _shortcut(peer, (*_path_up(inner.chain, ctx.chain), parent.peer))[:-1]
        self.landed = None
        instr = body(inner)
        stays = ctx.home is None and (lands or self.landed) == ctx.cont
        self.landed = ctx.cont if stays else None
        exit_hops: list[Instr] = []
        if stays or (ctx.home is None and parallel_end):
            pass  # it ends where execution goes on, or its branches take their results on
        elif ctx.home is None:  # what runs next carries the particle on from the last hop
            # straight to where execution goes on: the blocks this one ends need no exit hops
            out = _shortcut(peer, (*_path_up(inner.chain, ctx.cont), ctx.cont[-1].peer))[:-1]
            exit_hops = [_hop(v) for v in out]
            if ctx.cont != ctx.chain:
                self.landed = ctx.cont
        else:
            path: tuple[Via, ...] = (*_path_up(inner.chain, ctx.home), ctx.home[-1].peer)
            if ctx.onward is not None and ctx.onward != ctx.home:  # the block ends beyond home
                path += (*_path_up(ctx.home, ctx.onward), ctx.onward[-1].peer)
            exit_hops = [_hop(v) for v in _shortcut(peer, path)]
        error_hops = [_hop(v) for v in (*back, parent.peer)] if back else []
        return xor(seq(*entry, instr, *exit_hops), seq(*error_hops, "(fail :error:)"))

    def stay(self, ctx: Ctx, body: Callable[[Ctx], Instr]) -> Instr:
        """An `on` of the peer it is already on (whatever its `via`s): no move in nor out, as in
        Fluence's output; in a branch whose home is elsewhere, the results still go there."""
        self.landed = None
        instr = body(Ctx(ctx.chain, ctx.cont))
        self.landed = None
        exit_hops: list[Instr] = []
        for start, goal in ((ctx.chain, ctx.home), (ctx.home, ctx.onward)):
            if start is not None and goal is not None and goal != start:
                exit_hops += [_hop(v) for v in (*_path_up(start, goal), goal[-1].peer)]
        return xor(seq(instr, *exit_hops), "(fail :error:)")

    def via(self, node: ast.Expr, env: Env, ctx: Ctx, setup: list[Instr]) -> Via:
        """One `via` of an `on`: a relay, or an array of relays visited in turn."""
        text = value(self, node, env, ctx, setup)
        return Relays(text) if isinstance(self.prog.type_of(node), t.Collection) else text

    def call(self, node: ast.CallExpr, targets: Names, env: Env, ctx: Ctx) -> tuple[Instr, list[str]]:
        """A service call or an inlined function call; binds `targets`, returns the result texts."""
        setup: list[Instr] = []
        if node.service is None:
            arrow = env.get(node.name)
            if arrow is None or not isinstance(arrow.type, t.Arrow):
                return self.inline(node, node.name, targets, env, ctx)
            if arrow.closure is not None:
                return self.closure(node, arrow.closure, targets, env, ctx)
            if arrow.func is None:
                return self.callback(node, arrow, targets, env, ctx)
            return self.inline(node, arrow.func, targets, env, ctx)
        service = self.prog.services[node.service]
        bound = env.get(SERVICE_ID + node.service)
        if service.default_id is None and bound is None:
            raise self.error(node.pos, f'service {node.service} has no id: give it one first '
                                       f'({node.service} "id") or declare a default one')
        sig = service.funcs[node.name]
        args = [value(self, a, env, ctx, setup) for a in node.args]
        out = self.fresh("ret") if sig.results else None
        setup.append(call(ctx.peer, service.default_id or "", node.name, args, out,
                          service_operand=bound.text if bound else None))
        self.landed = None
        if out is not None and targets:
            self.bind(targets[0], out, sig.results[0], env, setup)
        return seq(*setup), [out] if out else []

    def callback(self, node: ast.CallExpr, arrow: Binding, targets: Names, env: Env,
                 ctx: Ctx) -> tuple[Instr, list[str]]:
        """A call of the client's callback: `callbackSrv.<name>` on the init peer. From another
        peer the particle goes there as into `on INIT via RELAY` and comes back the same way."""
        assert isinstance(arrow.type, t.Arrow)
        setup: list[Instr] = []
        args = [value(self, a, env, ctx, setup) for a in node.args]
        out = self.fresh("init_call_res0") if arrow.type.results else None
        instr: Instr = call(INIT, "callbackSrv", arrow.text, args, out)
        self.landed = None
        if ctx.peer != INIT:
            at_client = instr
            instr = self.visit(INIT, ctx.chain[0].vias, ctx, lambda inner: at_client, parallel_end=False,
                               lands=ctx.chain[:1])
        if out is not None and targets:
            self.bind(targets[0], out, arrow.type.results[0], env, setup)
        return seq(*setup, instr), [out] if out else []

    def inline(self, node: ast.CallExpr, name: str, targets: Names, env: Env,
               ctx: Ctx) -> tuple[Instr, list[str]]:
        func, sig = self.prog.funcs[name]
        return self.expand(node, sig, func.body, {}, targets, env, ctx)

    def closure(self, node: ast.CallExpr, captured: Captured, targets: Names, env: Env,
                ctx: Ctx) -> tuple[Instr, list[str]]:
        """A closure's body, inlined with the names it was defined with. A `func` closure
        runs where it is called; another one where it was defined, as Fluence's does."""
        stmt = captured.closure
        arrow = self.prog.types[id(stmt)]
        assert isinstance(arrow, t.Arrow)
        sig = t.Signature(tuple((a.name, typ) for a, typ in zip(stmt.args, arrow.args, strict=True)),
                          arrow.results)
        defined = captured.ctx.chain
        move = None if stmt.where_called or defined == ctx.chain else defined
        return self.expand(node, sig, stmt.body, dict(captured.env), targets, env, ctx, move)

    def expand(self, node: ast.CallExpr, sig: t.Signature, stmts: tuple[ast.Stmt, ...], callee: Env,
               targets: Names, env: Env, ctx: Ctx, move: Chain | None = None) -> tuple[Instr, list[str]]:
        """`stmts` inlined with `node`'s arguments bound to `sig`'s names in `callee`, here or,
        with `move`, on the innermost peer of that chain (reached as by `on`); binds `targets`."""
        setup: list[Instr] = []
        for arg, (arg_name, typ) in zip(node.args, sig.args, strict=True):
            if isinstance(typ, t.Arrow):
                callee[arg_name] = self.arrow(arg, typ, env)
                continue
            callee[arg_name] = Binding(argument(self, arg, typ, env, ctx, setup), typ)
        saved, self.returned = self.returned, None
        if move is None:
            body = self.block(stmts, callee, ctx)
        else:
            def run(inner: Ctx) -> Instr:
                return self.block(stmts, callee, inner)

            body = self.visit(move[-1].peer, move[-1].vias, ctx, run, parallel_end=False, lands=move)
        texts: list[str] = self.returned or []
        self.returned = saved
        bound: list[Instr] = []
        for name, text, typ in zip(targets, texts, sig.results, strict=False):  # targets may be ()
            if isinstance(typ, t.Stream) and not text.startswith("$"):
                typ = t.Array(typ.elem)  # a returned stream arrives as its canon: an array
            self.bind(name, text, typ, env, bound)
        return seq(*setup, body, *bound), texts

    def arrow(self, node: ast.Expr, typ: t.Arrow, env: Env) -> Binding:
        """What a callback argument stands for: a func of the program, or a callback of ours."""
        if isinstance(node, ast.Var) and node.name in env:
            return env[node.name]
        if isinstance(node, ast.Var) and node.name in self.prog.funcs:
            return Binding("", typ, func=node.name)
        raise self.error(node.pos, "a callback argument must be the name of a func or of a callback")

    def bind(self, name: str, text: str, typ: t.Type, env: Env, setup: list[Instr]) -> None:
        """Give `name` a call's result: a new name, or a push when `name` is a stream."""
        target = env.get(name)
        if target is not None and isinstance(target.type, t.Stream) and not isinstance(typ, t.Stream):
            setup.append(f"(ap {text} {target.text})")
        else:
            env[name] = Binding(text, typ)


def _ends_parallel(body: tuple[ast.Stmt, ...]) -> bool:
    last = body[-1]
    return isinstance(last, (ast.Par, ast.Co)) or (isinstance(last, ast.For) and last.mode in ("par", "rec"))


def _shortcut(start: str, path: tuple[Via, ...]) -> tuple[Via, ...]:
    """`path` from `start` without its loops: from a peer to the same peer again (as the
    same operand) nothing needs to move, as Fluence's compiler finds its paths. A relay
    array is never cut through."""
    out: list[Via] = []
    origin = 0  # where out restarts after an array: loops are cut after it only
    for via in path:
        if isinstance(via, Relays):
            out.append(via)
            origin = len(out)
            continue
        if origin == 0 and via == start:
            out = []
            continue
        if via in out[origin:]:
            del out[out.index(via, origin) + 1:]
            continue
        out.append(via)
    return tuple(out)


def _path_up(chain: Chain, target: Chain) -> tuple[Via, ...]:
    """The relays from the innermost peer of `chain` back to `target`, one of its ancestors:
    out through each left frame's relays, innermost first, then in through target's own."""
    out: list[Via] = []
    for frame in reversed(chain[len(target):]):
        out.extend(reverse(frame.vias))
    return (*out, *target[-1].vias)


VIA_PEER = "-via-peer-"


def _hop(via: Via) -> Instr:
    """The particle sent to a relay, or through an array of relays in turn (a fold, as
    Fluence's compiler has it: backwards by hopping after `next` returns)."""
    if isinstance(via, str):
        return hop(via)
    step = (hop(VIA_PEER), f"(next {VIA_PEER})")
    return Node(f"fold {via.array} {VIA_PEER}", (seq(*(step[::-1] if via.backwards else step)), NULL))

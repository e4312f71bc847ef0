"""A small grammar of Aqua programs, for property tests against Fluence's compiler.

`generate(choose)` writes one program from a chooser: `choose.pick(options)` and
`choose.number(lo, hi)` make every decision, so the same grammar serves hypothesis
(`programs()`, which shrinks) and a seeded `random.Random` (`from_seed(n)`, which
tests/aqua/tools/make_generated.py uses to write the programs whose runs under Fluence's
compiler and AquaVM are recorded once in tests/aqua/generated/).

The programs use structs, services, `on` (with `via`, one, two or an array of relays),
`par`, `co`, `for` (plain, `par`, `try`), `if`/`else`, `try`/`catch`/`otherwise`, streams,
`join`, options, arrays, fields, indexes, an inlined function and closures. Seeds 0-199
were recorded before the last three were added (the recorded main.aqua is what counts).
They only call the oracle's services (op, fail) and the case's `work.run` (which fails on
nodeB), so they run under both simulators. Values pushed in parallel go to
a stream of their own, which is joined before its values reach the result: the program's
answer does not depend on which branch is first, only the order of its values may.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Protocol, Sequence, TypeVar

from hypothesis import strategies as st

T = TypeVar("T")

PEERS = ["client", "relay", "nodeA", "nodeB", "nodeC"]
DATA = {"peers": ["nodeA", "nodeB", "nodeC"], "x": "x0", "flag": True}
SERVICES = {"*": [{"service": "work", "function": "run", "kind": "arg"}],
                "nodeB": [{"service": "work", "function": "run", "kind": "fail", "message": "work failed"}]}

HEADER = '''aqua Gen

export main

data Rec:
    name: string
    n: u32
    tags: []string

data Box:
    rec: Rec
    note: ?string

service Op("op"):
    identity(s: string) -> string
    concat_strings(a: string, b: string) -> string
    array_length(xs: []string) -> u32

service Work("work"):
    run(s: string) -> string

service Fail("fail"):
    fail(msg: string) -> string

func visit(peer: string, s: string) -> string:
    on peer:
        r <- Op.concat_strings(s, peer)
    <- r

'''


class Chooser(Protocol):
    def pick(self, options: Sequence[T]) -> T: ...

    def number(self, lo: int, hi: int) -> int: ...


@dataclass
class Writer:
    """The program being written: its lines and a counter for fresh names."""

    choose: Chooser
    lines: list[str] = field(default_factory=list)
    fresh: int = 0

    def name(self, prefix: str) -> str:
        self.fresh += 1
        return f"{prefix}{self.fresh}"

    def emit(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)


@dataclass(frozen=True)
class Scope:
    """What a statement may use: string values in scope, peers, whether it may fail."""

    strings: tuple[str, ...]
    peers: tuple[str, ...]
    depth: int


def _value(w: Writer, s: Scope) -> str:
    return w.choose.pick([*s.strings, '"lit"', "x"])


def _call(w: Writer, s: Scope, ind: int, out: str) -> Scope:
    """A call whose result goes to `out` (a stream); a new name in scope afterwards."""
    v = w.name("v")
    form = w.choose.pick(["concat", "identity", "work", "struct", "option", "length", "visit", "closure"])
    arg = _value(w, s)
    if form == "concat":
        w.emit(ind, f'{v} <- Op.concat_strings({arg}, "-{w.fresh}")')
    elif form == "identity":
        w.emit(ind, f"{v} <- Op.identity({arg})")
    elif form == "work":
        w.emit(ind, f"{v} <- Work.run({arg})")
    elif form == "struct":
        r = w.name("r")
        w.emit(ind, f'{r} = Box(rec = Rec(name = {arg}, n = 3, tags = [{arg}, "t"]), note = ?[{arg}])')
        w.emit(ind, f"{v} <- Op.concat_strings({r}.rec.tags[1], {r}.note!)")
    elif form == "option":
        o = w.name("o")
        w.emit(ind, f"{o}: *string")
        w.emit(ind, f"{o} <<- {arg}")
        w.emit(ind, f"{v} <- Op.identity({o}!)")
    elif form == "visit":
        w.emit(ind, f"{v} <- visit({w.choose.pick(s.peers)}, {arg})")
    elif form == "closure":
        c = w.name("c")
        w.emit(ind, f"{c} = {w.choose.pick(['', 'func '])}(t: string) -> string:")
        w.emit(ind + 1, 'u <- Op.concat_strings(t, "+")')
        w.emit(ind + 1, "<- u")
        w.emit(ind, f"{v} <- {c}({arg})")
    else:
        n = w.name("n")
        w.emit(ind, f'{n} <- Op.array_length([{arg}, "a", "b"])')
        w.emit(ind, f'{v} = "three"')
        w.emit(ind, f"if {n} == 3:")
        w.emit(ind + 1, f'{out} <<- "len3"')
    w.emit(ind, f"{out} <<- {v}")
    return Scope((*s.strings, v), s.peers, s.depth)


def _on(w: Writer, s: Scope, ind: int, out: str) -> Scope:
    peer = w.choose.pick(s.peers)
    via = w.choose.pick(["", ' via "relay"', ' via "nodeC"', " via peers", ' via "nodeC" via "relay"'])
    w.emit(ind, f"on {peer}{via}:")
    _block(w, Scope(s.strings, s.peers, s.depth + 1), ind + 1, out)
    return s


def _if(w: Writer, s: Scope, ind: int, out: str) -> Scope:
    a, b = _value(w, s), w.choose.pick(['"x0"', '"lit"', "x"])
    op = w.choose.pick(["==", "!="])
    cond = w.choose.pick([f"{a} {op} {b}", "flag", f"!flag || {a} == {b}", f"flag && {a} {op} {b}"])
    w.emit(ind, f"if {cond}:")
    _block(w, Scope(s.strings, s.peers, s.depth + 1), ind + 1, out)
    if w.choose.pick([True, False]):
        w.emit(ind, "else:")
        _block(w, Scope(s.strings, s.peers, s.depth + 1), ind + 1, out)
    return s


def _try(w: Writer, s: Scope, ind: int, out: str) -> Scope:
    w.emit(ind, "try:")
    inner = Scope(s.strings, s.peers, s.depth + 1)
    _block(w, inner, ind + 1, out)
    if w.choose.pick([True, False]):
        f = w.name("f")
        w.emit(ind + 1, f'{f} <- Fail.fail("boom")')
        w.emit(ind + 1, f"{out} <<- {f}")
    handler = w.choose.pick(["catch", "otherwise", "both"])
    if handler in ("catch", "both"):
        e = w.name("e")
        w.emit(ind, f"catch {e}:")
        w.emit(ind + 1, f"{out} <<- {e}.message")
    if handler in ("otherwise", "both"):
        w.emit(ind, "otherwise:")
        _block(w, inner, ind + 1, out)
    return s


def _gathered(w: Writer, s: Scope, ind: int, out: str, branches: int, write: Any) -> Scope:
    """Parallel work into a stream of its own, joined, then copied into `out`."""
    g = w.name("g")
    w.emit(ind, f"{g}: *string")
    write(g)
    w.emit(ind, f"join {g}[{branches - 1}]")
    loop = w.name("q")
    w.emit(ind, f"for {loop} <- {g}:")
    w.emit(ind + 1, f"{out} <<- {loop}")
    return s


def _for_par(w: Writer, s: Scope, ind: int, out: str) -> Scope:
    def body(g: str) -> None:
        p = w.name("p")
        w.emit(ind, f"for {p} <- peers par:")
        w.emit(ind + 1, f"on {p}:")
        v = w.name("v")
        w.emit(ind + 2, f"{v} <- Op.concat_strings({p}, {_value(w, s)})")
        w.emit(ind + 2, f"{g} <<- {v}")
    return _gathered(w, s, ind, out, 3, body)


def _par(w: Writer, s: Scope, ind: int, out: str) -> Scope:
    keyword = w.choose.pick(["par", "co"])

    def body(g: str) -> None:
        peers = [w.choose.pick(s.peers) for _ in range(2)]
        for i, peer in enumerate(peers):
            prefix = "" if i == 0 and keyword == "par" else f"{keyword} "
            w.emit(ind, f"{prefix}on {peer}:")
            v = w.name("v")
            w.emit(ind + 1, f"{v} <- Op.concat_strings({_value(w, s)}, {peer})")
            w.emit(ind + 1, f"{g} <<- {v}")
    return _gathered(w, s, ind, out, 2, body)


def _for(w: Writer, s: Scope, ind: int, out: str) -> Scope:
    p = w.name("p")
    mode = w.choose.pick(["", " try"])
    w.emit(ind, f"for {p} <- peers{mode}:")
    w.emit(ind + 1, f"on {p}:")
    v = w.name("v")
    w.emit(ind + 2, f"{v} <- Work.run({p})")
    w.emit(ind + 2, f"{out} <<- {v}")
    return s


_COMPOUND = [_on, _if, _try, _for_par, _par, _for]


def _statement(w: Writer, s: Scope, ind: int, out: str) -> Scope:
    if s.depth >= 3 or w.choose.number(0, 2) == 0:
        return _call(w, s, ind, out)
    return w.choose.pick(_COMPOUND)(w, s, ind, out)


def _block(w: Writer, s: Scope, ind: int, out: str) -> None:
    for _ in range(w.choose.number(1, 3)):
        s = _statement(w, s, ind, out)


def generate(choose: Chooser) -> str:
    """One program: `main(peers, x, flag) -> []string, u32`, all it pushes to `res`."""
    w = Writer(choose)
    w.emit(0, "func main(peers: []string, x: string, flag: bool) -> []string, u32:")
    w.emit(1, "res: *string")
    scope = Scope((), ('"nodeA"', '"nodeB"', "peers[0]", "peers[2]"), 0)
    for _ in range(w.choose.number(1, 4)):
        scope = _statement(w, scope, 1, "res")
    w.emit(1, "count <- Op.array_length(res)")
    w.emit(1, "<- res, count")
    return HEADER + "\n".join(w.lines) + "\n"


class _Hypothesis:
    def __init__(self, draw: Any) -> None:
        self.draw = draw

    def pick(self, options: Sequence[T]) -> T:
        return self.draw(st.sampled_from(options))

    def number(self, lo: int, hi: int) -> int:
        return self.draw(st.integers(lo, hi))


@st.composite
def programs(draw: Any) -> str:
    """Hypothesis strategy: one generated program."""
    return generate(_Hypothesis(draw))


class _Seeded:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def pick(self, options: Sequence[T]) -> T:
        return self.rng.choice(list(options))

    def number(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)


def from_seed(seed: int) -> str:
    """The program of `seed`: the same text on every run (random.Random is stable)."""
    return generate(_Seeded(seed))


def case_input(func: str = "main") -> dict[str, Any]:
    """The oracle case input of a generated program (main.aqua beside it)."""
    return {
        "description": "Aqua: a generated program (tests/aqua/generator.py)",
        "peers": PEERS, "init_peer": "client", "relay": "relay", "reachable": {"client": ["relay"]},
        "script_file": "script.air", "aqua": {"file": "main.aqua", "func": func},
        "data": DATA, "services": SERVICES,
    }

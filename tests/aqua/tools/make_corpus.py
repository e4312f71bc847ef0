"""Write the programs of the Aqua differential corpus (main.aqua + input.json per case).

The oracle then compiles each with Fluence's compiler and records AquaVM's run of it
(see ../corpus/README.md). Programs use the oracle's default services (op, peer, echo,
fail) plus the case's own service entries.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

SRV = '''service Op("op"):
    identity(s: string) -> string
    concat_strings(a: string, b: string) -> string
    array_length(xs: []string) -> u32
    noop()

data Ident:
    peer_id: string

service PeerInfo("peer"):
    identify() -> Ident

service Fail("fail"):
    fail(msg: string) -> string
'''
P3 = ["client", "relay", "nodeA", "nodeB", "nodeC"]
WORK_ARG = {"service": "work", "function": "run", "kind": "arg"}
cases: dict[str, dict[str, Any]] = {}


def case(name: str, desc: str, func: str, body: str, data: dict[str, Any], peers: list[str] = P3,
         services: dict[str, Any] | None = None, no_relay: bool = False, head: str = "",
         files: dict[str, str] | None = None) -> None:
    """One program: `body` after the shared header and service declarations.

    `head`: lines after the module header (`import`, `use`); `files`: other files written
    beside main.aqua. A case with files imports them: Fluence's compilation of it is made
    with compile_fluence.mjs (the oracle's `--compile` resolves aqua-lib only)."""
    src = f"aqua {name.title().replace('-', '')}\n\nexport {func}\n\n{head}{SRV}\n{body}"
    cases[name] = dict(desc=desc, func=func, src=src, data=data, peers=peers, services=services,
                       no_relay=no_relay, files=files or {})


case("if-bool-arg",
     "if on a bool argument, with else", "f", '''\
func f(b: bool, node: string) -> string:
    res: *string
    on node:
        if b:
            r <- Op.identity("yes")
            res <<- r
        else:
            res <<- "no"
    <- res!
''', {"b": False, "node": "nodeA"})
case("if-no-else",
     "if without else, condition false then true", "f", '''\
func f(a: string, b: string) -> []string:
    res: *string
    if a == b:
        res <<- "equal"
    if a != b:
        res <<- "different"
    res <<- "end"
    <- res
''', {"a": "x", "b": "y"})
case("if-then-fails",
     "the then-branch fails: else must not run, the error reaches errorHandlingSrv", "f", '''\
func f(node: string) -> string:
    res: *string
    on node:
        if node == node:
            r <- Fail.fail("then broke")
            res <<- r
        else:
            res <<- "else ran"
    <- res!
''', {"node": "nodeA"})
case("const-alias",
     "const and alias", "f", '''\
const GREETING = "hello "
alias Name : string

func f(n: Name, node: string) -> Name:
    on node:
        r <- Op.concat_strings(GREETING, n)
    <- r
''', {"n": "bob", "node": "nodeB"})
case("for-try-first-success",
     "for x <- xs try: the first peer that answers wins", "f", '''\
service Work("work"):
    run(p: string) -> string

func f(peers: []string) -> string:
    res: *string
    for p <- peers try:
        on p:
            r <- Work.run(p)
            res <<- r
    <- res!
''', {"peers": ["nodeA", "nodeB", "nodeC"]}, services={"*": [WORK_ARG],
                 "nodeA": [{**WORK_ARG, "kind": "fail", "message": "A down"}]})
case("inline-stream-result",
     "a called function builds a stream and returns it as an array", "f", '''\
func collect(a: string, b: string) -> []string:
    out: *string
    on a:
        x <- Op.identity(a)
        out <<- x
    on b:
        y <- Op.identity(b)
        out <<- y
    <- out

func f(a: string, b: string) -> []string, u32:
    xs <- collect(a, b)
    on a:
        n <- Op.array_length(xs)
    <- xs, n
''', {"a": "nodeA", "b": "nodeC"})
case("par-statement",
     "par between two on blocks, then join", "f", '''\
func f(a: string, b: string) -> []string:
    res: *string
    on a:
        i <- PeerInfo.identify()
        res <<- i.peer_id
    par on b:
        j <- PeerInfo.identify()
        res <<- j.peer_id
    join res[1]
    <- res
''', {"a": "nodeA", "b": "nodeB"})
case("array-literal-index",
     "array literal, constant index arithmetic, .length", "f", '''\
func f(xs: []string, node: string) -> string, string, u32, []string:
    on node:
        r <- Op.concat_strings(xs[1 + 1], xs[0])
    ys = [r, "lit", xs[1]]
    <- ys[0], xs[3 - 2], xs.length, ys
''', {"xs": ["a", "b", "c"], "node": "nodeA"})
case("option-literal",
     "option literal and nil returned", "f", '''\
func f(s: string, node: string) -> ?string, ?string:
    on node:
        r <- Op.identity(s)
    <- ?[r], nil
''', {"s": "v", "node": "nodeB"})
case("nested-struct-fields",
     "struct argument with a nested struct, fields read on a peer", "f", '''\
data Inner:
    label: string
    n: u32

data Outer:
    inner: Inner
    tags: []string

func f(o: Outer, node: string) -> string, u32, string, Inner:
    on node:
        r <- Op.concat_strings(o.inner.label, o.tags[1])
    <- r, o.inner.n, o.tags!, o.inner
''', {"o": {"inner": {"label": "L", "n": 5}, "tags": ["t0", "t1"]}, "node": "nodeA"})
case("stream-length-after-join",
     "the length of a stream after join", "f", '''\
func f(peers: []string) -> u32, []string:
    res: *string
    for p <- peers par:
        on p:
            i <- PeerInfo.identify()
            res <<- i.peer_id
    join res[2]
    n = res.length
    <- n, res
''', {"peers": ["nodeA", "nodeB", "nodeC"]})
case("catch-nested-via",
     "try/catch around a failing call two hops away (on b via v inside on a)", "f", '''\
func f(a: string, b: string, v: string) -> string, i64, string:
    msgs: *string
    codes: *i64
    peers: *string
    on a:
        try:
            on b via v:
                r <- Fail.fail("deep")
                msgs <<- r
        catch e:
            msgs <<- e.message
            codes <<- e.error_code
            peers <<- e.peer_id
    <- msgs!, codes!, peers!
''', {"a": "nodeA", "b": "nodeB", "v": "nodeC"})
case("uncaught-nested-via",
     "an uncaught failure behind a via reaches errorHandlingSrv", "f", '''\
func f(a: string, b: string, v: string) -> string:
    on a:
        on b via v:
            r <- Fail.fail("deep uncaught")
    <- r
''', {"a": "nodeA", "b": "nodeB", "v": "nodeC"})
case("co-with-for-par",
     "co of a for-par, then join on the init peer", "f", '''\
func f(peers: []string, other: string) -> []string:
    res: *string
    co for p <- peers par:
        on p:
            r <- Op.concat_strings("p:", p)
            res <<- r
    on other:
        o <- Op.concat_strings("o:", other)
        res <<- o
    join res[2]
    <- res
''', {"peers": ["nodeA", "nodeB"], "other": "nodeC"})
case("inline-twice-in-for",
     "a function with on, inlined in a seq loop and again after it", "f", '''\
func tag(p: string, s: string) -> string:
    on p:
        r <- Op.concat_strings(s, p)
    <- r

func f(peers: []string) -> []string, string:
    res: *string
    for p <- peers:
        t <- tag(p, "at ")
        res <<- t
    last <- tag(peers!, "again ")
    <- res, last
''', {"peers": ["nodeA", "nodeB", "nodeC"]})
case("literals",
     "literal arguments and returns of every scalar kind", "f", '''\
service Echo("echo"):
    echo(s: string, n: i64, f: f64, b: bool, u: u32) -> []string

func f(node: string) -> []string, bool, i64, f64, string:
    on node:
        e <- Echo.echo("two words", -5, 1.25, true, 7)
    <- e, false, -12, 2.5, "done"
''', {"node": "nodeA"})
case("no-relay-for-par",
     "no-relay mode: for par over peers and join, without -relay-", "f", '''\
func f(peers: []string) -> []string:
    res: *string
    for p <- peers par:
        on p:
            i <- PeerInfo.identify()
            res <<- i.peer_id
    join res[1]
    <- res
''', {"peers": ["nodeA", "nodeB"]}, peers=["client", "nodeA", "nodeB"], no_relay=True)
case("three-level-on",
     "three nested on blocks, each doing a call, results gathered", "f", '''\
func f(a: string, b: string, c: string) -> []string:
    res: *string
    on a:
        x <- Op.identity("a")
        res <<- x
        on b:
            y <- Op.identity("b")
            res <<- y
            on c:
                z <- Op.identity("c")
                res <<- z
        w <- Op.identity("back on a")
        res <<- w
    <- res
''', {"a": "nodeA", "b": "nodeB", "c": "nodeC"})
case("if-inside-for-par",
     "if in a for-par body, on each peer", "f", '''\
func f(peers: []string, skip: string) -> []string:
    res: *string
    for p <- peers par:
        on p:
            if p != skip:
                i <- PeerInfo.identify()
                res <<- i.peer_id
            else:
                res <<- "skipped"
    join res[2]
    <- res
''', {"peers": ["nodeA", "nodeB", "nodeC"], "skip": "nodeB"})
case("otherwise-after-success",
     "try succeeds: otherwise must not run", "f", '''\
func f(a: string, b: string) -> []string:
    res: *string
    try:
        on a:
            r <- Op.identity("a worked")
            res <<- r
    otherwise:
        on b:
            r2 <- Op.identity("fallback")
            res <<- r2
    res <<- "after"
    <- res
''', {"a": "nodeA", "b": "nodeB"})
case("no-results",
     "a function without results: no callbackSrv.response", "f", '''\
func f(node: string):
    on node:
        Op.noop()
''', {"node": "nodeA"})
case("assign-alias",
     "names bound with = to values, fields and streams", "f", '''\
func f(node: string) -> string, string:
    res: *string
    on node:
        i <- PeerInfo.identify()
    pid = i.peer_id
    same = res
    same <<- pid
    <- pid, res!
''', {"node": "nodeC"})
case("bool-operators",
     "&&, || and ! in if conditions and as values", "f", '''\
func f(a: string, b: string, c: bool) -> []string, bool, bool:
    res: *string
    if a == b && c:
        res <<- "and"
    if a != b || !c:
        res <<- "or"
    if !(a == b):
        res <<- "not"
    x = c && a != b
    y = !c || a == b
    <- res, x, y
''', {"a": "p", "b": "q", "c": True})
case("service-id-binding",
     "a service without a default id, bound to a literal id and to an argument", "f", '''\
service Dyn:
    identity(s: string) -> string

func f(id: string, node: string) -> string, string:
    on node:
        Dyn "op"
        r <- Dyn.identity("literal id")
        Dyn id
        s <- Dyn.identity("argument id")
    <- r, s
''', {"id": "op", "node": "nodeA"})
case("join-scalars",
     "par of two on blocks with scalar results, join of both names", "f", '''\
func f(a: string, b: string) -> string, string:
    on a:
        x <- Op.identity("from a")
    par on b:
        y <- Op.identity("from b")
    join x, y
    <- x, y
''', {"a": "nodeA", "b": "nodeB"})

case("nested-for",
     "a for loop inside a for loop, pushing pairs", "f", """\
func f(xs: []string, ys: []string, node: string) -> []string:
    res: *string
    on node:
        for x <- xs:
            for y <- ys:
                r <- Op.concat_strings(x, y)
                res <<- r
    <- res
""", {"xs": ["a", "b"], "ys": ["1", "2", "3"], "node": "nodeA"})
case("option-arg-use",
     "an option argument: .length, ! and a for over it, on a peer", "f", """\
func f(o: ?string, node: string) -> u32, []string:
    res: *string
    on node:
        for v <- o:
            r <- Op.concat_strings(v, "!")
            res <<- r
        n = o.length
        first = o!
        res <<- first
    <- n, res
""", {"o": ["x"], "node": "nodeB"})
case("catch-in-for-try",
     "a try/catch inside a for-try body: the catch wins on the first peer", "f", """\
func f(peers: []string) -> []string:
    res: *string
    for p <- peers try:
        on p:
            try:
                r <- Fail.fail("inner")
                res <<- r
            catch e:
                res <<- e.message
    <- res
""", {"peers": ["nodeA", "nodeB"]})
case("parseq-with-if",
     "parseq over peers with an if inside, then join", "f", """\
func f(peers: []string, skip: string) -> []string:
    res: *string
    parseq p <- peers on p:
        if p == skip:
            res <<- "skipped"
        else:
            i <- PeerInfo.identify()
            res <<- i.peer_id
    join res[2]
    <- res
""", {"peers": ["nodeA", "nodeB", "nodeC"], "skip": "nodeC"})
case("struct-literal-nested",
     "a struct literal holding a struct literal and an array literal, built on a peer", "f", """\
data Inner:
    a: string
    n: i64

data Outer:
    inner: Inner
    list: []string
    flag: bool

func f(node: string) -> Outer, string:
    on node:
        r <- Op.identity("made")
        o = Outer(inner = Inner(a = r, n = -3), list = [r, "lit"], flag = true)
    <- o, o.inner.a
""", {"node": "nodeC"})
case("stream-by-reference",
     "a called function pushes into the caller's stream", "f", """\
func add(s: *string, p: string):
    on p:
        r <- Op.concat_strings("from ", p)
        s <<- r

func f(a: string, b: string) -> []string:
    res: *string
    add(res, a)
    add(res, b)
    res <<- "end"
    <- res
""", {"a": "nodeA", "b": "nodeB"})
case("const-peer-and-index-var",
     "a constant peer and an index given as an argument", "f", """\
const NODE = "nodeB"

func f(xs: []string, i: u32) -> string, string:
    on NODE:
        r <- Op.concat_strings(xs[i], NODE)
    <- r, xs[i]
""", {"xs": ["a", "b", "c"], "i": 2})
case("error-instruction",
     "the instruction text of a caught error (names match Fluence's)", "f", """\
func f(peers: []string) -> []string:
    res: *string
    for p <- peers:
        on p:
            try:
                r <- Fail.fail(p)
                res <<- r
            catch e:
                res <<- e.instruction
    <- res
""", {"peers": ["nodeA", "nodeB"]})
case("two-streams",
     "two streams filled in parallel on two peers, both returned", "f", """\
func f(a: string, b: string) -> []string, []string:
    xs: *string
    ys: *string
    co on a:
        x <- Op.identity("x from a")
        xs <<- x
    co on b:
        y <- Op.identity("y from b")
        ys <<- y
    join xs[0], ys[0]
    <- xs, ys
""", {"a": "nodeA", "b": "nodeB"})
case("nil-to-option-param",
     "nil and an option literal given to an option parameter", "f", """\
service Opt("op"):
    identity(s: ?string) -> ?string

func f(node: string) -> ?string, ?string:
    on node:
        a <- Opt.identity(nil)
        b <- Opt.identity(?["v"])
    <- a, b
""", {"node": "nodeA"})
case("if-struct-field-number",
     "if comparing a struct field with a number, and a bool with true", "f", """\
data Cfg:
    level: u32
    on: bool

func f(c: Cfg) -> []string:
    res: *string
    if c.level == 3:
        res <<- "level three"
    if c.on == true:
        res <<- "on"
    else:
        res <<- "off"
    <- res
""", {"c": {"level": 3, "on": False}})
case("via-then-for-par",
     "on a via v, then a for-par over peers from there, joined at home", "f", """\
func f(a: string, v: string, peers: []string) -> []string:
    res: *string
    on a via v:
        for p <- peers par:
            on p:
                i <- PeerInfo.identify()
                res <<- i.peer_id
    join res[1]
    <- res
""", {"a": "nodeA", "v": "nodeB", "peers": ["nodeC", "nodeB"]})
case("for-par-local",
     "a for-par without on: pushes on the client, then join", "f", """\
func f(xs: []string) -> []string:
    res: *string
    for x <- xs par:
        res <<- x
    join res[2]
    <- res
""", {"xs": ["a", "b", "c"]})
case("inline-returns-stream-type",
     "a called function returns *string; the caller loops over it", "f", """\
func gather(xs: []string, node: string) -> *string:
    out: *string
    on node:
        for x <- xs:
            r <- Op.concat_strings(x, "?")
            out <<- r
    <- out

func f(xs: []string, node: string) -> []string:
    res: *string
    got <- gather(xs, node)
    for g <- got:
        res <<- g
    <- res
""", {"xs": ["p", "q"], "node": "nodeC"})
case("otherwise-both-fail",
     "try fails and otherwise fails too: the error reaches errorHandlingSrv", "f", """\
func f(a: string, b: string) -> string:
    try:
        on a:
            r <- Fail.fail("first")
    otherwise:
        on b:
            r2 <- Fail.fail("second")
    <- "unreached"
""", {"a": "nodeA", "b": "nodeB"})

case("co-inside-on",
     "two co blocks inside on a, joined back on the client", "f", """\
func f(a: string, b: string, c: string) -> []string:
    res: *string
    on a:
        co on b:
            x <- Op.identity("b")
            res <<- x
        co on c:
            y <- Op.identity("c")
            res <<- y
    join res[1]
    <- res
""", {"a": "nodeA", "b": "nodeB", "c": "nodeC"})
case("par-group-in-on-via",
     "a par group as the last statement of on a via v", "f", """\
func f(a: string, v: string, b: string, c: string) -> []string:
    res: *string
    on a via v:
        on b:
            x <- Op.identity("b")
            res <<- x
        par on c:
            y <- Op.identity("c")
            res <<- y
    join res[1]
    <- res
""", {"a": "nodeA", "v": "nodeB", "b": "nodeC", "c": "nodeA"})
case("for-par-in-for-seq",
     "a for-par over peers inside a seq loop over words, joined each time", "f", """\
func f(words: []string, peers: []string) -> []string:
    res: *string
    for w <- words:
        for p <- peers par:
            on p:
                r <- Op.concat_strings(w, p)
                res <<- r
    join res[3]
    <- res
""", {"words": ["x", "y"], "peers": ["nodeA", "nodeB"]})
case("for-par-on-via",
     "for-par with on p via v in each branch", "f", """\
func f(peers: []string, v: string) -> []string:
    res: *string
    for p <- peers par:
        on p via v:
            i <- PeerInfo.identify()
            res <<- i.peer_id
    join res[1]
    <- res
""", {"peers": ["nodeA", "nodeC"], "v": "nodeB"})
case("try-around-for-par",
     "a failing branch of a for-par inside try/catch", "f", """\
service Work("work"):
    run(p: string) -> string

func f(peers: []string) -> []string:
    res: *string
    try:
        for p <- peers par:
            on p:
                r <- Work.run(p)
                res <<- r
        join res[1]
    catch e:
        res <<- e.message
    <- res
""", {"peers": ["nodeA", "nodeB", "nodeC"]},
     services={"*": [WORK_ARG], "nodeB": [{**WORK_ARG, "kind": "fail", "message": "B broke"}]})
case("if-inside-co",
     "an if in a co branch, joined", "f", """\
func f(a: string, flag: bool) -> []string:
    res: *string
    co on a:
        if flag:
            res <<- "yes"
        else:
            r <- Op.identity("no")
            res <<- r
    join res[0]
    <- res
""", {"a": "nodeA", "flag": False})
case("inline-for-par-join-on",
     "a called function with for-par and join, called inside on a", "f", """\
func ids(peers: []string) -> []string:
    res: *string
    for p <- peers par:
        on p:
            i <- PeerInfo.identify()
            res <<- i.peer_id
    join res[1]
    <- res

func f(a: string, peers: []string) -> []string, u32:
    on a:
        got <- ids(peers)
        n <- Op.array_length(got)
    <- got, n
""", {"a": "nodeA", "peers": ["nodeB", "nodeC"]})
case("same-peer-nested",
     "on a inside on a", "f", """\
func f(a: string) -> []string:
    res: *string
    on a:
        x <- Op.identity("outer")
        res <<- x
        on a:
            y <- Op.identity("inner")
            res <<- y
    <- res
""", {"a": "nodeA"})
case("inline-multi-return-on",
     "a called function with two results, called inside on b", "f", """\
func two(p: string) -> string, string:
    on p:
        x <- Op.identity("one")
        y <- Op.concat_strings(x, "+two")
    <- x, y

func f(a: string, b: string) -> string, string, string:
    on b:
        u, v <- two(a)
        w <- Op.concat_strings(u, v)
    <- u, v, w
""", {"a": "nodeA", "b": "nodeB"})
case("stream-to-option",
     "a stream returned as ?string", "f", """\
func f(node: string) -> ?string:
    res: *string
    on node:
        r <- Op.identity("only")
        res <<- r
    <- res
""", {"node": "nodeA"})
case("join-on-a-peer",
     "co blocks, then join and a call on another peer using the values", "f", """\
func f(a: string, b: string, c: string) -> string:
    res: *string
    co on a:
        x <- Op.identity("A")
        res <<- x
    co on b:
        y <- Op.identity("B")
        res <<- y
    on c:
        join res[1]
        r <- Op.concat_strings(res[0], res[1])
    <- r
""", {"a": "nodeA", "b": "nodeB", "c": "nodeC"})
case("parseq-then-on",
     "parseq over peers, join, then a call on another peer", "f", """\
func f(peers: []string, other: string) -> []string, string:
    res: *string
    parseq p <- peers on p:
        r <- Op.concat_strings("seen ", p)
        res <<- r
    join res[1]
    on other:
        o <- Op.identity("after")
    <- res, o
""", {"peers": ["nodeA", "nodeB"], "other": "nodeC"})
case("length-in-if",
     "the length of an array argument compared in an if", "f", """\
func f(xs: []string) -> string:
    res: *string
    if xs.length == 2:
        res <<- "two"
    else:
        res <<- "not two"
    <- res!
""", {"xs": ["a", "b"]})
case("struct-option-field",
     "a struct argument with an option field, read with ! and .length", "f", """\
data Msg:
    text: string
    reply_to: ?string

func f(m: Msg, node: string) -> u32, string:
    on node:
        r <- Op.concat_strings(m.text, m.reply_to!)
    <- m.reply_to.length, r
""", {"m": {"text": "hi ", "reply_to": ["bob"]}, "node": "nodeA"})
case("for-try-all-fail",
     "for-try where every iteration fails", "f", """\
func f(peers: []string) -> []string:
    res: *string
    for p <- peers try:
        on p:
            r <- Fail.fail(p)
            res <<- r
    res <<- "after"
    <- res
""", {"peers": ["nodeA", "nodeB"]})

case("via-array",
     "on a peer via an array of relays given as an argument", "f", """\
func f(rs: []string) -> string:
    on "nodeC" via rs:
        r <- Op.identity("x")
    <- r
""", {"rs": ["nodeA", "nodeB"]})
case("via-array-fail",
     "an uncaught error behind an array of relays goes back through them", "f", """\
func f(rs: []string) -> string:
    on "nodeC" via rs:
        r <- Fail.fail("boom")
    <- r
""", {"rs": ["nodeA", "nodeB"]})
case("via-array-nested",
     "a literal array of relays inside an on with a scalar via, caught error", "f", """\
func f(a: string, b: string) -> []string:
    res: *string
    on "nodeC" via "relay":
        try:
            on "nodeB" via [a, b]:
                r <- Op.identity("in")
                res <<- r
                Fail.fail("late")
        catch e:
            res <<- e.message
    <- res
""", {"a": "nodeA", "b": "nodeC"})
case("join-whole-stream",
     "join of a whole stream waits for nothing, as Fluence's 0.14 compiles it", "f", """\
func f(xs: []string) -> []string, u32:
    s: *string
    for x <- xs par:
        on x:
            r <- Op.identity(x)
            s <<- r
    join s
    n <- Op.array_length(s)
    <- s, n
""", {"xs": ["nodeA", "nodeB"]})

case("for-over-stream",
     "for over a stream filled by an earlier loop, on each peer it holds", "f", """\
func f(xs: []string) -> []string:
    s: *string
    out: *string
    for x <- xs:
        s <<- x
    for y <- s:
        on y:
            r <- Op.concat_strings(y, "!")
        out <<- r
    <- out
""", {"xs": ["nodeA", "nodeB"]})
case("for-par-over-stream",
     "for par over a stream gathered in parallel and joined, then joined again", "f", """\
func f(xs: []string) -> []string:
    s: *string
    out: *string
    for x <- xs par:
        on x:
            r <- Op.identity(x)
            s <<- r
    join s[1]
    for y <- s par:
        on y:
            q <- Op.concat_strings(y, "?")
            out <<- q
    join out[1]
    <- out
""", {"xs": ["nodeA", "nodeB"]})

case("arrow-func-arg",
     "a func passed as a callback, called on another peer and passed on again", "f", """\
func shout(s: string) -> string:
    r <- Op.concat_strings(s, "!")
    <- r

func apply(x: string, cb: string -> string) -> string:
    on "nodeA":
        r <- cb(x)
    <- r

func twice(x: string, cb: string -> string) -> string, string:
    a <- apply(x, cb)
    on "nodeB" via "nodeC":
        b <- cb(a)
    <- a, b

func f(x: string) -> string, string:
    a, b <- twice(x, shout)
    <- a, b
""", {"x": "hi"})
case("arrow-forms",
     "arrow types written A, B -> R, A, B -> (), -> R", "f", """\
func pair(a: string, b: string) -> string:
    r <- Op.concat_strings(a, b)
    <- r

func hello() -> string:
    <- "hello"

func log(a: string, b: string):
    Op.noop()

func run(p: string, string -> string, h: -> string, l: string, string -> ()) -> string:
    x <- h()
    l(x, x)
    y <- p(x, "!")
    <- y

func f() -> string:
    r <- run(pair, hello, log)
    <- r
""", {})
case("arrow-client-callback",
     "the client's callbacks called at the client and from another peer (not served: caught)", "f", """\
func f(x: string, cb: string -> string, note: string, u32 -> ()) -> []string:
    res: *string
    try:
        r <- cb(x)
        res <<- r
    catch e:
        res <<- e.message
    on "nodeA":
        y <- Op.identity(x)
        try:
            note(y, 2)
        catch e:
            res <<- e.message
        try:
            z <- cb(y)
            res <<- z
        catch e:
            res <<- e.message
    <- res
""", {"x": "hi"})

case("arrow-in-for-par",
     "a callback func called on each peer of a for par, results joined", "f", """\
func tag(s: string) -> string:
    r <- Op.concat_strings(s, "#")
    <- r

func each(peers: []string, cb: string -> string) -> []string:
    res: *string
    for p <- peers par:
        on p:
            r <- cb(p)
            res <<- r
    join res[2]
    <- res

func f(peers: []string) -> []string:
    out <- each(peers, tag)
    <- out
""", {"peers": ["nodeA", "nodeB", "nodeC"]})
case("via-array-in-par",
     "for par over peers, each reached through an array of relays", "f", """\
func f(peers: []string, rs: []string) -> []string:
    res: *string
    for p <- peers par:
        on p via rs:
            r <- Op.identity(p)
            res <<- r
    join res[1]
    <- res
""", {"peers": ["nodeA", "nodeB"], "rs": ["nodeC", "nodeB"]})
case("arrow-client-callback-in-par",
     "the client's callback called from a par branch on another peer (not served: caught)", "f", """\
func f(peers: []string, cb: string -> ()) -> []string:
    res: *string
    for p <- peers par:
        on p:
            try:
                cb(p)
                res <<- "called"
            catch e:
                res <<- e.peer_id
    join res[1]
    <- res
""", {"peers": ["nodeA", "nodeB"]})

case("closure-where-defined",
     "a closure defined on the client, called inside on: it runs on the client", "f", """\
func f(x: string) -> string:
    cl = (s: string) -> string:
        r <- Op.concat_strings(s, x)
        <- r
    on "nodeA":
        v <- cl("a")
    <- v
""", {"x": "hi"})
case("closure-func-and-plain",
     "a func closure runs where called; a plain one where defined, also when passed on", "f", """\
func apply(cb: string -> string) -> string:
    on "nodeB":
        r <- cb("b")
    <- r

func f(x: string) -> string, string, string:
    cl = func (s: string) -> string:
        r <- Op.concat_strings(s, x)
        <- r
    on "nodeA":
        v <- cl("a")
        plain = (s: string) -> string:
            q <- Op.concat_strings(s, "-plain")
            <- q
        w <- plain(v)
    u <- apply(plain)
    <- v, w, u
""", {"x": "hi"})
case("closure-captures-stream",
     "a closure pushing to a captured stream, called on each peer of a for par", "f", """\
func f(peers: []string) -> []string:
    res: *string
    note = func (p: string):
        r <- Op.concat_strings(p, "+")
        res <<- r
    for p <- peers par:
        on p:
            note(p)
    join res[1]
    <- res
""", {"peers": ["nodeA", "nodeB"]})

LIB = """aqua Greet declares *

data Greeting:
    text: string
    peer: string

const PUNCT = "!"

service Text("op"):
    concat_strings(a: string, b: string) -> string

func greet(name: string) -> string:
    r <- Text.concat_strings(name, PUNCT)
    <- r

func greeting(name: string, peer: string) -> Greeting:
    t <- greet(name)
    <- Greeting(text = t, peer = peer)
"""

case("for-rec",
     "for ... rec follows a stream as it grows: values pushed by the body are visited too", "f", """\
func f(start: string, node: string) -> []string:
    res: *string
    res <<- start
    for x <- res rec:
        if x == "a":
            on node:
                y <- Op.concat_strings(x, "b")
            res <<- y
        if x == "ab":
            res <<- "done"
    join res[2]
    <- res
""", {"start": "a", "node": "nodeA"})
case("import-file",
     "import of a file beside the program: its data, const, service and functions", "f", """\
func f(name: string, node: string) -> string, Greeting:
    on node:
        g <- greeting(name, node)
        s <- greet(PUNCT)
    <- s, g
""", {"name": "Ada", "node": "nodeB"}, head='import "greet.aqua"\n\n', files={"greet.aqua": LIB})
case("use-as",
     "use of a module as a new name: G.f, G.Data(...), G.CONST, G.Srv.f", "f", """\
func f(name: string, node: string) -> string, G.Greeting, string:
    on node:
        g <- G.greeting(name, node)
        lit = G.Greeting(text = G.PUNCT, peer = node)
        s <- G.Text.concat_strings(lit.text, g.text)
    t <- G.greet(s)
    <- s, lit, t
""", {"name": "Ada", "node": "nodeB"}, head='use "greet.aqua" as G\n\n', files={"greet.aqua": LIB})
case("use-module-name",
     "use of a module by its own header name, beside an import of the same file", "f", """\
func f(name: string) -> string, string:
    a <- Greet.greet(name)
    b <- greet(a)
    <- a, b
""", {"name": "Ada"}, head='use "greet.aqua"\nimport "greet.aqua"\n\n', files={"greet.aqua": LIB})

case("built-in-names",
     "INIT_PEER_ID, HOST_PEER_ID, PARTICLE_TTL, PARTICLE_TIMESTAMP and LAST_ERROR", "f", """\
func f(node: string) -> string, string, u32, u64, string, string:
    on HOST_PEER_ID:
        h <- Op.identity(HOST_PEER_ID)
    on node:
        try:
            Fail.fail("broke")
        catch e:
            Op.noop()
        m <- Op.identity(LAST_ERROR.message)
    <- INIT_PEER_ID, h, PARTICLE_TTL, PARTICLE_TIMESTAMP, m, node
""", {"node": "nodeA"})
case("struct-copy-and-bang-index",
     "p.copy(field = value) keeps the other fields; s!1 waits for a stream's second value", "f", """\
data Item:
    name: string
    owner: string
    tags: []string

func f(peers: []string) -> Item, Item, string:
    it = Item(name = "lamp", owner = "nobody", tags = ["a"])
    res: *string
    for p <- peers par:
        on p:
            r <- Op.identity(p)
            res <<- r
    moved = it.copy(owner = res!1)
    again = moved.copy(name = "desk", tags = [])
    <- moved, again, res!0
""", {"peers": ["nodeA", "nodeB"]})

case("service-id-scope",
     "Srv \"id\" holds in its block only: not after an if or on block, not in functions called", "f", """\
func g(s: string) -> string:
    r <- Op.identity(s)
    <- r

func h(s: string) -> string:
    Op "inner"
    r <- Op.identity(s)
    <- r

func f(x: string, b: bool) -> []string:
    res: *string
    if b:
        Op "in-if"
        a <- Op.identity(x)
        res <<- a
    c <- Op.identity(x)
    res <<- c
    on "nodeA":
        Op "in-on"
        d <- Op.identity(x)
        res <<- d
    e <- Op.identity(x)
    res <<- e
    Op "outer"
    k <- h(x)
    res <<- k
    m <- Op.identity(x)
    res <<- m
    n <- g(x)
    res <<- n
    <- res
""", {"x": "x", "b": True}, services={"*": [
    {"service": sid, "function": "identity", "kind": "const", "value": f"from {sid}"}
    for sid in ("in-if", "in-on", "inner", "outer")]})

cases["export-as"] = dict(
    desc="export f as g: the function is compiled under its new name", func="ask", data={"node": "nodeA"},
    peers=P3, services=None, no_relay=False, files={}, src=f"""aqua ExportAs

export greet as ask

{SRV}
func greet(node: string) -> string:
    on node:
        r <- Op.concat_strings("hi ", node)
    <- r
""")

case("stream-declared-in-loops",
     "a stream declared in a for body is a new one in each pass (seq, par and try loops)", "f", """\
func f(peers: []string) -> []string, []u32, []string:
    res: *string
    sizes: *u32
    for p <- peers:
        mine: *string
        mine <<- p
        mine <<- "again"
        n <- Op.array_length(mine)
        sizes <<- n
    got: *string
    for p <- peers par:
        on p:
            one: *string
            one <<- p
            r <- Op.identity(one!)
            got <<- r
    join got[1]
    for p <- peers try:
        tried: *string
        tried <<- p
        res <<- tried!
    <- res, sizes, got
""", {"peers": ["nodeA", "nodeB"]})


def write(out: str) -> None:
    """Write every case's main.aqua and input.json under `out`."""
    for name, c in cases.items():
        d = os.path.join(out, f"aq-{name}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "main.aqua"), "w") as f:
            f.write(c["src"])
        for file_name, text in c["files"].items():
            with open(os.path.join(d, file_name), "w") as f:
                f.write(text)
        aqua = {"file": "main.aqua", "func": c["func"]}
        if c["no_relay"]:
            aqua["noRelay"] = True
        inp = {"description": "Aqua: " + c["desc"], "peers": c["peers"], "init_peer": "client"}
        if not c["no_relay"]:
            inp["relay"] = "relay"
            inp["reachable"] = {"client": ["relay"]}
        inp["script_file"] = "script.air"
        inp["aqua"] = aqua
        inp["data"] = c["data"]
        if c["services"]:
            inp["services"] = c["services"]
        with open(os.path.join(d, "input.json"), "w") as f:
            json.dump(inp, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    write(sys.argv[1])

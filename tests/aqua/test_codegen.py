"""The code generator: the client convention, relay modes, and every refusal it makes."""

from __future__ import annotations

import re

import pytest

from edge_agent.air.parser import parse as parse_air
from edge_agent.aqua import AquaError, compile_all, compile_source
from edge_agent.sim import Network

SRV = 'service Op("op"):\n    identity(s: string) -> string\n    noop()\n\n'


def air(body: str, func: str = "f", relay: bool = True) -> str:
    return compile_source(SRV + body, func, "g.aqua", relay)


def test_client_convention_in_relay_mode() -> None:
    text = air("func f(a: string, b: []string) -> string, []string:\n    <- a, b\n")
    parse_air(text)
    assert re.findall(r'\("getDataSrv" "([^"]+)"\) \[\] (\S+)\)', text) == [
        ("-relay-", "-relay-"), ("a", "-a-arg-"), ("b", "-b-arg-")]
    assert '(call %init_peer_id% ("callbackSrv" "response") [-a-arg- -b-arg-])' in text
    assert text.startswith("(xor")
    assert '(call %init_peer_id% ("errorHandlingSrv" "error") [:error: 0])' in text


def test_no_relay_mode_never_mentions_the_relay() -> None:
    source = "func f(p: string) -> string:\n    on p:\n        r <- Op.identity(p)\n    <- r\n"
    text = air(source, relay=False)
    assert "-relay-" not in text
    assert "canon" not in text  # no hops: the client reaches p itself


def test_a_function_without_results_makes_no_response_call() -> None:
    text = air("func f():\n    Op.noop()\n")
    assert "callbackSrv" not in text
    assert '(call %init_peer_id% ("op" "noop") [])' in text


def test_on_via_hops_and_error_path() -> None:
    text = air("func f(a: string, v: string):\n    on a via v:\n        Op.noop()\n").replace("\n", " ")
    hops = re.findall(r"\(canon (\S+) \$-hop-", text)
    # in: relay, v; out: v, relay; on error: v, relay, back to the client
    assert hops == ["-relay-", "-v-arg-", "-v-arg-", "-relay-", "-v-arg-", "-relay-", "%init_peer_id%"]


def test_calls_inside_on_run_on_that_peer_and_names_are_fresh() -> None:
    text = air("func g(p: string) -> string:\n    on p:\n        r <- Op.identity(p)\n    <- r\n\n"
               "func f(x: string, y: string) -> string, string:\n    a <- g(x)\n    b <- g(y)\n    <- a, b\n")
    assert '(call -x-arg- ("op" "identity") [-x-arg-] ret)' in text
    assert '(call -y-arg- ("op" "identity") [-y-arg-] ret-0)' in text


def test_compile_all_lists_exported_functions_with_signatures() -> None:
    doc = compile_all(SRV + "export f\n\nfunc f(xs: []u8, o: ?string) -> *string:\n    s: *string\n    <- s\n"
                      "func hidden():\n    Op.noop()\n")
    assert list(doc) == ["f"]
    assert doc["f"]["args"] == [["xs", "[]u8"], ["o", "?string"]]
    assert doc["f"]["results"] == ["*string"]


def test_index_by_a_computed_value_goes_through_a_scalar() -> None:
    text = air("func f(xs: []string, ns: []u32) -> string:\n    <- xs[ns[0]]\n")
    result = Network(["c"]).run(text, init_peer="c", data={"xs": ["a", "b"], "ns": [1]})
    assert result.responses == [["b"]]


@pytest.mark.parametrize(("body", "func", "message"), [
    ("func f():\n    par Op.noop()\n", "f", "'par' needs a statement before it"),
    ("service Dyn:\n    g()\n\nfunc f():\n    Dyn.g()\n", "f", "service Dyn has no id: give it one first"),
    ("func f() -> u32:\n    <- 1 / 0\n", "f", "division by zero"),
    ("func f(xs: []string):\n    join xs[0]\n", "f", "'join' of this is not supported yet"),
    ("func f():\n    co par Op.noop()\n", "f", "'par' is not supported yet"),
    ("func f():\n    Op.noop()\nfunc g():\n    Op.noop()\n", None, "choose the function to compile"),
    ("func f():\n    Op.noop()\n", "nope", "no function 'nope'"),
])
def test_refusals(body: str, func: str | None, message: str) -> None:
    with pytest.raises(AquaError, match=re.escape(message)):
        compile_source(SRV + body, func, "g.aqua")


@pytest.mark.parametrize(("text", "message"), [
    ('use "x.aqua" as X\n', "importing a file needs the importing file's path"),
    ("func f():\n    use x\n", "'use' belongs at the top of the file"),
    ("func f():\n    new x\n", "'new' is not a statement of Aqua 0.14"),
    ("func f():\n    fail x\n", "'fail' is not a statement of Aqua 0.14"),
    ("func f(xs: []string):\n    for x <- xs on x:\n        Op.noop()\n",
     "'for ... on' is not Aqua 0.14"),
    ("func f() -> string:\n    m: %string\n    <- \"x\"\n", "stream maps (%T) are not Aqua 0.14"),
    ("func g{Ab}() -> string:\n    <- \"x\"\n", "abilities are not supported yet (func f{Ability})"),
    ("ability Ab:\n    v: string\n", "abilities are not supported yet"),
    ("func f(x: string) -> string:\n    if x == \"a\":\n        Op.noop()\n    else if x == \"b\":\n"
     "        Op.noop()\n    <- x\n", "'else if' is not Aqua"),
    ("func g() -> string -> string:\n    <- \"x\"\n",
     "an arrow (callback) type is only supported as the type"),
    ("func f(a: bool) -> bool:\n    <- a and a\n", "Aqua writes 'and' as '&&'"),
    ("func f(a: bool) -> bool:\n    <- a or a\n", "Aqua writes 'or' as '||'"),
    ("func f(a: bool) -> bool:\n    <- not a\n", "Aqua writes 'not' as '!'"),
])
def test_constructs_not_supported_yet_are_named(text: str, message: str) -> None:
    with pytest.raises(AquaError, match=re.escape(message)):
        compile_source(SRV + text, "f", "g.aqua")

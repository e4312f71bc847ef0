"""`debug`: aqua-lib's Debug.stringify, as a Fluence peer (nox) answers it."""

from __future__ import annotations

from edge_agent import const
from tests.services.builtins_support import call, error, run_compiled


def test_stringify() -> None:
    assert call("debug", "stringify", "hello") == '"hello"'
    assert call("debug", "stringify", 101) == "101"
    assert call("debug", "stringify", {"b": None, "a": "b"}) == '{"a":"b","b":null}'
    assert call("debug", "stringify", ["a"]) == '["a"]'
    assert call("debug", "stringify", "a", "b") == '["a","b"]'  # several: the array of them
    assert call("debug", "stringify") == '"<empty argument list>"'
    assert call("debug", "stringify", "é\n") == '"é\\n"'


def test_stringify_is_bounded_whatever_its_arguments_share() -> None:
    long = "z" * (const.BUILTIN_MAX_RESULT_CHARS // 2)
    assert error("debug", "stringify", long, long, long) == (
        f"debug.stringify: the result would hold more than {const.BUILTIN_MAX_RESULT_CHARS} "
        "characters of text, this peer's limit"
    )


COMPILED_DATA = {"words": ["a", "b"]}
"""debug.aqua's arguments besides `peer`, and the one response it gives (test_builtins_nodes.py).
AIR keeps a string literal's backslashes as they are (AquaVM too): Aqua's "tab\\tbed" is
t-a-b-backslash-t-b-e-d, whose JSON doubles the backslash."""
COMPILED_RESPONSE = ['{"label":"three","x":3}', '["a","b"]', '"tab\\\\tbed"']


def test_compiled_aqua_stringifies_on_another_peer() -> None:
    result = run_compiled("debug", {"peer": "dev", **COMPILED_DATA})
    assert result.responses == [COMPILED_RESPONSE]
    assert [c.peer for c in result.calls if c.service == "debug"] == ["dev"] * 3

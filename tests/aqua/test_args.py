"""Arguments of an Aqua function from the command line: parsing and type checks."""

from __future__ import annotations

from typing import Any

import pytest

from edge_agent.aqua import compile_function
from edge_agent.aqua.args import check_args, parse_arg

SOURCE = """\
data Point:
    x: u8
    label: string

func f(name: string, n: u8, ok: bool, pts: []Point, maybe: ?i64, f: f64) -> string:
    <- name
"""
_, SIG = compile_function(SOURCE, "f")
GOOD: dict[str, Any] = {"name": "a", "n": 255, "ok": True, "pts": [{"x": 1, "label": "p"}], "maybe": [],
                        "f": 1}


def test_parse_arg_reads_json_and_bare_strings() -> None:
    assert parse_arg('pts=[{"x": 1, "label": "p"}]', SIG) == ("pts", [{"x": 1, "label": "p"}])
    assert parse_arg("name=Ada Lovelace", SIG) == ("name", "Ada Lovelace")
    assert parse_arg('name="7"', SIG) == ("name", "7")
    with pytest.raises(ValueError, match="is not JSON"):
        parse_arg("n=seven", SIG)
    with pytest.raises(ValueError, match="NAME=JSON"):
        parse_arg("novalue", SIG)


def test_good_arguments_pass() -> None:
    assert check_args(SIG, GOOD) == []


@pytest.mark.parametrize(("change", "problem"), [
    ({"n": 256}, "argument 'n' must be u8, not 256"),
    ({"n": True}, "argument 'n' must be u8, not true"),
    ({"ok": 1}, "argument 'ok' must be bool, not 1"),
    ({"f": "1"}, "argument 'f' must be f64, not \"1\""),
    ({"pts": {}}, "argument 'pts' must be []Point (a JSON array), not {}"),
    ({"pts": [{"x": 1}]}, "argument 'pts'[0] (Point) lacks the field 'label'"),
    ({"pts": [{"x": -1, "label": "p"}]}, "argument 'pts'[0].x must be u8, not -1"),
    ({"pts": ["p"]}, "argument 'pts'[0] must be Point (a JSON object), not \"p\""),
    ({"maybe": [1, 2]}, "argument 'maybe' must be ?i64: an array of at most one value"),
    ({"extra": 1}, "'extra' is not an argument of the function"),
])
def test_bad_arguments_are_named(change: dict[str, Any], problem: str) -> None:
    problems = check_args(SIG, {**GOOD, **change})
    assert len(problems) == 1 and problems[0].startswith(problem), problems


def test_missing_arguments_say_how_to_give_them() -> None:
    assert check_args(SIG, {k: v for k, v in GOOD.items() if k != "ok"}) == [
        "argument 'ok' (bool) is missing: give it with --arg ok=JSON"]

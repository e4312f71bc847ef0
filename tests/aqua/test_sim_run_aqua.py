"""`Network.run_aqua`: compile an Aqua function and run it on the simulator in one call."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge_agent.aqua import AquaError
from edge_agent.aqua.args import ArgumentError
from edge_agent.sim import Network

PROGRAM = """\
aqua Hello

import "@fluencelabs/aqua-lib/builtin.aqua"

export greet, quiet

func greet(device: string, names: []string) -> string, u32:
    on device:
        text <- Op.concat_strings("hello, ", names!)
        n <- Op.array_length(names)
    <- text, n

func quiet(device: string):
    on device:
        Op.noop()
"""


def test_arguments_go_through_getdatasrv_and_results_come_back() -> None:
    net = Network(["laptop", "kitchen"])
    args = {"device": "kitchen", "names": ["Ada", "Bob"]}
    result = net.run_aqua(PROGRAM, "greet", args, init_peer="laptop")
    assert result.results == ["hello, Ada", 2]
    reads = [c.function for c in result.calls if c.service == "getDataSrv"]
    assert reads == ["device", "names"]  # no relay: LAN mode reads no -relay-
    assert ("kitchen", "op", "concat_strings") in [(c.peer, c.service, c.function) for c in result.calls]


def test_a_file_with_an_import_beside_it(tmp_path: Path) -> None:
    (tmp_path / "lib.aqua").write_text(
        'aqua Lib declares *\n\nservice Op("op"):\n    concat_strings(a: string, b: string) -> string\n',
        encoding="utf-8")
    main = tmp_path / "main.aqua"
    main.write_text('aqua Main\n\nimport "lib.aqua"\n\nexport shout\n\nfunc shout(s: string) -> string:\n'
                    '    r <- Op.concat_strings(s, "!")\n    <- r\n', encoding="utf-8")
    net = Network(["laptop"])
    assert net.run_aqua(main, args={"s": "hi"}).results == ["hi!"]
    assert net.run_aqua(str(main), "shout", {"s": "ho"}).results == ["ho!"]
    with pytest.raises(OSError):
        net.run_aqua(tmp_path / "missing.aqua", args={})


def test_relay_mode_reads_the_relay_and_hops_through_it() -> None:
    net = Network(["client", "relay", "kitchen"], reachable={"client": ["relay"]})
    result = net.run_aqua(PROGRAM, "greet", {"device": "kitchen", "names": ["Ada"]}, "client", relay="relay")
    assert result.results == ["hello, Ada", 1]
    assert [c.function for c in result.calls if c.service == "getDataSrv"][0] == "-relay-"
    direct = Network(["client", "relay", "kitchen"], reachable={"client": ["relay"]})
    lan = direct.run_aqua(PROGRAM, "greet", {"device": "kitchen", "names": ["Ada"]}, "client")
    assert lan.results is None and lan.dropped == ["kitchen->client"] * 2  # no way back without the relay


def test_arguments_are_checked_before_anything_runs() -> None:
    net = Network(["laptop", "kitchen"])
    with pytest.raises(ArgumentError) as caught:
        net.run_aqua(PROGRAM, "greet", {"device": "kitchen", "names": "Ada", "extra": 1})
    assert caught.value.problems == [
        "'extra' is not an argument of the function (it takes: device, names)",
        "argument 'names' must be []string (a JSON array), not \"Ada\"",
    ]
    with pytest.raises(AquaError, match="no function 'nope'"):
        net.run_aqua(PROGRAM, "nope", {})


def test_results_of_a_function_without_results_and_of_a_failed_run() -> None:
    net = Network(["laptop", "kitchen"])
    assert net.run_aqua(PROGRAM, "quiet", {"device": "kitchen"}).results == []
    failed = net.run_aqua(PROGRAM, "greet", {"device": "kitchen", "names": []})
    assert failed.results is None and failed.errors  # names! of an empty array
    assert net.run_aqua(PROGRAM, "quiet", {"device": "nowhere"}).results is None


CALLBACKS = """\
aqua Callbacks

import "@fluencelabs/aqua-lib/builtin.aqua"

export f

func f(device: string, cb: string -> string, note: string, u32 -> ()) -> string, string:
    a <- cb("here")
    on device:
        s <- Op.concat_strings("on ", device)
        note(s, 2)
        b <- cb(s)
    <- a, b
"""


@pytest.mark.parametrize("relay", [None, "relay"])
def test_callback_arguments_are_served_by_the_client(relay: str | None) -> None:
    net = Network(["laptop", "relay", "kitchen"], reachable={"laptop": ["relay", "kitchen"]})
    notes: list[tuple[str, int]] = []
    result = net.run_aqua(CALLBACKS, "f", {"device": "kitchen"}, "laptop", relay=relay,
                          callbacks={"cb": lambda s: s.upper(), "note": lambda s, n: notes.append((s, n))})
    assert result.results == ["HERE", "ON KITCHEN"]
    assert notes == [("on kitchen", 2)]
    from_kitchen = [c.peer for c in result.calls if c.function in ("note", "cb")]
    assert from_kitchen == ["laptop"] * 3  # every callback runs on the client
    assert net.run_aqua(CALLBACKS, "f", {"device": "kitchen"}, "laptop", relay=relay).errors  # not served


def test_closures_run_where_defined_or_with_func_where_called() -> None:
    program = """\
aqua Closures

import "@fluencelabs/aqua-lib/builtin.aqua"

export f

func f(device: string, suffix: string) -> string, string:
    here = (s: string) -> string:
        r <- Op.concat_strings(s, suffix)
        <- r
    there = func (s: string) -> string:
        r <- Op.concat_strings(s, suffix)
        <- r
    on device:
        a <- here("a")
        b <- there("b")
    <- a, b
"""
    result = Network(["laptop", "kitchen"]).run_aqua(program, "f", {"device": "kitchen", "suffix": "!"})
    assert result.results == ["a!", "b!"]
    assert [c.peer for c in result.calls if c.function == "concat_strings"] == ["laptop", "kitchen"]

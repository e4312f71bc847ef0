"""Groups on the command line (issue 13): TARGET or --tag/--all and the operands after it,
`tag`'s +TAG/-TAG words, and the messages of a selection that found nothing. The runs
themselves are tests/integration/test_groups_netns.py's."""

from __future__ import annotations

import argparse
import json
from typing import Any

import pytest

from edge_agent.cli import COMMANDS
from edge_agent.cli_group import GROUP_COMMANDS, _nothing_selected, deploy_counts_as_failure
from edge_agent.cli_parser import build_parser, parse
from edge_agent.fanout import Device


def args_of(*argv: str) -> argparse.Namespace:
    return parse(build_parser(COMMANDS), list(argv))


def usage_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as caught:
        args_of(*argv)
    assert caught.value.code == 2
    return capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["call", "kitchen", "peer", "identify"],
            {"target": "kitchen", "service": "peer", "function": "identify", "args": [], "tag": None},
        ),
        (
            ["call", "--tag", "sensors", "greeting", "greet", "Ada", "2"],
            {
                "target": None,
                "service": "greeting",
                "function": "greet",
                "args": ["Ada", "2"],
                "tag": "sensors",
            },
        ),
        (
            ["call", "greeting", "greet", "--all", "-1"],
            {"target": None, "service": "greeting", "function": "greet", "args": ["-1"], "all": True},
        ),
        (
            ["deploy", "--all", "m.wasm", "--name", "m", "--batch", "2"],
            {"target": None, "module": "m.wasm", "name": "m", "batch": 2, "all": True},
        ),
        (
            ["deploy", "kitchen", "m.wasm", "--name", "m"],
            {"target": "kitchen", "module": "m.wasm", "batch": None},
        ),
        (["remove", "--tag", "sensors", "greeting"], {"target": None, "name": "greeting", "tag": "sensors"}),
        (["status", "kitchen", "--json"], {"target": "kitchen", "json": True}),
        (["services", "--all"], {"target": None, "all": True}),
        (
            ["tag", "kitchen", "+sensors", "-old", "-v"],
            {"target": "kitchen", "changes": ["+sensors", "-old"], "verbose": True},
        ),
        (
            ["tag", "--tag", "sensors", "+calibrated", "--json"],
            {"target": None, "tag": "sensors", "changes": ["+calibrated"], "json": True},
        ),
        (
            ["tag", "kitchen", "--", "-v", "-h"],
            {"target": "kitchen", "changes": ["-v", "-h"], "verbose": False},
        ),
    ],
)
def test_operands_are_placed_after_target_or_a_group(argv: list[str], expected: dict[str, Any]) -> None:
    args = args_of(*argv)
    assert {k: getattr(args, k) for k in expected} == expected


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["call"], "give a TARGET (a device), --tag TAG or --all"),
        (["call", "--tag", "x", "--all", "s", "f"], "give --tag or --all, not both"),
        (["remove", "kitchen"], "NAME is missing"),
        (
            ["deploy", "--tag", "x", "kitchen", "m.wasm", "--name", "m"],
            "unexpected 'm.wasm' (give TARGET or --tag/--all, not both)",
        ),
        (["status", "kitchen", "garage"], "unexpected 'garage'"),
        (["call", "kitchen", "--include-new", "s", "f"], "--include-new goes with --tag or --all"),
    ],
)
def test_usage_errors(capsys: pytest.CaptureFixture[str], argv: list[str], says: str) -> None:
    assert says in usage_error(capsys, *argv)


def test_every_group_command_takes_tag_and_all() -> None:
    operands = {
        "status": [],
        "services": [],
        "call": ["s", "f"],
        "remove": ["n"],
        "deploy": ["m.wasm", "--name", "n"],
        "enroll": [],
        "tag": ["+x"],
        "spell install": ["s", "s.aqua", "--every", "1m"],
    }
    assert set(operands) == set(GROUP_COMMANDS)
    for name, rest in operands.items():
        words = name.split()
        assert args_of(*words, "--all", *rest).all and args_of(*words, "--tag", "t", *rest).tag == "t"
        assert args_of(*words, "kitchen", *rest).target == "kitchen"
    spell = args_of("spell", "install", "--tag", "t", "s", "s.aqua", "--every", "1m")
    assert (spell.group_command, spell.name, spell.file) == ("spell install", "s", "s.aqua")


def test_options_between_operands_and_unknown_options(capsys: pytest.CaptureFixture[str]) -> None:
    args = args_of("call", "kitchen", "--json", "peer", "--timeout", "3", "identify", "-2.5")
    assert (args.target, args.service, args.function, args.args, args.timeout) == (
        "kitchen",
        "peer",
        "identify",
        ["-2.5"],
        3.0,
    )
    assert "unrecognized arguments: --jsn" in usage_error(capsys, "call", "kitchen", "s", "f", "--jsn")
    assert "unrecognized arguments: extra" in usage_error(capsys, "peers", "extra")


def test_a_rolled_back_deploy_counts_as_a_failure() -> None:
    assert deploy_counts_as_failure({"name": "g", "sha256": "ab"}) is None
    assert deploy_counts_as_failure({"rolled_back": True, "reason": "health check failed 3 times"}) == (
        "rolled back: health check failed 3 times"
    )


def test_a_tag_nobody_carries_lists_the_tags_seen() -> None:
    heard = [
        Device("attic", "A", ("sensors",)),
        Device("bath", "B", ("kitchen", "sensors")),
        Device("den", "C"),
    ]
    assert _nothing_selected("sensor", heard, 3.0) == (
        "no device carries the tag 'sensor' (heard over mDNS within 3 s); did you mean 'sensors'? "
        "Tags seen: kitchen (bath); sensors (attic, bath). Devices found: attic, bath, den"
    )
    assert _nothing_selected("x", [Device("den", "C")], 3.0) == (
        "no device carries the tag 'x' (heard over mDNS within 3 s). No device found has a tag. "
        "Devices found: den"
    )
    assert _nothing_selected(None, [], 3.0).startswith("no device found over mDNS within 3 s")


def test_an_answer_of_an_unexpected_shape_is_that_devices_failure_not_the_runs() -> None:
    from edge_agent.cli import EXIT_REMOTE
    from edge_agent.cli_group import _describe

    assert _describe(KeyError("versions")) == ("an answer of an unexpected shape (KeyError)", EXIT_REMOTE)
    assert _describe(TypeError("'str' object is not subscriptable"))[1] == EXIT_REMOTE  # type: ignore[index]
    assert _describe(ZeroDivisionError()) is None  # a bug of ours is raised


class _Lan:
    """A laptop's view of a LAN, for `run_group` without a network: what mDNS announced
    (anyone's to announce), what the laptop pinned, and each device's own /status."""

    CELLAR, ATTIC = "12D3KooWcellar", "12D3KooWattic"

    def __init__(self, announced: list[Device]) -> None:
        from types import SimpleNamespace

        self.announced = announced
        self.own_tags = {self.CELLAR: ["sensors"], self.ATTIC: ["staging"]}
        self.state = SimpleNamespace(known=SimpleNamespace(pins=lambda: {"cellar": self.CELLAR, "attic": self.ATTIC}))
        self.node = SimpleNamespace(discovery=object())
        self.settled_at = 0.0
        self.called: list[str] = []

    def devices(self) -> list[Device]:
        return self.announced

    async def resolve(self, target: str, *, timeout_s: float) -> Any:
        from edge_agent.client import Target

        peer_id = {"cellar": self.CELLAR, "attic": self.ATTIC}.get(target, target)
        return Target(peer_id, None, target)

    async def status(self, target: Any, *, timeout_s: float) -> dict[str, Any]:
        return {"peer_id": target.peer_id, "tags": self.own_tags[target.peer_id]}

    async def call(self, target: Any, service: str, function: str, values: Any, *, timeout_s: float) -> Any:
        self.called.append(target.name)
        return "done"


def test_a_group_reaches_a_known_device_by_its_pinned_name_and_its_own_tags_only(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A stranger announces the id of cellar (which this laptop knows) under another name, and
    cellar's own name with a tag cellar does not carry: neither draws cellar into the group."""
    import asyncio

    from edge_agent.cli_group import run_group

    lan = _Lan([
        Device("attic", _Lan.ATTIC, ("staging",)),
        Device("zzz", _Lan.CELLAR, ("staging",)),  # cellar's id, a name not pinned to it
    ])
    args = args_of("call", "--tag", "staging", "op", "noop", "--json")
    assert asyncio.run(run_group(args, lan)) == 0  # type: ignore[arg-type]
    doc = json.loads(capsys.readouterr().out)
    assert [(d["name"], d["status"]) for d in doc["devices"]] == [("attic", "ok"), ("zzz", "new")]
    assert lan.called == ["attic"]
    lan.announced = [Device("cellar", _Lan.CELLAR, ("staging",))]  # its name, tags it does not carry
    assert asyncio.run(run_group(args, lan)) != 0  # type: ignore[arg-type]
    doc = json.loads(capsys.readouterr().out)
    [cellar] = doc["devices"]
    assert cellar["status"] == "failed" and "does not carry the tag 'staging' by its own /status" in cellar["error"]
    assert lan.called == ["attic"]


def test_a_group_of_new_devices_only_did_nothing_and_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio

    from edge_agent.cli_group import run_group

    lan = _Lan([Device("shed", "12D3KooWshed", ("staging",))])
    args = args_of("call", "--tag", "staging", "op", "noop", "--json")
    assert asyncio.run(run_group(args, lan)) == 3  # type: ignore[arg-type]
    out = capsys.readouterr()
    assert json.loads(out.out)["ok"] is False and lan.called == []
    assert "no device this laptop knows was selected (1 new" in out.err

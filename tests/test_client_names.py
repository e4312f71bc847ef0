"""Device names are claims (issue 8): a name two peer ids announce is ambiguous, and the
laptop pins name -> peer id on first use and refuses a changed id, like SSH's known_hosts.

The decision is pure (`choose_announcer`); the pins live in the laptop's state directory
(tests/test_known_peers.py);
`Client.resolve` is driven here with a stand-in for mDNS discovery (the real thing, with a
squatter in network namespaces, is tests/security/test_squatters_netns.py); the CLI's
`known` command and exit codes run in-process.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import pytest

from edge_agent import cli
from edge_agent.client import AmbiguousName, BadTarget, Client, IdChanged, choose_announcer
from edge_agent.errors import LocalError
from edge_agent.identity import KeyPair
from edge_agent.net.addressbook import Address
from edge_agent.net.discovery import SERVICE_TYPE
from edge_agent.store import StateDir

GARAGE, SQUATTER, NEW = (KeyPair.from_seed(bytes([0x60 + i]) * 32).peer_id for i in range(3))
WHERE = Path("/home/ada/.config/edge-agent/client/known_peers")


# --- the decision ----------------------------------------------------------------------------


def test_one_announcer_and_no_pin_is_that_peer() -> None:
    assert choose_announcer("garage", {GARAGE}, None, WHERE) == (GARAGE, None)


def test_two_announcers_and_no_pin_is_ambiguous_and_lists_both() -> None:
    with pytest.raises(AmbiguousName) as caught:
        choose_announcer("garage", {SQUATTER, GARAGE}, None, WHERE)
    message = str(caught.value)
    assert GARAGE in message and SQUATTER in message and "2 devices announce the name 'garage'" in message
    assert "edge-agent known pin garage PEER_ID" in message
    assert caught.value.peer_ids == sorted([GARAGE, SQUATTER])
    assert isinstance(caught.value, BadTarget) and isinstance(caught.value, LocalError)


def test_the_pinned_peer_among_announcers_is_used_with_a_warning() -> None:
    peer, warning = choose_announcer("garage", {GARAGE, SQUATTER}, GARAGE, WHERE)
    assert peer == GARAGE and warning is not None and SQUATTER in warning
    assert choose_announcer("garage", {GARAGE}, GARAGE, WHERE) == (GARAGE, None)


def test_a_changed_id_is_refused_with_the_command_to_accept_it() -> None:
    with pytest.raises(IdChanged) as caught:
        choose_announcer("garage", {NEW}, GARAGE, WHERE)
    message = str(caught.value)
    assert f"knows 'garage' as {GARAGE}" in message and str(WHERE) in message
    assert f"edge-agent known pin garage {NEW}" in message
    with pytest.raises(IdChanged, match="known pin garage PEER_ID"):
        choose_announcer("garage", {NEW, SQUATTER}, GARAGE, WHERE)


# --- resolving names -------------------------------------------------------------------------


@dataclass(frozen=True)
class Instance:
    name: str
    peer_id: str
    tags: tuple[str, ...] = ()


class FakeDiscovery:
    """What `Client.resolve` asks mDNS discovery: the resolved instances and every id
    announced for a name (the squatter's TXT record too)."""

    def __init__(self, announced: dict[str, set[str]]) -> None:
        self.announced_ids = {f"{label}.{SERVICE_TYPE}": ids for label, ids in announced.items()}

    def instances(self) -> list[Instance]:
        return [Instance(name, min(ids)) for name, ids in self.announced_ids.items()]

    def announced(self, name: str) -> tuple[frozenset[str], tuple[Address, ...]]:
        return frozenset(self.announced_ids.get(name, set())), ()

    async def stop(self) -> None:
        pass


def resolve(home: Path, target: str, announced: dict[str, set[str]]) -> str:
    async def go() -> str:
        async with Client(home=home) as client:
            client.node.discovery = FakeDiscovery(announced)
            return (await client.resolve(target, timeout_s=0.5)).peer_id

    return asyncio.run(asyncio.wait_for(go(), 20))


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EDGE_AGENT_MDNS", "0")  # the stand-in takes discovery's place
    return tmp_path / "laptop"


def test_resolving_a_name_pins_it_then_refuses_another_id(
    home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert resolve(home, "Garage", {"garage": {GARAGE}}) == GARAGE
    assert StateDir(home / "client").known.pins() == {"garage": GARAGE}
    with caplog.at_level(logging.WARNING, logger="edge_agent.client"):
        assert resolve(home, f"garage.{SERVICE_TYPE}", {"garage": {GARAGE, SQUATTER}}) == GARAGE
    assert any(SQUATTER in r.getMessage() for r in caplog.records)
    with pytest.raises(IdChanged):
        resolve(home, "garage", {"garage": {SQUATTER}})
    with pytest.raises(AmbiguousName):
        resolve(home.parent / "other-laptop", "garage", {"garage": {GARAGE, SQUATTER}})
    assert StateDir(home.parent / "other-laptop" / "client").known.pins() == {}  # nothing pinned


def test_a_failing_peer_is_named_as_given_else_as_announced(home: Path) -> None:
    """What `script failed on NAME (PEER_ID)` says (issue 11)."""
    async def go() -> tuple[str | None, ...]:
        async with Client(home=home) as client:
            client.node.discovery = FakeDiscovery({"garage": {GARAGE}, "shed": {SQUATTER}})
            await client.resolve("Garage", timeout_s=0.5)
            return tuple(client.name_of(p) for p in (GARAGE, SQUATTER, client.peer_id, "12D3KooWnobody"))

    assert asyncio.run(asyncio.wait_for(go(), 20)) == ("Garage", "shed", "this computer", None)


# --- the CLI -----------------------------------------------------------------------------------


def main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    # cli.main points the root logger at this test's captured stderr, closed after it:
    # put back what was there, or later tests' log lines hit a closed file.
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        with pytest.raises(SystemExit) as exited:
            cli.main(argv)
    finally:
        root.handlers[:], root.level = handlers, level
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def test_known_pin_list_and_forget(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EDGE_AGENT_HOME", str(home))
    assert main(["known", "list"], capsys)[:2] == (0, "(no known devices)\n")
    code, out, _ = main(["known", "pin", "Garage", GARAGE], capsys)
    assert code == 0 and out == f"garage is {GARAGE}\n"
    code, out, _ = main(["known", "pin", "garage", NEW, "--json"], capsys)
    assert code == 0 and json.loads(out) == {"name": "garage", "peer_id": NEW, "was": GARAGE}
    code, out, _ = main(["known", "list", "--json"], capsys)
    assert json.loads(out) == {"known": {"garage": NEW}}
    assert main(["known", "forget", "garage"], capsys)[:2] == (0, f"forgot garage ({NEW})\n")
    assert main(["known", "forget", "garage"], capsys)[1] == "garage was not pinned (no change)\n"
    for bad in (["known", "pin", "garage", "12D3KooWnope"], ["known", "pin", "garage"],
                ["known", "forget"], ["known", "pin", "a.b", GARAGE]):
        code, _, err = main(bad, capsys)
        assert code == cli.EXIT_USAGE and err.startswith("error: "), bad


def test_an_ambiguous_name_is_a_usage_error(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EDGE_AGENT_HOME", str(home))

    async def ambiguous(self: Client, target: str, *, timeout_s: float = 3.0) -> None:
        raise AmbiguousName(target, [GARAGE, SQUATTER])

    monkeypatch.setattr(Client, "resolve", ambiguous)
    code, out, err = main(["call", "garage", "peer", "identify"], capsys)
    assert code == cli.EXIT_USAGE and out == ""
    assert err.startswith("error: 2 devices announce the name 'garage'") and GARAGE in err and SQUATTER in err


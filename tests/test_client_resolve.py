"""Peers are resolved with short, separate waits (issue 11): a name nobody announces ends
after `CLIENT_RESOLVE_WAIT_S` of mDNS with the devices found and a "did you mean"; for a
script (`run --peers`) it becomes an id the script can address, which fails with error 14.

`Client` is driven with a stand-in for mDNS discovery (tests/test_client_names.py's); the
real thing, through the CLI in network namespaces, is tests/integration/test_agents_netns.py.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from edge_agent import const
from edge_agent.client import AmbiguousName, Client, NotFound, Unreachable, did_you_mean
from edge_agent.identity import validate_peer_id
from edge_agent.store import StateDir
from tests.test_client_names import GARAGE, SQUATTER, FakeDiscovery

WAIT_S = 0.2
"""The mDNS wait in these tests (the constant is patched): far below the --timeout given."""


class Discovery(FakeDiscovery):
    def __init__(self, announced: dict[str, set[str]]) -> None:
        super().__init__(announced)
        self.forgone: list[str] = []

    def forgo(self, peer_id: str) -> None:
        self.forgone.append(peer_id)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EDGE_AGENT_MDNS", "0")  # the stand-in takes discovery's place
    monkeypatch.setattr(const, "CLIENT_RESOLVE_WAIT_S", WAIT_S)
    return tmp_path / "laptop"


def with_client(home: Path, announced: dict[str, set[str]], go: Any) -> Any:
    async def main() -> Any:
        async with Client(home=home) as client:
            client.node.discovery = Discovery(announced)
            return await go(client)

    return asyncio.run(asyncio.wait_for(main(), 20))  # a bound for a hang, not a timing


def test_did_you_mean_finds_typos_not_nonsense() -> None:
    names = ["garage", "Kitchen", "kitchen-2", "shed"]
    assert did_you_mean("kitchn", names) == ["Kitchen"]  # kitchen-2 is less alike
    assert did_you_mean("kichen", ["kitchen-1", "kitchen-2", "garage"]) == ["kitchen-1", "kitchen-2"]
    assert did_you_mean("agnet1", ["agent0", "agent1", "agent2"]) == ["agent1"]
    assert did_you_mean("GARAG", names) == ["garage"]
    assert did_you_mean("lighthouse", names) == []
    assert did_you_mean("shed", []) == []


def test_a_name_not_found_lists_the_devices_and_the_closest_within_the_short_wait(home: Path) -> None:
    announced = {"kitchen": {GARAGE}, "garage": {SQUATTER}, "edge-agent-cli-0123456789ab": {SQUATTER}}

    async def go(client: Client) -> NotFound:
        with pytest.raises(NotFound) as caught:
            await client.resolve("kitchn", timeout_s=600)  # the mDNS wait is capped far below
        return caught.value

    error = with_client(home, announced, go)
    assert isinstance(error, Unreachable)  # the CLI's exit code 3
    assert str(error) == (
        f"no device named 'kitchn' found over mDNS within {WAIT_S:g} s; did you mean 'kitchen'? "
        "Devices found: garage, kitchen"
    )
    assert error.suggestions == ["kitchen"]


def test_with_no_device_at_all_it_says_so(home: Path) -> None:
    async def go(client: Client) -> str:
        with pytest.raises(NotFound) as caught:
            await client.resolve("kitchen", timeout_s=600)
        return str(caught.value)

    assert "no device found at all" in with_client(home, {}, go)


def test_for_a_script_a_missing_device_becomes_an_id_that_is_not_waited_for(home: Path) -> None:
    StateDir(home / "client").known.pin("shed", SQUATTER)  # seen before, down now

    async def go(client: Client) -> tuple[Any, ...]:
        found, why = await client.resolve_for_script("garage", timeout_s=600)
        shed, shed_why = await client.resolve_for_script("shed", timeout_s=600)
        typo, typo_why = await client.resolve_for_script("garaje", timeout_s=600)
        other, _ = await client.resolve_for_script("nowhere", timeout_s=600)
        discovery = client.node.discovery
        assert isinstance(discovery, Discovery)
        return found, why, shed, shed_why, typo, typo_why, other, discovery.forgone, dict(client.names)

    found, why, shed, shed_why, typo, typo_why, other, forgone, names = with_client(
        home, {"garage": {GARAGE}}, go
    )
    assert (found.peer_id, why) == (GARAGE, None)
    assert shed.peer_id == SQUATTER  # its pinned id: a device that is down, not a typo
    assert shed_why == (
        f"no device named 'shed' found over mDNS within {WAIT_S:g} s (this laptop knows it as "
        f"{SQUATTER}: is it down?) Devices found: garage"
    )
    assert "did you mean 'garage'?" in typo_why
    # Never seen: an id nobody holds the key of, one per name.
    assert validate_peer_id(typo.peer_id) == typo.peer_id
    assert len({typo.peer_id, other.peer_id, GARAGE, SQUATTER}) == 4
    assert forgone == [SQUATTER, typo.peer_id, other.peer_id]
    assert names[typo.peer_id] == "garaje" and names[SQUATTER] == "shed"  # to name it back


def test_for_a_script_an_ambiguous_name_is_still_refused(home: Path) -> None:
    async def go(client: Client) -> None:
        await client.resolve_for_script("garage", timeout_s=600)

    with pytest.raises(AmbiguousName):
        with_client(home, {"garage": {GARAGE, SQUATTER}}, go)

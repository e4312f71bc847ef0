"""docs/examples/deploy-many.air does what docs/deploy.md says: one particle deploys a module
on every device, and the one response holds a record per device, failures included.

Most tests run the script on the in-process simulator, with a stand-in `srv` service on
each device that records the deploy calls. One runs it on real agents over loopback (Wasm
workers, module fetch, trust check, store), mDNS off.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import socket
from pathlib import Path
from typing import Any

import pytest

from edge_agent.air.calls import RET_UNREACHABLE
from edge_agent.client import Client
from edge_agent.config import CoapConfig, Config, DiscoveryConfig
from edge_agent.identity import KeyPair
from edge_agent.net.addressbook import Address, Source
from edge_agent.node import Node
from edge_agent.sim import Network, ServiceError
from edge_agent.store import StateDir

REPO = Path(__file__).resolve().parents[1]
SCRIPT = (REPO / "docs" / "examples" / "deploy-many.air").read_text()
DEPLOY_DOC = (REPO / "docs" / "deploy.md").read_text()
SHA = hashlib.sha256(b"a module").hexdigest()
NOT_AUTHORISED = "not authorised: laptop may not deploy services on this peer (on the device: edge-agent trust add laptop)"


class Srv:
    """A device's `srv` service, as far as deploy-many uses it: answers srv.deploy like an agent."""

    def __init__(self, refuse: str | None = None) -> None:
        self.refuse = refuse
        self.calls: list[tuple[str, list[Any]]] = []

    def __call__(self, function: str, args: list[Any]) -> Any:
        self.calls.append((function, list(args)))
        if function != "deploy":
            raise ServiceError(f"No service found for service call: serviceId='srv', fnName='{function}'")
        if self.refuse is not None:
            raise ServiceError(self.refuse, ret_code=13)
        name, sha256, limits = args
        return {
            "name": name,
            "sha256": sha256,
            "size": 7071,
            "functions": ["add", "reset", "summary"],
            "abi_version": 1,
            "limits": {"fuel": 10_000_000, "memory_pages": 64, "deadline_ms": 1000, **limits},
            "deployed_at_ms": 1_700_000_000_000,
        }


def network(**devices: Srv | None) -> Network:
    """The laptop plus the given devices; a device given None has no srv service stand-in."""
    net = Network(["laptop", *devices])
    for peer, srv in devices.items():
        if srv is not None:
            net.add_service(peer, "srv", srv)
    return net


def run(net: Network, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Run the script from the laptop; the records of its one response, sorted by peer id."""
    result = net.run(SCRIPT, init_peer="laptop", data=data)
    assert result.failures == [] and result.errors == [] and result.quiescent
    [[records]] = result.responses
    return sorted(records, key=lambda r: r["peer_id"])


def service(limits: dict[str, int]) -> dict[str, Any]:
    return Srv()("deploy", ["stats", SHA, limits])


def test_every_device_deploys_and_the_response_has_one_record_each() -> None:
    devices = {name: Srv() for name in ("kitchen", "garage", "shed")}
    limits = {"fuel": 1_000_000}
    records = run(network(**devices), {"devices": ["kitchen", "garage", "shed"], "name": "stats", "sha256": SHA, "limits": limits})
    assert records == [
        {"peer_id": "garage", "ok": True, "service": service(limits)},
        {"peer_id": "kitchen", "ok": True, "service": service(limits)},
        {"peer_id": "shed", "ok": True, "service": service(limits)},
    ]
    for srv in devices.values():
        assert srv.calls == [("deploy", ["stats", SHA, limits])]


def test_limits_are_optional() -> None:
    kitchen = Srv()
    records = run(network(kitchen=kitchen), {"devices": ["kitchen"], "name": "stats", "sha256": SHA})
    assert kitchen.calls == [("deploy", ["stats", SHA, {}])]
    assert records == [{"peer_id": "kitchen", "ok": True, "service": service({})}]


def test_a_failed_deploy_is_a_record_and_the_other_devices_still_deploy() -> None:
    devices = {"kitchen": Srv(), "shed": Srv(refuse=NOT_AUTHORISED), "attic": None}  # attic: no srv at all
    records = run(network(**devices), {"devices": ["kitchen", "shed", "attic"], "name": "stats", "sha256": SHA})
    assert records == [
        {
            "peer_id": "attic",
            "ok": False,
            "error": "Local service error, ret_code is 1, error message is "
            "'\"No service found for service call: serviceId='srv', fnName='deploy'\"'",
        },
        {"peer_id": "kitchen", "ok": True, "service": service({})},
        {
            "peer_id": "shed",
            "ok": False,
            "error": f"Local service error, ret_code is 13, error message is '\"{NOT_AUTHORISED}\"'",
        },
    ]


def test_the_response_comes_once_after_every_device_answered() -> None:
    net = network(kitchen=Srv(), garage=Srv(refuse=NOT_AUTHORISED), shed=Srv())
    result = net.run(SCRIPT, init_peer="laptop", data={"devices": ["kitchen", "garage", "shed"], "name": "stats", "sha256": SHA})
    order = [(c.peer, c.service) for c in result.calls if c.service in ("srv", "callbackSrv")]
    assert sorted(order[:3]) == [("garage", "srv"), ("kitchen", "srv"), ("shed", "srv")]
    assert order[3:] == [("laptop", "callbackSrv")]


def test_missing_data_is_reported_to_the_error_handler_and_nothing_is_deployed() -> None:
    kitchen = Srv()
    result = network(kitchen=kitchen).run(SCRIPT, init_peer="laptop", data={"devices": ["kitchen"], "sha256": SHA})
    assert result.responses == [] and kitchen.calls == []
    [[error]] = result.errors
    assert error["message"] == "Local service error, ret_code is 1, error message is '\"getDataSrv: no data for 'name'\"'"


def test_deploy_md_shows_this_script_and_how_to_run_it() -> None:
    assert f"```air\n{SCRIPT}```" in DEPLOY_DOC, "docs/deploy.md must show docs/examples/deploy-many.air as it is"
    assert "edge-agent run docs/examples/deploy-many.air --offer " in DEPLOY_DOC
    assert "--peers devices=" in DEPLOY_DOC


# --- on real agents, over loopback ------------------------------------------------------------


def test_deploy_many_on_real_agents_over_loopback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two trusting devices deploy, an untrusting one refuses, a silent one is unreachable."""
    monkeypatch.setenv("EDGE_AGENT_MDNS", "0")  # never multicast from the test host's namespace
    laptop, devices = _laptop_and_devices(tmp_path)  # their state is written before the loop runs
    records, stored = asyncio.run(asyncio.wait_for(_deploy_many_for_real(tmp_path, laptop, devices), 120))
    wasm = (REPO / "firmware_services" / "build" / "stats.wasm").read_bytes()
    sha = hashlib.sha256(wasm).hexdigest()
    by_name = {r.pop("device"): r for r in records}
    for name in ("kitchen", "garage"):
        record = by_name[name]
        assert record["ok"] is True, record
        assert record["service"]["name"] == "stats" and record["service"]["sha256"] == sha
        assert record["service"]["limits"]["fuel"] == 1_000_000
        assert record["service"]["functions"] == ["add", "reset", "summary"]
        assert stored[name] == {"modules": [f"{sha}.wasm"], "services": ["stats"]}
    assert by_name["shed"]["ok"] is False and "not authorised" in by_name["shed"]["error"]
    assert stored["shed"] == {"modules": [], "services": []}
    assert by_name["silent"]["ok"] is False and "is unreachable" in by_name["silent"]["error"]
    # the ret_codes deploy.md's table of failures gives (test_the_docs_name_the_ret_codes_...)
    assert f"ret_code is {RET_UNREACHABLE}" in by_name["silent"]["error"], by_name["silent"]
    assert "ret_code is 13" in by_name["shed"]["error"], by_name["shed"]


def test_the_docs_name_the_ret_codes_the_agents_give() -> None:
    """deploy.md's table and cli.md name the codes the real run above asserts."""
    table = (REPO / "docs" / "deploy.md").read_text()
    assert f"| `ret_code is {RET_UNREACHABLE} … peer 12D3KooW… is unreachable: …` |" in table
    assert "| `ret_code is 13 … not authorised: …` |" in table
    cli = (REPO / "docs" / "cli.md").read_text()
    assert f"ret_code {RET_UNREACHABLE} with `peer … is unreachable`" in cli


def _laptop_and_devices(tmp: Path) -> tuple[Client, dict[str, Node]]:
    laptop = Client(home=tmp / "laptop")
    devices: dict[str, Node] = {}
    for name in ("kitchen", "garage", "shed"):
        state = StateDir(tmp / name)
        if name != "shed":
            state.trust(laptop.peer_id)
        config = Config(
            state_dir=tmp / name, coap=CoapConfig(bind="127.0.0.1", port=0),
            discovery=DiscoveryConfig(enabled=False),
        )
        devices[name] = Node(config, state=state)
    return laptop, devices


async def _deploy_many_for_real(
    tmp: Path, laptop: Client, devices: dict[str, Node]
) -> tuple[list[dict[str, Any]], dict[str, dict[str, list[str]]]]:
    async with laptop:
        try:
            names: dict[str, str] = {}
            for name, node in devices.items():
                await node.start()
                names[(await laptop.resolve(f"127.0.0.1:{node.port}")).peer_id] = name
            # A device the laptop has an address for, but nothing answers there.
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.bind(("127.0.0.1", 0))
                silent_port = s.getsockname()[1]
            silent = KeyPair.generate().peer_id
            laptop.node.book.add(silent, Address("127.0.0.1", silent_port), Source.STATIC)
            names[silent] = "silent"

            wasm = (REPO / "firmware_services" / "build" / "stats.wasm").read_bytes()
            data = {
                "devices": list(names),
                "name": "stats",
                "sha256": laptop.node.offer_module(wasm),  # what `run --offer` does
                "limits": {"fuel": 1_000_000},
            }
            # ttl 15 s: the silent device is given up after NODE_DELIVERY_TIMEOUT_MS (10 s),
            # which leaves a slow board time for the two deploys (a worker's cold start each).
            run = await laptop.run(SCRIPT, data, timeout_s=15)
            assert run.client.errors == []
            [[records]] = run.client.responses
            records = [dict(r, device=names[r["peer_id"]]) for r in json.loads(json.dumps(records))]
            stored = {
                name: {
                    "modules": sorted(p.name for p in (tmp / name / "modules").iterdir()),
                    "services": sorted(node.state.services()),
                }
                for name, node in devices.items()
            }
            return records, stored
        finally:
            for node in devices.values():
                await node.stop()

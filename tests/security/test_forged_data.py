"""Attacks 1 and 2 of issue 8, by a real peer on the particle's path (agents on loopback).

The forger is an edge-agent node whose sending is replaced by the attack: it runs the
script *as another device* with a fake service, or rewrites the laptop's inputs, and sends
the copy on over real CoAP. Both must be refused with a counted reason, and change nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from edge_agent import particle
from edge_agent.air import Data, RunParams, run
from edge_agent.air import data as air_data
from edge_agent.air.calls import CallResult
from edge_agent.core import SendCopy
from edge_agent.net.addressbook import Address
from edge_agent.node import Node, Run
from edge_agent.seals import Sealer
from tests.test_node import LOCAL, counters, introduce, start_node, until
from tests.test_node import run as run_async

FIRMWARE = Path(__file__).resolve().parents[2] / "firmware_services" / "build"
DEPLOY_MANY = (Path(__file__).resolve().parents[2] / "docs" / "examples" / "deploy-many.air").read_text()


def greet_and_hash(greeter: str, hasher: str) -> str:
    return f"""
    (seq (call "{greeter}" ("op" "concat_strings") ["Hello, " "Ada"] greeting)
         (seq (call "{hasher}" ("op" "concat_strings") ["hash of " greeting] digest)
              (call %init_peer_id% ("callbackSrv" "response") [digest])))
    """


def become_forger(forger: Node, victim: str, forge: Callable[[SendCopy], tuple[Any, str] | None]) -> list[str]:
    """Replace `forger`'s sending: copies for `victim` are rewritten by `forge(action)`, which
    returns (copy, peer id to send it to) or None to send the real one."""
    real_send = forger._send
    sent: list[str] = []

    async def send(action: SendCopy) -> None:
        forged = forge(action) if action.target == victim else None
        if forged is None:
            await real_send(action)
            return
        copy, to = forged
        address = forger.book.lookup(to)[0]
        result = await forger.client.send_particle(
            address, copy.encode(), deadline_ms=action.give_up_ms, sender=forger.peer_id
        )
        sent.append(result.outcome.value)

    forger._send = send  # type: ignore[method-assign]
    return sent


@dataclass
class Overheard:
    """A run of `greet_and_hash(shed, garage)` from the laptop, whose first copy (to shed) a
    stranger read off the LAN; shed sends nothing on until the stranger has `acted`."""

    laptop: Node
    shed: Node
    garage: Node
    stranger: Node
    run: Run
    copy: Any
    acted: asyncio.Event


async def overheard_run(stack: AsyncExitStack, tmp_path: Path) -> Overheard:
    laptop = await start_node(stack, tmp_path / "laptop")
    shed = await start_node(stack, tmp_path / "shed")
    garage = await start_node(stack, tmp_path / "garage")
    stranger = await start_node(stack, tmp_path / "stranger")
    introduce(laptop, shed, garage, stranger)
    overheard: list[Any] = []
    acted = asyncio.Event()
    laptop_send, shed_send = laptop._send, shed._send

    async def read_off_the_lan(action: SendCopy) -> None:
        overheard.append(action.envelope)
        await laptop_send(action)

    async def after_the_stranger(action: SendCopy) -> None:
        await asyncio.wait_for(acted.wait(), 10)
        await shed_send(action)

    laptop._send = read_off_the_lan  # type: ignore[method-assign]
    shed._send = after_the_stranger  # type: ignore[method-assign]
    run = await laptop.start_particle(greet_and_hash(shed.peer_id, garage.peer_id), ttl_ms=10_000)
    await until(lambda: overheard, what="the laptop's copy read off the LAN")
    return Overheard(laptop, shed, garage, stranger, run, overheard[0], acted)


def sealed_by(node: Node, envelope: Any, data: Data) -> Any:
    """`envelope` with `data`, which `node` sealed as its own (a forger's seal is valid)."""
    Sealer(node.peer_id, node.keypair.sign, particle.verify_signature).seal(envelope, data, {})
    return envelope.with_data(air_data.encode(data))


def sent_to(data: Data, peer: str) -> str:
    """The key of the one call `data` records as sent on to `peer`."""
    [key] = [k for k, target in data.sent.items() if target == peer]
    return key


def run_as(envelope: Any, data: Data, peer: str, fake: Any) -> Data:
    """What `peer` would have produced with a fake service answering `fake` (the forgery)."""
    params = RunParams(envelope.init_peer_id, peer, envelope.timestamp_ms, envelope.ttl_ms, envelope.id)
    first = run(envelope.script, data, Data(), params)
    results = {r.key: CallResult.success(fake) for r in first.call_requests}
    return run(envelope.script, first.data, Data(), params, results).data


@pytest.mark.parametrize("signed_as", ["victim", "forger"])
def test_a_forged_result_never_reaches_the_laptop(tmp_path: Path, signed_as: str) -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            laptop = await start_node(stack, tmp_path / "laptop")
            shed = await start_node(stack, tmp_path / "shed")
            garage = await start_node(stack, tmp_path / "garage")
            introduce(laptop, shed, garage)

            def forge(action: SendCopy) -> tuple[Any, str]:
                env = action.envelope
                data = run_as(env, air_data.decode(env.data), garage.peer_id, "forged by shed")
                if signed_as == "forger":  # claim the result under its own name, sealed
                    for entry in data.entries.values():
                        if entry.peer == garage.peer_id:
                            entry.peer = shed.peer_id
                Sealer(shed.peer_id, shed.keypair.sign, particle.verify_signature).seal(env, data, {})
                return env.with_data(air_data.encode(data)), laptop.peer_id

            sent = become_forger(shed, garage.peer_id, forge)
            started = await laptop.start_particle(greet_and_hash(shed.peer_id, garage.peer_id), ttl_ms=4000)
            await until(lambda: sent == ["delivered"], what="the forged copy delivered")
            verdict = "dropped_unsealed" if signed_as == "victim" else "dropped_forged"
            await until(lambda: counters(laptop).get(verdict) == 1, what=f"{verdict} counted")
            assert not await laptop.wait(started, timeout_s=0.5)
            assert started.client.responses == []
            assert counters(garage).get("received") is None  # garage never saw the particle
            assert laptop.core.data(started.particle.id).entries.keys() <= {"0"}  # nothing of the forgery

    run_async(go())


@pytest.mark.blocks_loop(
    reason="the forger (test code) decodes, rewrites and re-seals deploy data on the loop that "
    "four agents share, while a module is validated in a thread that contends for the GIL"
)
def test_a_rewritten_deploy_is_refused_and_garage_is_unchanged(tmp_path: Path) -> None:
    """Shed rewrites the laptop's inputs of deploy-many.air (add garage to the devices, its own
    module's hash) and sends the copy to garage claiming to come from the laptop."""
    good = (FIRMWARE / "greeting.wasm").read_bytes()
    evil = (FIRMWARE / "messages.wasm").read_bytes()

    async def go() -> None:
        async with AsyncExitStack() as stack:
            laptop = await start_node(stack, tmp_path / "laptop")
            kitchen = await start_node(stack, tmp_path / "kitchen")
            shed = await start_node(stack, tmp_path / "shed")
            garage = await start_node(stack, tmp_path / "garage")
            introduce(laptop, kitchen, shed, garage)
            for device in (kitchen, shed, garage):
                device.state.trust(laptop.peer_id)
                device._trust.refresh()
            evil_sha = shed.offer_module(evil)

            def forge(action: SendCopy) -> tuple[Any, str] | None:
                env = action.envelope
                data = air_data.decode(env.data)
                for entry in data.entries.values():
                    if entry.value == [kitchen.peer_id, shed.peer_id]:
                        entry.value = [kitchen.peer_id, shed.peer_id, garage.peer_id]
                    elif entry.value == hashlib.sha256(good).hexdigest():
                        entry.value = evil_sha
                return env.with_data(air_data.encode(data)), garage.peer_id

            sent = become_forger(shed, laptop.peer_id, forge)  # its answer goes to garage instead
            sha = laptop.offer_module(good)
            data = {"devices": [kitchen.peer_id, shed.peer_id], "name": "greeting", "sha256": sha}
            await laptop.start_particle(DEPLOY_MANY, data, ttl_ms=8000)
            await until(lambda: sent and sent[0] == "delivered", what="the rewritten copy delivered")
            await until(lambda: counters(garage).get("dropped_unsealed") == 1, what="garage refused it")
            assert garage.host.services() == {}
            assert counters(garage).get("calls") is None
            # The copy claimed to come from the laptop: garage did not learn that the laptop
            # lives at shed's address.
            assert Address(LOCAL, shed.port) not in garage.book.lookup(laptop.peer_id)

    run_async(go())


def test_a_peer_asked_for_its_own_call_cannot_report_anothers_unreachable(tmp_path: Path) -> None:
    """Shed, asked only for its own call, tells the laptop (under shed's own seal) that garage
    was unreachable: the laptop sent garage's call on itself, so it refuses that; garage's
    real answer is taken, where it was refused as a conflict before."""

    async def go() -> None:
        async with AsyncExitStack() as stack:
            laptop = await start_node(stack, tmp_path / "laptop")
            shed = await start_node(stack, tmp_path / "shed")
            garage = await start_node(stack, tmp_path / "garage")
            introduce(laptop, shed, garage)
            shed.server.reply_wait_s = 0  # its copy goes as a POST of its own (the forger's)

            def lie(action: SendCopy) -> tuple[Any, str]:
                env = action.envelope
                data = air_data.decode(env.data)
                data.entries[sent_to(data, garage.peer_id)] = air_data.Entry(
                    air_data.Kind.CALL_FAILED, [14, f"peer {garage.peer_id} is unreachable: gone"], shed.peer_id
                )
                return sealed_by(shed, env, data), laptop.peer_id

            sent = become_forger(shed, laptop.peer_id, lie)
            back = '(call %init_peer_id% ("op" "noop") [])'  # each answer comes back on its own
            script = (
                f'(par (seq (call "{shed.peer_id}" ("op" "concat_strings") ["s"] a) {back})'
                f' (seq (call "{garage.peer_id}" ("op" "concat_strings") ["g"] b) {back}))'
            )
            started = await laptop.start_particle(script, ttl_ms=10_000)
            await until(lambda: sent == ["delivered"], what="the lie delivered")
            await until(lambda: counters(laptop).get("dropped_forged") == 1, what="refused, counted")
            key = sent_to(laptop.core.data(started.particle.id), garage.peer_id)
            await until(lambda: key in laptop.core.data(started.particle.id).entries, what="garage's answer")
            assert laptop.core.data(started.particle.id).entries[key].value == "g"
            assert counters(laptop).get("dropped_data_conflict") is None

    run_async(go())


def test_a_stranger_cannot_prefill_a_call_it_read_off_the_lan(tmp_path: Path) -> None:
    """A stranger reads the laptop's copy to shed off the LAN and sends garage, first, the
    result of garage's own call, sealed by the stranger. Before invitations garage took it
    (its call was out of reach until shed answered), then refused shed's real copy as
    forged, and the laptop never heard back. Now nobody sent the stranger the particle:
    garage refuses it (`uninvited`) and runs its call when shed's copy comes."""

    async def go() -> None:
        async with AsyncExitStack() as stack:
            o = await overheard_run(stack, tmp_path)
            laptop, garage, stranger, started, env = o.laptop, o.garage, o.stranger, o.run, o.copy
            data = air_data.decode(env.data)
            garages_call = "3"  # seq 0, shed's call 1, seq 2, garage's call 3 (pre-order)
            assert garages_call not in data.sent and garages_call not in data.entries
            data.entries[garages_call] = air_data.Entry(air_data.Kind.CALL, "hash of nothing", stranger.peer_id)
            copy = sealed_by(stranger, env, data)
            result = await stranger.client.send_particle(
                Address(LOCAL, garage.port), copy.encode(), deadline_ms=env.deadline_ms, sender=stranger.peer_id
            )
            assert result.outcome.value == "delivered"
            await until(lambda: counters(garage).get("dropped_uninvited") == 1, what="garage refused it")
            assert started.particle.id not in garage.core
            o.acted.set()
            assert await laptop.wait(started, timeout_s=10)
            assert started.client.responses == [["hash of Hello, Ada"]]
            assert counters(garage).get("dropped_forged") is None

    run_async(go())

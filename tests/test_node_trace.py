"""Traces between real nodes on loopback (issue 11): each peer that trusts the init peer
reports what it did, sealed; the init peer joins the reports into the particle's path."""

from __future__ import annotations

from contextlib import AsyncExitStack
from pathlib import Path

from edge_agent.cli_trace import render, settle
from edge_agent.net.addressbook import Address, Source
from edge_agent.node import Node
from edge_agent.trace import Step
from edge_agent.trace import request as trace_request
from tests.test_node import LOCAL, RESPOND, _closed_port, counters, introduce, run, start_node, until

TTL_MS = 60_000


def two_hops(first: str, second: str) -> str:
    """A call on `first`, then one on `second` with its result, then the response back."""
    return (
        f'(seq (call "{first}" ("op" "identity") ["Ada"] g)'
        f' (seq (call "{second}" ("op" "concat_strings") [g "!"] d) {RESPOND.format("d")}))'
    )


def trust(laptop: Node, *devices: Node) -> None:
    """Make `devices` trust `laptop` (its trust list, reread at once)."""
    for device in devices:
        device.state.trust(laptop.peer_id)
        device._trust.refresh()


def test_a_traced_run_shows_each_peer_its_calls_and_the_way_back(tmp_path: Path) -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            kitchen = await start_node(stack, tmp_path / "kitchen")
            garage = await start_node(stack, tmp_path / "garage")
            laptop = await start_node(stack, tmp_path / "laptop")
            introduce(kitchen, garage, laptop)
            trust(laptop, kitchen, garage)
            script = trace_request(two_hops(kitchen.peer_id, garage.peer_id))
            started = await laptop.start_particle(script, ttl_ms=TTL_MS)
            assert await laptop.wait(started, timeout_s=TTL_MS / 1000)
            assert started.client.responses == [["Ada!"]]
            timeline = await settle(started, within_s=30)
            names = {kitchen.peer_id: "kitchen", garage.peer_id: "garage", laptop.peer_id: "laptop"}
            path = [(v.peer, v.arrived.peer) for v in timeline.visits()]
            assert path == [
                (laptop.peer_id, ""), (kitchen.peer_id, laptop.peer_id),
                (garage.peer_id, kitchen.peer_id), (laptop.peer_id, garage.peer_id),
            ]
            calls = [(names[v.peer], r.service, r.function, r.code)
                     for v in timeline.visits() for r in v.records if r.step is Step.CALL]
            assert calls == [
                ("kitchen", "op", "identity", 0), ("garage", "op", "concat_strings", 0),
                ("laptop", "callbackSrv", "response", 0),
            ]
            text = render(timeline, names.get)
            assert "kitchen (" in text and "call op.identity: ret_code 0" in text, text
            await until(lambda: laptop.idle and kitchen.idle and garage.idle, what="all idle")
            assert counters(laptop)["traces"] >= 3  # its own records and both devices' reports
            assert "dropped_bad_report" not in counters(laptop)

    run(go())


def test_a_device_that_does_not_trust_the_init_peer_sends_no_trace(tmp_path: Path) -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            device = await start_node(stack, tmp_path / "device")
            stranger = await start_node(stack, tmp_path / "stranger")
            introduce(device, stranger)
            script = trace_request(
                f'(seq (call "{device.peer_id}" ("op" "identity") [1] x) {RESPOND.format("x")})'
            )
            started = await stranger.start_particle(script, ttl_ms=TTL_MS)
            assert await stranger.wait(started, timeout_s=TTL_MS / 1000)
            assert started.client.responses == [[1]]
            await until(lambda: device.idle and stranger.idle, what="both idle")
            assert {t.peer for t in started.trace} == {stranger.peer_id}
            assert counters(device)["sent"] == 1  # the copy back, and no report

    run(go())


def test_a_copy_that_needed_another_address_shows_its_tries(tmp_path: Path) -> None:
    """The laptop knows a dead address of the device first: the copy is delivered at the
    second try, and the trace says so, with why the first failed."""
    async def go() -> None:
        async with AsyncExitStack() as stack:
            device = await start_node(stack, tmp_path / "device")
            laptop = await start_node(stack, tmp_path / "laptop")
            trust(laptop, device)
            introduce(device, laptop)
            laptop.book.add(device.peer_id, Address(LOCAL, _closed_port()), Source.STATIC)  # the freshest
            call = f'(call "{device.peer_id}" ("op" "identity") [1] x)'
            script = trace_request(f'(seq {call} {RESPOND.format("x")})')
            started = await laptop.start_particle(script, ttl_ms=TTL_MS)
            assert await laptop.wait(started, timeout_s=TTL_MS / 1000)
            timeline = await settle(started, within_s=30)
            await until(lambda: device.idle and laptop.idle, what="both idle")
            [sent] = [r for r in timeline.roots[0].records if r.step is Step.SENT]
            assert sent.peer == device.peer_id and sent.code == 2, timeline.to_json()
            text = render(timeline, {device.peer_id: "device"}.get)
            assert "sent to device (at try 2; the one before: " in text, text

    run(go())

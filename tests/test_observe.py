"""What an operator sees of an agent (edge_agent/observe.py, prom.py, cli_observe.py): the
events in its log ring, its metrics in /status and in Prometheus's format, and how the CLI
shows them. Real `Node`s on loopback (tests/test_node.py's helpers), discovery off."""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import logging
import socket
import threading
import time
import urllib.request
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from edge_agent import const_observe
from edge_agent.cli_observe import parse_duration, render_status, render_top
from edge_agent.errors import ConfigError
from edge_agent.logring import Kind, Level
from edge_agent.observe import EVENTS_LOGGER, Observer
from edge_agent.prom import MetricsEndpoint, snapshot
from tests.test_node import FIRMWARE, RESPOND, agent_client_stranger, call, run, start_and_wait


def kinds(observer: Observer) -> list[tuple[Kind, str]]:
    return [(line.kind, line.text) for line in observer.ring.lines()]


def test_deploys_refusals_failures_and_calls_reach_the_ring_and_the_metrics(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    wasm = (FIRMWARE / "greeting.wasm").read_bytes()
    sha = hashlib.sha256(wasm).hexdigest()

    async def go() -> None:
        async with AsyncExitStack() as stack:
            agent, client, stranger = await agent_client_stranger(stack, tmp_path)
            deploy = ("srv", "deploy", "greeting", sha, {"fuel": 2_000_000})
            stranger.offer_module(wasm)
            await call(stranger, agent.peer_id, *deploy)
            agent.state.trust(client.peer_id)
            client.offer_module(wasm)
            await call(client, agent.peer_id, *deploy, ttl_ms=30_000)
            await call(client, agent.peer_id, "greeting", "greet", "Ada")
            await call(client, agent.peer_id, "greeting", "greet", 42)  # refused by the service
            fails = f'(seq (call "{agent.peer_id}" ("nosuch" "thing") []) {RESPOND.format("")})'
            await start_and_wait(client, fails)  # uncaught: the particle fails there

            lines = kinds(agent.observe)
            [refused] = [text for kind, text in lines if kind is Kind.REFUSED]
            assert refused.startswith(f"refused srv.deploy from {stranger.peer_id}: not authorised")
            [deployed] = [text for kind, text in lines if kind is Kind.DEPLOY]
            assert deployed == f"deployed greeting (module {sha}, access trusted) by {client.peer_id}"
            assert any(kind is Kind.FAILED and "nosuch" in text for kind, text in lines)
            journal = [r.getMessage() for r in caplog.records if r.name == EVENTS_LOGGER]
            assert refused in journal and any("failed here" in text for text in journal), "the journal too"

            metrics = agent.status()["metrics"]
            greeting = metrics["services"]["greeting"]
            assert greeting["calls"] == 2 and sum(greeting["errors"].values()) == 1
            assert greeting["fuel_used"] > 0 and greeting["memory_pages"] >= 1
            assert greeting["last_error"] and greeting["latency_ms"]["p50"] is not None
            assert metrics["rss_bytes"] > 0 and metrics["log"]["lines"] == len(lines)

            table = render_status(agent.status(), "kitchen")
            [row] = [line for line in table.splitlines() if line.startswith("greeting ")]
            assert row.split()[:3] == ["greeting", "2", "1"]

            families = {f.name: f for f in text_string_to_metric_families(scrape(agent))}
            [calls] = families["edge_agent_service_calls"].samples
            assert calls.labels == {"service": "greeting"} and calls.value == 2
            assert {s.labels["ret_code"] for s in families["edge_agent_service_errors"].samples} == set(
                greeting["errors"]
            )

            await call(client, agent.peer_id, "srv", "remove", "greeting")
            assert kinds(agent.observe)[-1] == (Kind.REMOVE, f"removed greeting by {client.peer_id}")
            assert "greeting" not in agent.status()["metrics"]["services"]

    run(go(), timeout=180)


def scrape(node: Any) -> str:
    """The text a Prometheus scrape gets, through `prom`'s own code, without a socket."""
    from prometheus_client import CollectorRegistry, generate_latest

    from edge_agent.prom import _Collector

    registry = CollectorRegistry(auto_describe=False)

    class Now(_Collector):  # on the loop already: read the snapshot directly
        def collect(self) -> Any:
            from edge_agent.prom import families

            return list(families(snapshot(node)))

    registry.register(Now(lambda: {}, asyncio.get_running_loop()))  # type: ignore[arg-type]
    return generate_latest(registry).decode()


def test_the_ring_copies_warnings_from_any_thread_but_not_its_own_events() -> None:
    async def go() -> None:
        observer = Observer(10)
        agent_log = logging.getLogger("edge_agent.test_observe")
        with observer.capturing():
            agent_log.warning("on the loop: %d", 1)
            agent_log.info("not an operator's business")
            logging.getLogger(EVENTS_LOGGER).warning("an event, in the ring already")
            thread = threading.Thread(target=agent_log.error, args=("from a thread",))
            thread.start()
            thread.join()
            for _ in range(100):  # the thread's record is handed to the loop
                if len(observer.ring) == 2:
                    break
                await asyncio.sleep(0.01)
        agent_log.warning("after: not copied")
        texts = [(line.level, line.text) for line in observer.ring.lines()]
        assert texts == [
            (Level.WARNING, "test_observe: on the loop: 1"), (Level.ERROR, "test_observe: from a thread")
        ]

    run(go(), timeout=30)


def test_a_strangers_particle_refused_many_times_keeps_to_the_strangers_share_of_the_ring(
    tmp_path: Path,
) -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            agent, client, stranger = await agent_client_stranger(stack, tmp_path)
            agent.state.trust(client.peer_id)
            await call(client, agent.peer_id, "srv", "remove", "nothing")  # the operator's: kept
            refusal = f'(xor (call "{agent.peer_id}" ("srv" "remove") ["x"]) (null))'
            script = refusal
            for _ in range(3 * const_observe.LOG_STRANGER_LINES_BURST - 1):
                script = f"(par {refusal} {script})"
            await start_and_wait(stranger, f"(seq {script} {RESPOND.format('')})")
            lines = kinds(agent.observe)
            refused = [text for kind, text in lines if kind is Kind.REFUSED]
            assert refused[0].startswith(f"refused srv.remove from {client.peer_id}")
            strangers = [text for text in refused if stranger.peer_id in text]
            assert len(strangers) == const_observe.LOG_STRANGER_LINES_BURST  # of 60

    run(go())


def test_the_endpoint_serves_the_loops_snapshot_from_its_own_thread() -> None:
    async def go() -> None:
        snap = {
            "peer_id": "12D3KooWtest", "version": "0.1.0", "uptime_s": 5.0, "particles": 1,
            "peers": ["a", "b"], "peers_known": 70, "services": ["s"], "counters": {"calls": 3},
            "metrics": {"rss_bytes": 1000, "log": {"lines": 2, "dropped": 0}, "services": {}},
        }
        endpoint = MetricsEndpoint("127.0.0.1:0", lambda: snap, asyncio.get_running_loop())
        endpoint.start()
        try:
            url = f"http://127.0.0.1:{endpoint.port}/metrics"
            text = await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=10).read().decode())
        finally:
            await asyncio.to_thread(endpoint.stop)
        families = {f.name: f for f in text_string_to_metric_families(text)}
        assert families["edge_agent_peers_known"].samples[0].value == 70  # all, not the ids listed
        [calls] = families["edge_agent_events"].samples
        assert calls.labels == {"counter": "calls"} and calls.value == 3

    run(go(), timeout=30)


def test_an_address_it_cannot_listen_on_is_a_config_error() -> None:
    async def go() -> None:
        with pytest.raises(ConfigError, match="metrics.listen"):
            MetricsEndpoint("192.0.2.1:9464", dict, asyncio.get_running_loop())

    run(go(), timeout=30)


def test_durations_and_the_top_table() -> None:
    assert parse_duration("10m") == 600_000 and parse_duration("2h") == 7_200_000
    assert parse_duration("500ms") == 500
    for bad in ("10", "m", "1w", "-1s"):
        with pytest.raises(ValueError):
            parse_duration(bad)
    up = {
        "peer_id": "12D3KooWabcdefghijklmnop", "uptime_s": 3700, "particles": 2, "services": ["a"],
        "counters": {"failed_runs": 1},
        "metrics": {"rss_bytes": 40 * 2**20, "services": {"a": {"errors": {"10": 3}}}},
    }
    devices: list[tuple[str, Any]] = [("kitchen", up), ("garage", "unreachable: no answer")]
    lines = render_top(devices, {str(up["peer_id"]): 2.5}).splitlines()
    assert lines[0].split() == [
        "DEVICE", "UP", "PARTICLES", "CALLS/S", "SERVICES", "ERRORS", "FAILED", "RSS", "PEER"
    ]
    assert lines[1].split() == ["kitchen", "1h01m", "2", "2.5", "1", "3", "1", "40.0", "MiB", "efghijklmnop"]
    assert lines[2].startswith("garage") and lines[2].endswith("unreachable: no answer")
    assert "no services" in render_status({"peer_id": "x"})


def test_top_redraws_on_a_terminal_with_calls_per_second(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from edge_agent import const_observe
    from edge_agent.cli_observe import top_command
    from edge_agent.client import Target

    monkeypatch.setattr(const_observe, "TOP_REFRESH_S", 0.05)
    asked: list[int] = []

    class FakeClient:
        async def resolve(self, target: str, *, timeout_s: float) -> Target:
            return Target("12D3KooWfake", None, target)

        async def status(self, target: Target, *, timeout_s: float) -> dict[str, Any]:
            asked.append(len(asked))
            return {"peer_id": target.peer_id, "uptime_s": 1, "counters": {"calls": 100 * len(asked)}}

    async def go() -> None:
        args = argparse.Namespace(targets=["kitchen"], once=False, timeout=1.0, wait=0.0)
        task = asyncio.create_task(top_command(args, FakeClient(), isatty=lambda: True))
        for _ in range(500):  # bounded: until it has drawn three times
            if len(asked) >= 3:
                break
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(go(), timeout=60)
    out = capsys.readouterr().out
    frames = out.split("\x1b[H\x1b[2J")[1:]
    assert len(frames) >= 2, out
    first, second = (frame.splitlines()[3] for frame in frames[:2])
    assert first.split()[3] == "-", "no rate before a second look"
    assert float(second.split()[3]) > 0, second


def test_a_connection_that_sends_nothing_holds_neither_scrapes_nor_the_stop() -> None:
    async def go() -> None:
        snap = {"peer_id": "12D3KooWtest", "version": "0.1.0", "metrics": {}}
        endpoint = MetricsEndpoint("127.0.0.1:0", lambda: snap, asyncio.get_running_loop())
        endpoint.start()
        idle = [socket.create_connection(("127.0.0.1", endpoint.port)) for _ in range(2)]
        try:
            url = f"http://127.0.0.1:{endpoint.port}/metrics"
            text = await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=5).read().decode())
            assert "edge_agent_info" in text
        finally:
            started = time.monotonic()
            await asyncio.to_thread(endpoint.stop)
            assert time.monotonic() - started < 3, "stop waited for the idle connections"
            for s in idle:
                s.close()

    run(go(), timeout=30)


def test_a_connection_that_times_out_is_not_a_traceback_in_the_journal(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    from edge_agent import prom

    monkeypatch.setattr(prom._Quiet, "timeout", 0.2)

    async def go() -> None:
        endpoint = MetricsEndpoint("127.0.0.1:0", lambda: {"metrics": {}}, asyncio.get_running_loop())
        endpoint.start()
        idle = socket.create_connection(("127.0.0.1", endpoint.port))
        try:
            await asyncio.sleep(0.6)  # its handler timed out meanwhile
        finally:
            idle.close()
            await asyncio.to_thread(endpoint.stop)

    run(go(), timeout=30)
    assert "Traceback" not in capfd.readouterr().err

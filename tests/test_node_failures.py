"""Failures come back (issue 11) between real nodes on loopback: the init peer's `Run` ends
with the failing peer's sealed report instead of waiting out the particle's ttl."""

from __future__ import annotations

from contextlib import AsyncExitStack
from pathlib import Path

from edge_agent.client import failure_json, failure_text
from edge_agent.core import FailureReported
from tests.test_node import REPORT, RESPOND, counters, introduce, run, start_node, until

TTL_MS = 120_000
"""Long: a run that waited it out would make the test hang until `run`'s bound fails it."""


def test_a_failure_on_the_agent_ends_the_clients_wait(tmp_path: Path) -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            agent = await start_node(stack, tmp_path / "agent")
            client = await start_node(stack, tmp_path / "client")
            introduce(agent, client)
            read = f'(call "{agent.peer_id}" ("sensor" "read") [] r)'
            script = f"(seq {read} {RESPOND.format('r')})"
            started = await client.start_particle(script, ttl_ms=TTL_MS)
            assert await client.wait(started, timeout_s=TTL_MS / 1000)
            failure = started.failure
            assert failure is not None and failure.peer == agent.peer_id and failure.ret_code == 10000
            assert "serviceId='sensor'" in failure.message
            assert failure.instruction == read[1:-1]
            assert started.client.responses == [] and started.client.errors == []
            assert counters(agent)["failed_runs"] == 1 and counters(client)["failure_reports"] == 1

            # Caught by an xor: an error comes back through the script, and no failure.
            caught = await client.start_particle(f"(xor {script} {REPORT})", ttl_ms=TTL_MS)
            assert await client.wait(caught, timeout_s=TTL_MS / 1000)
            assert caught.failure is None and len(caught.client.errors) == 1
            await until(lambda: agent.idle and client.idle, what="both idle")
            assert counters(agent)["failed_runs"] == 1 and counters(client)["failure_reports"] == 1

    run(go())


def test_a_failure_on_the_init_peer_is_its_own_runs_failure(tmp_path: Path) -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            client = await start_node(stack, tmp_path / "client")
            started = await client.start_particle('(call %init_peer_id% ("getDataSrv" "nope") [] x)')
            assert await client.wait(started, timeout_s=60)
            assert started.failure is not None and started.failure.peer == client.peer_id

    run(go())


def test_what_a_person_reads_of_a_failure() -> None:
    failure = FailureReported("p", "12D3KooWabc", 10000, "it broke", 'call dev ("s" "f") [] r')
    assert failure_text(failure, "kitchen") == (
        'script failed on kitchen (12D3KooWabc): it broke\n  in: (call dev ("s" "f") [] r)'
    )
    bare = FailureReported("p", "12D3KooWabc", 20100, "too many steps", "")
    assert failure_text(bare, None) == "script failed on 12D3KooWabc: too many steps"
    assert failure_json(bare, None) == {
        "peer_id": "12D3KooWabc", "name": None, "ret_code": 20100,
        "message": "too many steps", "instruction": "",
    }
    assert failure_json(None, None) is None

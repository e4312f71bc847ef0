"""`peer.timeout`'s waiting tasks: bounded in number, and gone with their particle."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest

from edge_agent import const
from edge_agent.delayed import DelayedCalls
from tests.test_node import run, start_and_wait, start_node


async def settle(tasks: set[asyncio.Task[Any]]) -> None:
    """Let cancelled tasks finish (their done callbacks run a loop step later)."""
    await asyncio.gather(*(t for t in tasks if t.cancelling()), return_exceptions=True)
    await asyncio.sleep(0)


def test_at_most_the_limit_wait_and_forgetting_a_particle_cancels_its_own() -> None:
    async def go() -> None:
        tasks: set[asyncio.Task[Any]] = set()

        def spawn(coro: Any) -> asyncio.Task[Any]:
            task = asyncio.get_running_loop().create_task(coro)
            tasks.add(task)
            return task

        made: list[str] = []

        def sleeper(name: str) -> Any:
            made.append(name)
            return asyncio.sleep(60)

        delayed = DelayedCalls(spawn, limit=3)
        assert delayed.schedule("p1", lambda: sleeper("a")) and delayed.schedule("p1", lambda: sleeper("b"))
        assert delayed.schedule("p2", lambda: sleeper("c"))
        assert not delayed.schedule("p2", lambda: sleeper("d"))  # full: nothing is even made
        assert made == ["a", "b", "c"] and len(delayed) == 3
        delayed.forget("p1")
        await settle(tasks)
        assert len(delayed) == 1 and sum(t.cancelled() for t in tasks) == 2
        assert delayed.schedule("p2", lambda: sleeper("e"))  # room again
        delayed.forget("p2")
        await settle(tasks)
        assert len(delayed) == 0 and all(t.cancelled() for t in tasks)

    run(go())


def test_a_timeout_past_the_limit_fails_as_a_call_on_a_real_node(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(const, "NODE_MAX_DELAYED_CALLS", 2)
    script = """
    (par
      (par (call %init_peer_id% ("peer" "timeout") [30000 "a"] a)
           (call %init_peer_id% ("peer" "timeout") [30000 "b"] b))
      (xor (call %init_peer_id% ("peer" "timeout") [30000 "c"] c)
           (call %init_peer_id% ("callbackSrv" "response") [%last_error%.$.message])))
    """

    async def go() -> None:
        async with AsyncExitStack() as stack:
            node = await start_node(stack, tmp_path / "node")
            done = await start_and_wait(node, script, ttl_ms=20_000)
            [[message]] = done.client.responses
            assert "2 timeouts are waiting here already" in message, message
            assert len(node._delayed) == 2  # the first two wait (until the node stops)

    run(go())

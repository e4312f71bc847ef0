"""The resolve queue of discovery: bounded running and waiting, a turn for every name."""

from __future__ import annotations

import asyncio

from edge_agent.net.discovery_resolves import Resolves
from tests.support.coap import run


def test_the_waiting_list_is_bounded_too() -> None:
    async def go() -> Resolves:
        never = asyncio.Event()

        async def resolve(name: str) -> None:
            await never.wait()

        resolves = Resolves(resolve, limit=2, waiting_limit=3)
        for i in range(10):
            resolves.want(f"n{i}")
        waiting = resolves.waiting
        for task in resolves.close():
            task.cancel()
        await asyncio.sleep(0)
        assert waiting == 3
        return resolves

    assert run(go()).gave_way == 10 - 2 - 3


def test_a_name_announced_while_it_resolves_is_resolved_again_and_goodbyes_cancel() -> None:
    async def go() -> list[str]:
        done: list[str] = []
        gate = asyncio.Event()

        async def resolve(name: str) -> None:
            await gate.wait()
            done.append(name)

        resolves = Resolves(resolve, limit=1, waiting_limit=4)
        resolves.want("a")
        resolves.want("A")  # the same instance (names are case-insensitive), changed meanwhile
        resolves.want("b")  # waits
        resolves.want("c")  # waits, then says goodbye
        resolves.forget("c")
        gate.set()
        for _ in range(10):
            await asyncio.sleep(0)
        return done

    assert run(go()) == ["a", "a", "b"]  # "a" again first (it changed), then "b"; never "c"

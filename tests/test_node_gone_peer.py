"""A CLI that exits before its particle comes back (issue 14): the device finds its port
closed (ICMP port unreachable) and gives that address up for the particle at once, instead
of sending there again until the particle's give-up time.

Real `Node`s on loopback, discovery off. The laptop is a Node like the one `edge-agent
run`/`call` makes: it sends a particle to the agent and stops. The agent's sends are held
until the laptop has stopped (test instrumentation: otherwise the answer could be on its way
before the laptop is gone). What is asserted is what the agent did -- challenges and POST
attempts counted by its prover and client, and its `undeliverable` counter -- never time.
"""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from edge_agent import const
from edge_agent.net.addressbook import Address, Source
from edge_agent.node import Node
from tests.test_node import LOCAL, RESPOND, counters, node_config, run, start_and_wait, start_node, until

TTL_MS = 60_000
"""Long enough that the agent's give-up time (NODE_DELIVERY_TIMEOUT_MS) comes before it: a
retried send would be seen retrying."""


def hold_sends(node: Node) -> asyncio.Event:
    """Hold every copy `node` sends until the returned event is set."""
    gate = asyncio.Event()
    send = node._send

    async def held(action: Any) -> None:
        await gate.wait()
        await send(action)

    node._send = held  # type: ignore[method-assign]
    return gate


def effort(agent: Node) -> tuple[int, int, int]:
    """(challenges, POST attempts, sends given up) of the agent so far."""
    return (
        agent.prover.counters["challenges"],
        agent.client.stats()["attempts"],
        counters(agent).get("undeliverable", 0),
    )


async def laptop_sends_and_exits(agent: Node, laptop: Node) -> tuple[int, int, int]:
    """The laptop starts a particle whose answer goes back to it, and stops once the agent
    has it (the agent's sends are held meanwhile). The agent's effort to reach the laptop,
    once it gave up and is idle: (challenges, POST attempts, sends given up)."""
    gate = hold_sends(agent)
    before = effort(agent)
    await laptop.start_particle(
        f'(seq (call "{agent.peer_id}" ("op" "noop") []) {RESPOND.format("42")})', ttl_ms=TTL_MS
    )
    received = counters(agent).get("received", 0)
    await until(lambda: counters(agent).get("received", 0) > received, what="the agent got it")
    await laptop.stop()
    gate.set()
    await until(lambda: effort(agent)[2] > before[2] and agent.idle, timeout=60,
                what="the agent gave the laptop up")
    challenges, posts, given_up = (a - b for a, b in zip(effort(agent), before, strict=True))
    return challenges, posts, given_up


def test_an_agent_gives_up_a_cli_that_exited_after_one_try(tmp_path: Path) -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            agent = await start_node(stack, tmp_path / "agent")
            agent.server.reply_wait_s = 0  # answers travel as their own POSTs (a slow call's do)
            assert const.NODE_DELIVERY_TIMEOUT_MS < TTL_MS

            # A laptop the agent knows only from its particle (the from= hint): its address
            # is unproven, so the agent challenges it first -- and finds its port closed.
            laptop = await start_laptop(stack, agent, tmp_path / "laptop")
            effort_ = await laptop_sends_and_exits(agent, laptop)
            assert effort_ == (1, 0, 1)  # before the fix: 8 challenges, over 7 s

            # A laptop whose address the agent proved in an earlier round trip: the agent
            # POSTs to it at once, once, and the proof ends (whoever listens there next must
            # prove its key again).
            laptop = await start_laptop(stack, agent, tmp_path / "laptop2")
            done = await start_and_wait(
                laptop, f'(seq (call "{agent.peer_id}" ("op" "noop") []) {RESPOND.format("1")})'
            )
            assert done.client.responses == [[1]]
            assert agent.book.is_proven(laptop.peer_id, Address(LOCAL, laptop.port))
            effort_ = await laptop_sends_and_exits(agent, laptop)
            assert effort_ == (0, 1, 1)  # before the fix: 17 POSTs, over 7 s
            # The round trip's answer POST was acknowledged, though the laptop stopped at once
            # (it answers what it holds before closing its port); the next one found it closed.
            assert agent.client.stats()["delivered"] == 1
            assert agent.client.stats()["not_listening"] == 1
            assert not agent.book.is_proven(laptop.peer_id, Address(LOCAL, laptop.port))

    run(go())


async def start_laptop(stack: AsyncExitStack, agent: Node, state_dir: Path) -> Node:
    """A CLI-like node that knows the agent's address (as `edge-agent call host:port` does)."""
    laptop = Node(node_config(state_dir))
    await laptop.start()
    stack.push_async_callback(laptop.stop)
    laptop.book.add(agent.peer_id, Address(LOCAL, agent.port), Source.STATIC)
    return laptop

"""Turns on a worker (edge_agent/services/wasm/turns.py): FIFO per service, round robin between
services, the service whose turn just ended last; waiting bounded by a timeout."""

from __future__ import annotations

import asyncio
import threading

import pytest

from edge_agent.services.wasm.turns import LoopTurns, ThreadTurns, TurnQueue


def drain(queue: TurnQueue[str], after: str | None = None) -> list[str]:
    out = []
    while (following := queue.pop(after)) is not None:
        after, waiter = following
        out.append(waiter)
    return out


def test_fifo_per_service_round_robin_between_services() -> None:
    queue: TurnQueue[str] = TurnQueue()
    for waiter in ("a1", "a2", "a3", "b1", "c1", "b2"):
        queue.push(waiter[0], waiter)
    assert len(queue) == 6
    assert drain(queue) == ["a1", "b1", "c1", "a2", "b2", "a3"]
    assert not queue and queue.pop() is None


def test_the_service_whose_turn_ended_goes_last() -> None:
    queue: TurnQueue[str] = TurnQueue()
    for waiter in ("a2", "a3", "b1"):
        queue.push(waiter[0], waiter)
    # a1 just ran: b1 goes before a2 although a's queue is older.
    assert drain(queue, after="a") == ["b1", "a2", "a3"]
    queue.push("a", "a4")
    assert queue.pop(after="a") == ("a", "a4")  # nobody else waits


def test_discard_forgets_a_waiter() -> None:
    queue: TurnQueue[str] = TurnQueue()
    queue.push("a", "a1")
    queue.push("b", "b1")
    queue.discard("a", "a1")
    queue.discard("a", "a1")  # no error
    queue.discard("z", "z1")
    assert drain(queue) == ["b1"]


def test_thread_turns_order_and_timeout() -> None:
    turns = ThreadTurns()
    assert turns.acquire("spin") == 0.0
    order: list[str] = []
    queued = threading.Semaphore(0)

    def take(service: str, name: str) -> None:
        queued.release()
        turns.acquire(service)
        order.append(name)
        turns.release()

    threads = []
    for service, name in (("spin", "spin2"), ("spin", "spin3"), ("fast", "fast1")):
        thread = threading.Thread(target=take, args=(service, name))
        thread.start()
        queued.acquire()
        threads.append(thread)
        for _ in range(10_000):
            if turns.waiting == len(threads):
                break
            threading.Event().wait(0.001)
    with pytest.raises(TimeoutError):
        turns.acquire("late", timeout=0.01)
    assert turns.waiting == 3  # the late waiter left the queue
    turns.release()
    for thread in threads:
        thread.join(10)
    assert order == ["fast1", "spin2", "spin3"]
    assert turns.acquire("again") == 0.0


def test_loop_turns_order_timeout_and_cancellation() -> None:
    async def main() -> list[str]:
        turns = LoopTurns()
        assert await turns.acquire("spin") == 0.0
        order: list[str] = []

        async def take(service: str, name: str) -> None:
            await turns.acquire(service)
            order.append(name)
            turns.release()

        tasks = [
            asyncio.create_task(take(service, name))
            for service, name in (("spin", "spin2"), ("spin", "spin3"), ("fast", "fast1"))
        ]
        cancelled = asyncio.create_task(take("gone", "gone1"))
        await asyncio.sleep(0)
        cancelled.cancel()
        with pytest.raises(TimeoutError):
            await turns.acquire("late", timeout=0.01)
        await asyncio.sleep(0)
        assert turns.waiting == 3  # the late and the cancelled waiters left
        turns.release()
        await asyncio.gather(*tasks)
        assert await turns.acquire("again") == 0.0
        return order

    assert asyncio.run(main()) == ["fast1", "spin2", "spin3"]


def test_a_turn_given_to_a_cancelled_waiter_passes_on() -> None:
    async def main() -> None:
        turns = LoopTurns()
        await turns.acquire("a")
        first = asyncio.create_task(turns.acquire("b"))
        second = asyncio.create_task(turns.acquire("c"))
        await asyncio.sleep(0)
        turns.release()  # b's turn ...
        first.cancel()  # ... but b is cancelled before it runs: c gets the turn
        with pytest.raises(asyncio.CancelledError):
            await first
        assert await asyncio.wait_for(second, 5) >= 0.0
        turns.release()
        assert await turns.acquire("d") == 0.0

    asyncio.run(main())

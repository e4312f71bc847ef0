"""Holding a service's calls during an update (edge_agent/services/call_gate.py); the update
that holds them, with real wasm3, is tests/services/test_updates.py."""

from __future__ import annotations

import asyncio
import time

import pytest

from edge_agent import const
from edge_agent.services.base import ServiceError
from edge_agent.services.call_gate import CallGate
from edge_agent.services.wasm.abi import CallErrorCode


def run(coro: object) -> None:
    asyncio.run(asyncio.wait_for(coro, 10))  # type: ignore[arg-type]


async def _call(gate: CallGate, name: str, done: list[str], *, hold_for: float = 0.0,
                deadline_ms: int | None = None) -> None:
    async with gate.call(name, deadline_ms):
        await asyncio.sleep(hold_for)
        done.append(name)


async def _hold_behind_a_call(
    gate: CallGate, done: list[str], call_s: float
) -> tuple[asyncio.Task[None], asyncio.Task[None]]:
    """A call of counter that runs `call_s`, and a hold of counter started while it runs."""
    running = asyncio.create_task(_call(gate, "counter", done, hold_for=call_s))
    await asyncio.sleep(0.05)
    held = asyncio.create_task(gate.hold("counter"))
    await asyncio.sleep(0.05)
    assert not held.done()  # the running call has not ended yet
    return running, held


def test_a_hold_waits_for_the_running_calls_and_holds_new_ones_until_released() -> None:
    async def main() -> None:
        gate, done = CallGate(), []
        running, held = await _hold_behind_a_call(gate, done, 1.0)
        await held
        assert done == ["counter"] and running.done()
        waiting = asyncio.create_task(_call(gate, "counter", done))
        await _call(gate, "other", done)  # another service is not held
        await asyncio.sleep(0.1)
        assert done == ["counter", "other"] and not waiting.done()
        gate.release("counter")
        await waiting
        assert done == ["counter", "other", "counter"] and not gate.held("counter")

    run(main())


def test_a_held_call_fails_unavailable_at_its_deadline() -> None:
    async def main() -> None:
        gate, done = CallGate(), []
        await gate.hold("counter")
        started = time.monotonic()
        with pytest.raises(ServiceError) as caught:
            await _call(gate, "counter", done, deadline_ms=int(time.time() * 1000) + 200)
        assert 0.15 < time.monotonic() - started < 5
        assert caught.value.ret_code == CallErrorCode.UNAVAILABLE
        assert "service counter is being updated" in caught.value.message
        assert done == []
        with pytest.raises(RuntimeError, match="held already"):
            await gate.hold("counter")

    run(main())


def test_without_a_deadline_a_held_call_waits_at_most_the_hold_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(const, "UPDATE_HOLD_MAX_S", 0.1)

    async def main() -> None:
        gate = CallGate()
        await gate.hold("counter")
        with pytest.raises(ServiceError, match="waited 0.1 s"):
            await _call(gate, "counter", [])

    run(main())


def test_a_cancelled_hold_lets_the_calls_go_on() -> None:
    async def main() -> None:
        gate, done = CallGate(), []
        running, held = await _hold_behind_a_call(gate, done, 1.0)
        held.cancel()
        await asyncio.gather(held, return_exceptions=True)
        assert not gate.held("counter")
        await _call(gate, "counter", done)  # not held
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        assert done == ["counter"]

    run(main())

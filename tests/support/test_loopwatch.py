"""The loop-blocking check itself (tests/support/loopwatch.py): it sees a blocked loop and
where it was blocked, and stays quiet for a loop that keeps running its callbacks."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Coroutine, Iterator
from typing import Any

import pytest

from tests.support import loopwatch
from tests.support.loopwatch import LoopWatch, watched_policy


@pytest.fixture
def watch() -> Iterator[LoopWatch]:
    """A watch of its own (the session's does not see these loops)."""
    own = LoopWatch(threshold_s=0.1)
    own.start()
    yield own
    own.stop()


def run(watch: LoopWatch, coro: Coroutine[Any, Any, Any]) -> list[Any]:
    with asyncio.Runner(loop_factory=watched_policy(watch).new_event_loop) as runner:
        runner.run(coro)
    return watch.take_stalls()


def block_the_loop_for(seconds: float) -> None:
    time.sleep(seconds)


def test_a_blocked_loop_is_seen_with_its_stack(watch: LoopWatch) -> None:
    async def main() -> None:
        await asyncio.sleep(0.03)
        block_the_loop_for(0.3)
        await asyncio.sleep(0.03)

    [stall] = run(watch, main())
    assert 0.1 < stall.seconds
    assert "block_the_loop_for" in stall.stack and "time.sleep" in stall.stack
    assert "blocked for" in stall.describe()


def test_a_loop_that_keeps_running_is_not_reported(watch: LoopWatch) -> None:
    async def main() -> None:
        for _ in range(10):
            block_the_loop_for(0.01)
            await asyncio.sleep(0.01)
        await asyncio.to_thread(block_the_loop_for, 0.3)  # blocks a thread, not the loop

    assert run(watch, main()) == []


def test_time_between_runs_of_a_loop_is_not_a_block(watch: LoopWatch) -> None:
    loop = watched_policy(watch).new_event_loop()
    try:
        loop.run_until_complete(asyncio.sleep(0.03))
        block_the_loop_for(0.3)  # the loop is not running now
        loop.run_until_complete(asyncio.sleep(0.03))
    finally:
        loop.close()
    assert watch.take_stalls() == []


@pytest.mark.parametrize("real_one_inside", [False, True])
def test_garbage_collection_is_not_a_block(watch: LoopWatch, real_one_inside: bool) -> None:
    """Also when a real collection runs within the one this test stands for (CI saw the
    sampling thread's allocations start one there, which ended the bracket early)."""

    async def main() -> None:
        await asyncio.sleep(0.03)
        loopwatch._GC_CLOCK("start", {})
        if real_one_inside:
            gc.collect()
        block_the_loop_for(0.3)  # as a long full collection would
        loopwatch._GC_CLOCK("stop", {})
        await asyncio.sleep(0.03)

    assert run(watch, main()) == []


def test_a_loop_late_out_of_its_own_select_is_not_a_block(watch: LoopWatch) -> None:
    """As when a CPU quota throttles the process while its loop waits for the next timer."""
    loop = watched_policy(watch).new_event_loop()
    selector = loop._selector  # type: ignore[attr-defined]
    real_select = selector.select
    throttled = [True]

    def late_select(timeout: float | None = None) -> object:
        if throttled and timeout:
            throttled.clear()
            time.sleep(0.3)
        return real_select(timeout)

    selector.select = late_select
    try:
        loop.run_until_complete(asyncio.sleep(0.1))
    finally:
        loop.close()
    assert not throttled  # the select was late
    assert watch.take_stalls() == []

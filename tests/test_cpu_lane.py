"""Strangers' runs one at a time, in order, and their share of the time while trusted work waits."""

from __future__ import annotations

import asyncio
import time

import pytest

from edge_agent.cpu_lane import StrangerLane


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_share_must_be_a_fraction() -> None:
    for bad in (0.0, -0.5, 1.5):
        with pytest.raises(ValueError, match="share"):
            StrangerLane(bad)


def test_without_trusted_work_strangers_run_back_to_back_in_the_order_they_asked() -> None:
    async def go() -> None:
        clock = FakeClock()
        lane = StrangerLane(0.25, clock=clock)
        order: list[int] = []

        async def stranger(i: int) -> None:
            async with lane.turn():
                order.append(i)
                clock.now += 10.0  # a long run: without trusted work nobody waits for it
                await asyncio.sleep(0)  # (a turn never awaits in the node; here it may)

        await asyncio.gather(*(stranger(i) for i in range(5)))
        assert order == [0, 1, 2, 3, 4]
        assert lane.stats() | {"used_s": 0} == {
            "share": 0.25, "turns": 5, "held_back": 0, "used_s": 0, "trusted_in_progress": 0
        }
        assert lane.used_s == 50.0

    asyncio.run(go())


def test_while_trusted_work_is_in_progress_the_next_stranger_waits_until_it_is_done() -> None:
    async def go() -> None:
        clock = FakeClock()  # frozen: the lane cannot open by time, only when trusted work ends
        lane = StrangerLane(0.25, clock=clock)
        ran: list[str] = []
        async with lane.turn():
            clock.now += 100.0  # closes the lane for 300 s while trusted work is in progress
        with lane.work(trusted=True):
            task = asyncio.create_task(_run(lane, ran, "stranger"))
            for _ in range(20):
                await asyncio.sleep(0)
            assert ran == []  # held back
            ran.append("trusted")
        await asyncio.wait_for(task, 5.0)
        assert ran == ["trusted", "stranger"]
        assert lane.held_back == 1

    asyncio.run(go())


def test_trusted_work_lets_strangers_have_their_share_of_the_time() -> None:
    async def go() -> None:
        lane = StrangerLane(0.25)  # the real clock: a run of d closes the lane for 3d
        ends: list[float] = []
        starts: list[float] = []

        async def stranger() -> None:
            async with lane.turn():
                starts.append(time.monotonic())
                time.sleep(0.01)  # a run holds the loop
                ends.append(time.monotonic())

        with lane.work(trusted=True):
            await asyncio.wait_for(asyncio.gather(*(stranger() for _ in range(3))), 10.0)
        for i in (1, 2):
            ran = ends[i - 1] - starts[i - 1]
            assert starts[i] - ends[i - 1] >= 3 * ran * 0.999
        assert lane.held_back == 2

    asyncio.run(go())


def test_nested_trusted_work_keeps_the_lane_closed_until_the_last_is_done() -> None:
    async def go() -> None:
        clock = FakeClock()
        lane = StrangerLane(0.5, clock=clock)
        ran: list[str] = []
        async with lane.turn():
            clock.now += 1.0
        with lane.work(trusted=True):
            task = asyncio.create_task(_run(lane, ran, "stranger"))
            with lane.work(trusted=True):
                await asyncio.sleep(0)
            for _ in range(20):
                await asyncio.sleep(0)
            assert ran == [] and lane.stats()["trusted_in_progress"] == 1
        await asyncio.wait_for(task, 5.0)
        assert ran == ["stranger"]

    asyncio.run(go())


async def _run(lane: StrangerLane, ran: list[str], name: str) -> None:
    async with lane.turn():
        ran.append(name)

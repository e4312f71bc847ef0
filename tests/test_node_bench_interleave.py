"""benchmarks/interleave.py: the windows alternate, failures count against their window, and
the ratio figures come from the rounds (issue 12). No timing is asserted: rates are built."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks import interleave
from benchmarks.interleave import Rounds, Window

ROOT = Path(__file__).resolve().parents[1]


def test_the_sides_take_turns_and_each_goes_first_every_other_round() -> None:
    calls: list[str] = []

    def side(name: str) -> interleave.Once:
        async def once() -> None:
            calls.append(name)

        return once

    rounds = asyncio.run(interleave.interleave(3, 2, 1, side("a"), side("b")))
    assert "".join(calls) == "aabb" + "bbaa" + "aabb"
    assert len(rounds.a) == len(rounds.b) == 3
    assert all(w.failed == 0 and w.per_s > 0 for w in rounds.a + rounds.b)


def test_a_failed_request_counts_against_its_window_and_is_reported() -> None:
    n = 0

    async def flaky() -> None:
        nonlocal n
        n += 1
        if n % 2:
            raise RuntimeError("no response")

    result = asyncio.run(interleave.window(10, 3, flaky))
    assert n == 10 and result.failed == 5


def test_the_ratio_is_the_median_of_the_rounds_with_its_spread() -> None:
    rounds = Rounds(
        a=(Window(100.0, 0), Window(200.0, 0), Window(100.0, 0)),
        b=(Window(80.0, 1), Window(60.0, 0), Window(40.0, 2)),
    )
    assert rounds.ratios == pytest.approx((0.8, 0.3, 0.4))
    assert rounds.median == pytest.approx(0.4)
    assert rounds.spread == pytest.approx((0.3, 0.8))
    assert rounds.rate("a") == 100.0 and rounds.rate("b") == 60.0
    assert rounds.failed("b") == 3 and rounds.failed("a") == 0
    assert interleave.describe(rounds) == "median 40% (per round 80% 30% 40%; spread 30%-80%)"


def test_a_side_with_its_server_records_the_cpu_each_process_spent_per_request() -> None:
    """This process burns CPU in each request and the "server" is a child that spins: both
    show up, per completed request, and a side without a server shows no server time."""

    def burn() -> None:  # 5 ms of this thread's CPU (two requests burn at once)
        end = time.thread_time() + 0.005
        while time.thread_time() < end:
            pass

    async def once() -> None:
        await asyncio.to_thread(burn)  # this process's CPU time counts every thread's

    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        side = interleave.Side(once, spinner.pid)
        rounds = asyncio.run(interleave.interleave(2, 20, 2, interleave.Side(once), side))
    finally:
        spinner.kill()
        spinner.wait()
    client_a, server_a = rounds.cpu_per_request("a")
    client_b, server_b = rounds.cpu_per_request("b")
    assert client_a >= 5000 and client_b >= 5000  # at least the 5 ms each request burns
    assert server_a == 0.0
    assert server_b > 0.0  # the spinning child ran while b's windows did
    assert all(w.completed == 20 for w in rounds.a + rounds.b)


def test_busy_loops_spin_while_the_block_runs_and_are_gone_after_it() -> None:
    with interleave.busy_loops(2) as loops:
        assert len(loops) == 2
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and min(interleave.cpu_seconds(p.pid) for p in loops) < 0.05:
            time.sleep(0.05)
        assert min(interleave.cpu_seconds(p.pid) for p in loops) >= 0.05, "they use CPU"
        assert all(p.poll() is None for p in loops)
    assert all(p.returncode is not None for p in loops)


def test_busy_loops_end_with_the_process_that_started_them() -> None:
    """Killed with SIGKILL (no cleanup runs), the benchmark leaves no loop spinning."""
    starter = subprocess.Popen(
        [sys.executable, "-c",
         "import time; from benchmarks import interleave\n"
         "with interleave.busy_loops(1) as loops:\n"
         "    print(loops[0].pid, flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True, cwd=str(ROOT),
    )
    try:
        assert starter.stdout is not None
        pid = int(starter.stdout.readline())
    finally:
        starter.kill()
        starter.wait()
        starter.stdout.close()  # type: ignore[union-attr]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.05)
    assert not _alive(pid)


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended (init reaps it)


_REMOTE_CLIENT = """
import asyncio, sys, time
from benchmarks import interleave
n = 0

async def once():
    global n
    n += 1
    end = time.thread_time() + 0.002  # 2 ms of this process's CPU a request
    while time.thread_time() < end:
        pass
    if n % 4 == 0:
        raise RuntimeError("no response")

asyncio.run(interleave.serve_windows(once))
"""


def test_a_remote_side_runs_its_windows_in_its_own_process_and_counts_its_cpu() -> None:
    """`RemoteSide`: the windows run in the client's process (`serve_windows`), failures and
    the CPU time of that process come back per window, and it ends when its stdin closes."""

    async def main() -> tuple[interleave.Rounds, int | None]:
        client = await asyncio.create_subprocess_exec(
            sys.executable, "-c", _REMOTE_CLIENT, cwd=str(ROOT),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )
        try:
            remote = interleave.RemoteSide(client)

            async def here() -> None:
                await asyncio.sleep(0)

            rounds = await interleave.interleave(2, 40, 3, remote, here)
        finally:
            assert client.stdin is not None
            client.stdin.close()
            code = await asyncio.wait_for(client.wait(), 30)
        return rounds, code

    rounds, code = asyncio.run(main())
    assert code == 0
    assert [w.failed for w in rounds.a] == [10, 10]  # every 4th request, counted per window
    assert all(w.completed == 30 and w.per_s > 0 for w in rounds.a)
    client_us, server_us = rounds.cpu_per_request("a")
    assert client_us >= 2000 * 40 / 30  # 2 ms burnt by each request, over those completed
    assert server_us == 0.0
    assert rounds.cpu_per_request("b")[0] == 0.0  # not measured: a plain `Once`


def test_a_remote_side_whose_client_dies_is_an_error_not_a_hang() -> None:
    async def main() -> None:
        client = await asyncio.create_subprocess_exec(
            sys.executable, "-c", "pass", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )
        remote = interleave.RemoteSide(client)
        await asyncio.wait_for(client.stdout.read(), 30)  # type: ignore[union-attr]  # its end
        with pytest.raises(RuntimeError, match="client process ended"):
            await asyncio.wait_for(interleave.window(10, 2, remote), 30)  # read the end
        await client.wait()
        with pytest.raises(RuntimeError, match="client process ended"):
            await asyncio.wait_for(interleave.window(10, 2, remote), 30)  # known to have ended

    asyncio.run(main())


def test_the_bare_throughput_side_is_stock_aiocoap_in_processes_of_its_own() -> None:
    """node_bench's bare side for the throughput figure: a real aiocoap client and server,
    each in a process of its own, answer every POST of a window (and their CPU is counted),
    whatever this process has hooked; an in-process bare client refuses to run hooked."""
    from benchmarks import node_bench
    from edge_agent.net import coap_compat

    assert coap_compat.unregister_without_cycles()  # this process is hooked (as after a node ran)

    async def main() -> interleave.Window:
        async with node_bench.bare_processes() as bare:
            return await interleave.window(200, 10, bare)

    w = asyncio.run(main())
    assert w.failed == 0 and w.completed == 200
    assert w.cpu_s[0] > 0.0 and w.cpu_s[1] >= 0.0
    with pytest.raises(RuntimeError, match="hooks in place"):
        asyncio.run(node_bench.BareCoap().__aenter__())

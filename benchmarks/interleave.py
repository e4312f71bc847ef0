"""Two throughputs compared in alternating short windows, on a machine others use (issue 12).

On a busy machine the CPU share a benchmark gets drifts from one second to the next (other
work starts and stops: a Pi runs other work too), so two rates measured one after the other
compare two different machines: measured that way, the agent's share of bare aiocoap swung
from 86% to 23% between rounds under one and the same controlled load. Here both sides stay
up for the whole measurement in the same process tree (each server idle while the other side
is measured) and take turns in windows of `window` requests: A then B, then B then A, so each
goes first equally often and a steady drift cancels out. Each round gives one ratio B/A from
two windows seconds apart; the median of the ratios is the figure, and their spread (lowest
to highest) shows how much the machine moved under it. A request that fails counts against
its window (its time is spent, nothing is completed).

To hold a figure to its target on a busy machine on purpose, `busy_loops` keeps CPU-bound
processes running beside it (node_bench's `--busy N`): a load anyone can repeat, where
"other work running" is otherwise whatever the machine happens to do.

A side may also name the processes whose CPU time it spends (`Side`: this process, where
its client runs, and its server's): each window then records the CPU seconds of each, so the
figure can tell a ratio set by CPU cost per request from one set by how the scheduler shares
a busy machine between the processes. A side whose client must not share this process runs
it in one of its own (`RemoteSide`, driven by `serve_windows` there): a baseline such as bare
aiocoap would otherwise pick up what this process changes for everyone in it (node_bench's
laptop hooks aiocoap's classes and settles the collector).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

Once = Callable[[], Awaitable[object]]


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU time of a process so far (/proc/<pid>/stat; this one if None)."""
    if pid is None:
        return time.process_time()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class Side:
    """One side's requests, and the server process whose CPU time they cost (the client's is
    this process's)."""

    once: Once
    server_pid: int | None = None

    def cpu(self) -> tuple[float, float]:
        return cpu_seconds(), _server_cpu(self.server_pid)


def _server_cpu(pid: int | None) -> float:
    return cpu_seconds(pid) if pid else 0.0


def _unmeasured() -> tuple[float, float]:
    return 0.0, 0.0


@dataclass(frozen=True, slots=True)
class Window:
    """One window of one side: requests completed per second, requests that failed, and the
    CPU seconds the side's client and server processes spent in it (zero when not measured)."""

    per_s: float
    failed: int
    completed: int = 0
    cpu_s: tuple[float, float] = (0.0, 0.0)


@dataclass(frozen=True, slots=True)
class Rounds:
    """The windows of both sides, round by round (`a[i]` and `b[i]` are one round)."""

    a: tuple[Window, ...]
    b: tuple[Window, ...]

    @property
    def ratios(self) -> tuple[float, ...]:
        """B's rate over A's, per round."""
        return tuple(b.per_s / a.per_s for a, b in zip(self.a, self.b, strict=True))

    @property
    def median(self) -> float:
        return statistics.median(self.ratios)

    @property
    def spread(self) -> tuple[float, float]:
        return min(self.ratios), max(self.ratios)

    def rate(self, side: str) -> float:
        """The median rate of side "a" or "b" over its windows."""
        return statistics.median(w.per_s for w in (self.a if side == "a" else self.b))

    def failed(self, side: str) -> int:
        return sum(w.failed for w in (self.a if side == "a" else self.b))

    def cpu_per_request(self, side: str) -> tuple[float, float]:
        """Microseconds of CPU per completed request over all of a side's windows: in its
        client's process and in its server's."""
        windows = self.a if side == "a" else self.b
        done = max(1, sum(w.completed for w in windows))
        client, server = (sum(w.cpu_s[i] for w in windows) for i in (0, 1))
        return 1e6 * client / done, 1e6 * server / done


class RemoteSide:
    """A side whose client runs in a process of its own, which runs `serve_windows`: each
    window is asked of it over its stdin, and the CPU time of it and of the side's server is
    read from /proc."""

    def __init__(self, client: asyncio.subprocess.Process, server_pid: int | None = None) -> None:
        self.client = client
        self.server_pid = server_pid

    def cpu(self) -> tuple[float, float]:
        return cpu_seconds(self.client.pid), _server_cpu(self.server_pid)

    async def window(self, total: int, in_flight: int) -> Window:
        assert self.client.stdin is not None and self.client.stdout is not None
        try:
            if self.client.returncode is not None:
                raise ProcessLookupError
            client0, server0 = self.cpu()
            self.client.stdin.write(f"{total} {in_flight}\n".encode())
            await self.client.stdin.drain()
            answer = await self.client.stdout.readline()
            if not answer:
                raise ProcessLookupError
            client1, server1 = self.cpu()
        except (ProcessLookupError, FileNotFoundError, ConnectionResetError, BrokenPipeError):
            # (reaped, its /proc entry gone, or its stdin or stdout closed with it)
            raise RuntimeError(f"the side's client process ended (exit {await self.client.wait()})") from None
        failures, seconds = answer.split()
        failed, elapsed = int(failures), float(seconds)
        completed = total - failed
        return Window(completed / elapsed, failed, completed, (client1 - client0, server1 - server0))


async def end_child(proc: asyncio.subprocess.Process) -> None:
    """Close a child's stdin (the benchmarks' children end then) and wait for it, killed if
    it is not gone within 10 s."""
    assert proc.stdin is not None
    proc.stdin.close()
    try:
        await asyncio.wait_for(proc.wait(), 10)
    except TimeoutError:
        proc.kill()
        await proc.wait()


async def serve_windows(once: Once) -> None:
    """In a `RemoteSide`'s client process: for each line "total in_flight" on stdin, run that
    window of `once` and answer "failed seconds" on stdout; return when stdin closes."""
    loop = asyncio.get_running_loop()
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        total, in_flight = (int(n) for n in line.split())
        failed, elapsed = await _run_window(total, in_flight, once)
        print(failed, elapsed, flush=True)


async def window(total: int, in_flight: int, side: Once | Side | RemoteSide) -> Window:
    """`total` requests shared by `in_flight` workers: completed per second, and failures
    (a request that raises RuntimeError); with a `Side` or `RemoteSide`, the CPU time they cost."""
    if isinstance(side, RemoteSide):
        return await side.window(total, in_flight)
    once, cpu = (side.once, side.cpu) if isinstance(side, Side) else (side, _unmeasured)
    client0, server0 = cpu()
    failed, elapsed = await _run_window(total, in_flight, once)
    client1, server1 = cpu()
    return Window((total - failed) / elapsed, failed, total - failed, (client1 - client0, server1 - server0))


async def _run_window(total: int, in_flight: int, once: Once) -> tuple[int, float]:
    """Failures and seconds of `total` requests shared by `in_flight` workers."""
    remaining, failed = total, 0

    async def worker() -> None:
        nonlocal remaining, failed
        while remaining > 0:
            remaining -= 1
            try:
                await once()
            except RuntimeError:
                failed += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return failed, time.perf_counter() - start


async def interleave(
    rounds: int, size: int, in_flight: int, a: Once | Side | RemoteSide, b: Once | Side | RemoteSide
) -> Rounds:
    """`rounds` rounds of one window of `size` requests per side, alternating which goes first."""
    a_windows: list[Window] = []
    b_windows: list[Window] = []
    for i in range(rounds):
        if i % 2 == 0:
            a_windows.append(await window(size, in_flight, a))
            b_windows.append(await window(size, in_flight, b))
        else:
            b_windows.append(await window(size, in_flight, b))
            a_windows.append(await window(size, in_flight, a))
    return Rounds(tuple(a_windows), tuple(b_windows))


def describe(rounds: Rounds) -> str:
    """"median 71% (per round 70% 75% 66% ...; spread 66-75%)"."""
    per_round = " ".join(f"{r:.0%}" for r in rounds.ratios)
    low, high = rounds.spread
    return f"median {rounds.median:.0%} (per round {per_round}; spread {low:.0%}-{high:.0%})"


_SPIN = """
import os, sys
parent = int(sys.argv[1])
while os.getppid() == parent:  # gone with us, also when we are killed
    for _ in range(1_000_000):
        pass
"""


@contextlib.contextmanager
def busy_loops(n: int) -> Iterator[list[subprocess.Popen[bytes]]]:
    """`n` Python processes spinning at normal priority until the block ends (killed then,
    also when it raises): the load of `n` CPU-bound neighbours."""
    loops: list[subprocess.Popen[bytes]] = []
    try:
        for _ in range(n):
            loops.append(subprocess.Popen([sys.executable, "-c", _SPIN, str(os.getpid())]))
        yield loops
    finally:
        for proc in loops:
            proc.kill()
        for proc in loops:
            proc.wait()

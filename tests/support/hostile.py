"""A hostile peer on the LAN: the particle attacks of issue 8, made with edge_agent's own API.

Test and benchmark support; edge_agent never imports it. The attacks are functions here,
and ``python -m tests.support.hostile ATTACK [options]`` runs one in another process (the
attacker's or a prober's network namespace) and prints one JSON line: what it sent and how
the victim answered. Every loop is bounded by a count and by `--max-s`; `--until FILE`
ends a loop early when FILE exists (namespaces share the file system, so a test says
"enough" by creating it).

    stall   `--count` heavy particles of a stranger, one every `--interval` s: a fold of op.noop over
            ~2,000 values (6-8 KB; each run replays every earlier iteration) and a nested
            fold 400x400 (1.4 KB; 160,000 iterations in one run)
    memory  `--count` particles whose ~1 MB of data decodes into a million objects (`--kind`
            arrays, maps, deep), or valid data just under the decoded-item limit (held)
    flood   `--count` cheap particles of one stranger at `--rate` per second, non-confirmable
            (answers are counted, never waited for), as an attacker on the LAN would
    replay  a particle of a neighbour (captured), then up to `--count` cheap particles of
            fresh identities (to push its id out of the replay table) until `--until`, then
            the captured one again; `--from` spreads a flood over many source addresses
    probe   GET /status every `--interval` s (`--timeout` each): latencies and failures
    status  the victim's /status map, once
    watch   the victim's /status map every `--interval` s, a JSON line each (with its time)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import statistics
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import aiocoap
from aiocoap.numbers.codes import Code

from edge_agent import particle
from edge_agent.air import CallResult, Data, RunParams, run
from edge_agent.air import data as air_data
from edge_agent.identity import KeyPair
from edge_agent.net.coap import CT_CBOR, PARTICLE_PATH, CoapClient, RequestFailed
from edge_agent.particle import Particle
from edge_agent.seals import Sealer
from tests.support.timescale import scaled

Remote = tuple[str, int]

ONE_MB = 1_000_000
CHEAP_SCRIPT = "(null)"
"""What a flood particle runs: nothing (the cheapest particle to start)."""


# --- what is sent ------------------------------------------------------------------------


def fold_of_noop(victim: str, values: int = 2000) -> str:
    """A fold of op.noop calls on `victim`, each followed by a walk over all the values: every
    call ends a run, and every run goes on with such a walk (runs resume after the call instead
    of replaying earlier iterations, so a plain fold of calls would cost little), so its work
    grows with the square of `values`."""
    numbers = " ".join(str(i) for i in range(values))
    return (f'(seq (call "{victim}" ("op" "array") [{numbers}] xs) '
            f'(fold xs x (seq (seq (call "{victim}" ("op" "noop") []) (fold xs y (next y))) (next x))))')


def nested_fold(victim: str, values: int = 400) -> str:
    """Two nested folds over `values` values: values**2 iterations in a single run."""
    numbers = " ".join(str(i) for i in range(values))
    return (f'(seq (call "{victim}" ("op" "array") [{numbers}] xs) '
            f'(fold xs x (seq (fold xs y (next y)) (next x))))')


def heavy_data(kind: str, size: int = ONE_MB) -> bytes:
    """`size` bytes of CBOR that decode into about as many Python objects (`kind`: arrays,
    maps) or nest `size` levels deep (deep). Not valid particle data, on purpose: it must be
    refused before it is decoded."""
    if kind == "arrays":
        count = size - 5
        return b"\x9a" + count.to_bytes(4, "big") + b"\x80" * count
    if kind == "maps":
        count = (size - 5) // 3
        return b"\x9a" + count.to_bytes(4, "big") + b"\xa1\x00\x80" * count  # [{0: []}, ...]
    if kind == "deep":
        return b"\x81" * (size - 1) + b"\x80"
    raise ValueError(f"unknown kind {kind!r}")


def stranger_particle(script: str, data: bytes = b"", *, ttl_ms: int = 30_000,
                      key: KeyPair | None = None) -> Particle:
    """A particle started now by `key` (by default a fresh identity nobody trusts)."""
    return Particle.create(key or KeyPair.generate(), script, data, ttl_ms=ttl_ms,
                           timestamp_ms=time.time_ns() // 1_000_000, id=str(uuid.uuid4()))


def held_particle(victim: str, items: int, *, ttl_ms: int = 30_000) -> Particle:
    """A valid particle of a fresh stranger whose data (sealed by it, as its init peer's
    getDataSrv value) holds `items` empty arrays: accepted, held, and counted by weight."""
    key = KeyPair.generate()
    script = (f'(seq (call %init_peer_id% ("getDataSrv" "x") [] x) '
              f'(call "{victim}" ("op" "noop") [x]))')
    p = stranger_particle(script, ttl_ms=ttl_ms, key=key)
    params = RunParams(key.peer_id, key.peer_id, p.timestamp_ms, p.ttl_ms, p.id)
    first = run(script, Data(), Data(), params)
    value: list[Any] = [[] for _ in range(items)]
    results = {r.key: CallResult.success(value) for r in first.call_requests}
    data = run(script, first.data, Data(), params, results).data
    Sealer(key.peer_id, key.sign, particle.verify_signature).seal(p, data, {})
    return p.with_data(air_data.encode(data))


def non_post(raw: bytes, mid: int) -> bytes:
    """A non-confirmable CoAP POST /particle datagram carrying `raw`."""
    message = aiocoap.Message(code=Code.POST, uri_path=PARTICLE_PATH, payload=raw, content_format=CT_CBOR)
    message.mtype = aiocoap.NON
    message.mid = mid & 0xFFFF
    message.token = os.urandom(4)
    return message.encode()


# --- sending -----------------------------------------------------------------------------


def _stopper(until: str | None, max_s: float) -> Callable[[], bool]:
    """True once `until` exists or `max_s` seconds have passed."""
    deadline = time.monotonic() + max_s
    path = Path(until) if until else None
    return lambda: time.monotonic() >= deadline or (path is not None and path.exists())


def _drain(sock: socket.socket, codes: Counter[str]) -> None:
    """Read the victim's answers that arrived (never waits), counting their codes."""
    while True:
        try:
            datagram = sock.recv(4096)
        except (BlockingIOError, ConnectionRefusedError):
            return
        with contextlib.suppress(Exception):
            codes[aiocoap.Message.decode(datagram).code.dotted] += 1


def flood(victim: Remote, *, rate: float, count: int, stop: Callable[[], bool],
          make: Callable[[], Particle], sources: Sequence[str] = ()) -> dict[str, Any]:
    """Send up to `count` particles from `make()` at `rate` per second as NON POSTs, from
    each of the `sources` addresses in turn (this host's, which the kernel picks, if none)."""
    family = socket.AF_INET6 if ":" in victim[0] else socket.AF_INET
    codes: Counter[str] = Counter()
    sent = 0
    with contextlib.ExitStack() as stack:
        socks = [stack.enter_context(socket.socket(family, socket.SOCK_DGRAM)) for _ in sources or [""]]
        for sock, source in zip(socks, sources or [""]):
            sock.bind((source, 0))
            sock.connect(victim)
            sock.setblocking(False)
        started = time.monotonic()
        while sent < count and not stop():
            due = min(count, int((time.monotonic() - started) * rate) + 1)
            while sent < due:
                with contextlib.suppress(BlockingIOError):
                    socks[sent % len(socks)].send(non_post(make().encode(), sent))
                sent += 1
            for sock in socks:
                _drain(sock, codes)
            time.sleep(0.002)
        took = time.monotonic() - started
        time.sleep(0.2)
        for sock in socks:
            _drain(sock, codes)
    return {"sent": sent, "seconds": round(took, 3), "per_s": round(sent / took, 1) if took else 0,
            "sources": len(socks), "answers": dict(codes)}


async def send_all(victim: Remote, particles: list[Particle], *, parallel: int = 4) -> list[str]:
    """POST each particle (confirmable, blockwise when large), `parallel` at a time from as
    many sockets; the outcome of each."""
    queue = list(enumerate(particles))
    outcomes = [""] * len(particles)

    async def worker() -> None:
        async with CoapClient() as client:
            while queue:
                i, p = queue.pop(0)
                result = await client.send_particle(victim, p.encode(), deadline_ms=p.deadline_ms)
                outcomes[i] = f"{result.outcome.value} {result.detail}".strip()

    await asyncio.gather(*(worker() for _ in range(min(parallel, len(particles)))))
    return outcomes


async def stall(victim: Remote, victim_id: str, *, interval: float, count: int,
                stop: Callable[[], bool]) -> dict[str, Any]:
    """Up to `count` heavy particles of one stranger, one every `interval` s, the two kinds
    in turn."""
    key = KeyPair.generate()
    scripts = {"fold_noop": fold_of_noop(victim_id), "nested_fold": nested_fold(victim_id)}
    # Long enough for a fold of op.noop to use up its budget on the victim's CPU: seconds
    # here, a minute emulated (EDGE_AGENT_TEST_TIME_SCALE), where at 30 s two of them
    # sharing the CPU reached their deadline first.
    ttl_ms = round(scaled(30.0) * 1000)
    sent: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    sizes = {}
    async with CoapClient() as client:
        while sum(sent.values()) < count and not stop():
            kind = "fold_noop" if sum(sent.values()) % 2 == 0 else "nested_fold"
            p = stranger_particle(scripts[kind], key=key, ttl_ms=ttl_ms)
            raw = p.encode()
            sizes[kind] = len(raw)
            result = await client.send_particle(victim, raw, deadline_ms=p.deadline_ms)
            sent[kind] += 1
            outcomes[result.outcome.value] += 1
            await asyncio.sleep(interval)
    return {"peer_id": key.peer_id, "sent": dict(sent), "bytes": sizes, "outcomes": dict(outcomes)}


async def replay(victim: Remote, victim_id: str, *, count: int, rate: float, stop: Callable[[], bool],
                 sources: Sequence[str] = ()) -> dict[str, Any]:
    """A neighbour's particle appending a message on the victim (captured on its way), sent
    once as the neighbour did, and again at once; then up to `count` cheap particles of fresh
    identities from `sources` until `stop()`; then the captured bytes again."""
    script = f'(call "{victim_id}" ("messages" "append") ["neighbour" "sent once"])'
    ttl_ms = round(scaled(120.0) * 1000)  # the attack plays out within it, also emulated
    captured = stranger_particle(script, ttl_ms=ttl_ms)
    outcomes = {"first": await send_all(victim, [captured])}
    outcomes["again_at_once"] = await send_all(victim, [captured])

    def fresh() -> Particle:
        return stranger_particle(CHEAP_SCRIPT, ttl_ms=ttl_ms)

    flooded = flood(victim, rate=rate, count=count, stop=stop, make=fresh, sources=sources)
    outcomes["after_flood"] = await send_all(victim, [captured])
    return {"captured": captured.id, "flood": flooded, "outcomes": outcomes}


def summary(latencies: list[float]) -> dict[str, float]:
    """Median, p99 and max of `latencies` (seconds), in ms."""
    if not latencies:
        return {"n": 0}
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {"n": len(ordered), "median_ms": round(statistics.median(ordered) * 1e3, 2),
            "p99_ms": round(p99 * 1e3, 2), "max_ms": round(ordered[-1] * 1e3, 2)}


async def probe(
    target: Remote, *, interval: float, timeout: float, stop: Callable[[], bool]
) -> dict[str, Any]:
    """GET /status every `interval` s until `stop()`: latency figures and failed polls."""
    latencies: list[float] = []
    failures: list[str] = []
    async with CoapClient() as client:
        while not stop():
            started = time.perf_counter()
            try:
                await client.get_status(target, timeout=timeout)
            except RequestFailed as exc:
                failures.append(str(exc))
            else:
                latencies.append(time.perf_counter() - started)
            await asyncio.sleep(interval)
    return {**summary(latencies), "failures": failures}


async def watch(
    target: Remote, *, interval: float, timeout: float, stop: Callable[[], bool]
) -> dict[str, Any]:
    """Print the /status map every `interval` s until `stop()`, with the CLOCK_MONOTONIC time
    of the answer (shared by all namespaces) as "at"; polls that fail print nothing."""
    printed = 0
    async with CoapClient() as client:
        while not stop():
            with contextlib.suppress(RequestFailed):
                status = await client.get_status(target, timeout=timeout)
                print(json.dumps({"at": time.monotonic(), "status": status}, default=repr), flush=True)
                printed += 1
            await asyncio.sleep(interval)
    return {"printed": printed}


# --- the command line --------------------------------------------------------------------


def _remote(text: str) -> Remote:
    host, _, port = text.rpartition(":")
    return host.strip("[]"), int(port)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m tests.support.hostile", description=__doc__.split("\n\n")[0])
    p.add_argument("attack", choices=["stall", "memory", "flood", "replay", "probe", "status", "watch"])
    p.add_argument("--victim", type=_remote, required=True, metavar="HOST:PORT")
    p.add_argument("--victim-id", default="", metavar="PEER_ID")
    p.add_argument("--kind", default="arrays", choices=["arrays", "maps", "deep", "held"])
    p.add_argument("--count", type=int, default=4)
    p.add_argument("--items", type=int, default=120_000, help="decoded items of a held particle")
    p.add_argument("--rate", type=float, default=1000.0, help="particles per second")
    p.add_argument("--interval", type=float, default=0.5, help="seconds between two sends or polls")
    p.add_argument("--timeout", type=float, default=2.0, help="seconds one /status poll may take")
    p.add_argument("--until", metavar="FILE", help="stop once FILE exists")
    p.add_argument("--max-s", type=float, default=30.0, help="stop after this many seconds")
    p.add_argument("--from", dest="sources", type=lambda text: text.split(","), default=[],
                   metavar="ADDR,...", help="source addresses to flood from, in turn (this host's)")
    return p


def _memory_particles(args: argparse.Namespace) -> Iterator[Particle]:
    script = f'(call "{args.victim_id}" ("op" "noop") [])'
    for _ in range(args.count):
        if args.kind == "held":
            yield held_particle(args.victim_id, args.items)
        else:
            yield stranger_particle(script, heavy_data(args.kind))


async def _main(args: argparse.Namespace) -> dict[str, Any]:
    stop = _stopper(args.until, args.max_s)
    if args.attack == "stall":
        return await stall(args.victim, args.victim_id, interval=args.interval, count=args.count, stop=stop)
    if args.attack == "memory":
        particles = list(_memory_particles(args))
        outcomes = await send_all(args.victim, particles)
        return {"sent": len(particles), "bytes": [len(p.data) for p in particles], "outcomes": outcomes}
    if args.attack == "flood":
        key = KeyPair.generate()
        done = flood(args.victim, rate=args.rate, count=args.count, stop=stop,
                     make=lambda: stranger_particle(CHEAP_SCRIPT, key=key), sources=args.sources)
        return {"peer_id": key.peer_id, **done}
    if args.attack == "replay":
        return await replay(args.victim, args.victim_id, count=args.count, rate=args.rate, stop=stop,
                            sources=args.sources)
    if args.attack == "status":
        async with CoapClient() as client:
            return await client.get_status(args.victim, timeout=args.timeout)
    if args.attack == "watch":
        return await watch(args.victim, interval=args.interval, timeout=args.timeout, stop=stop)
    return await probe(args.victim, interval=args.interval, timeout=args.timeout, stop=stop)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    print(json.dumps(asyncio.run(_main(args)), default=repr), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

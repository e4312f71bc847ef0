"""Measure the networked agent on loopback in one run and print one line per figure (issue 4).

    .venv/bin/python benchmarks/node_bench.py [--quick] [--only KEY ...] [--json]

Lines, in order: a bare aiocoap POST round trip (median, p90 over sequential POSTs of a
350-byte CBOR payload); bare aiocoap POSTs per second with 50 in flight; the same round trip
through edge-agent's transport (CoapClient.send_particle -> CoapServer, envelope check
included, no node). The node's figures (one-hop particle round trip, particles/s with 50 in
flight, start-to-ready time, idle RSS) are added as further measurements; targets: one-hop
particle <= 2x the bare CoAP round trip, ready <= 1.5 s, idle RSS <= 45 MB.

Adding a figure is one decorated coroutine (see `measurement`); it gets the `Settings`,
returns a `Figure`, and runs on a fresh event loop of its own. A script, not a test: timings
depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import platform
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiocoap
import aiocoap.resource
import cbor2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from edge_agent import particle  # noqa: E402
from edge_agent.identity import KeyPair  # noqa: E402
from edge_agent.net.coap import CoapClient, CoapServer  # noqa: E402

LOOPBACK = "127.0.0.1"


# --- the registry ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Settings:
    """Sizes of one run; `--quick` shrinks them for a smoke run."""

    sequential: int = 2000
    """Requests timed one after another (latency figures)."""
    in_flight: int = 50
    """Requests kept outstanding at once (throughput figures)."""
    total: int = 5000
    """Requests sent in a throughput figure."""
    warmup: int = 200
    """Untimed requests before timing starts."""

    @classmethod
    def quick(cls) -> Settings:
        return cls(sequential=300, total=1000, warmup=50)


@dataclass(frozen=True, slots=True)
class Figure:
    """One printed line: `text` for people, `values` (unit in the key) for --json."""

    text: str
    values: dict[str, float] = field(default_factory=dict)
    target: str = ""
    """The target this figure is held against, if any ("<= 2x bare CoAP")."""


@dataclass(frozen=True, slots=True)
class Measurement:
    key: str
    title: str
    order: int
    run: Callable[[Settings], Awaitable[Figure]]  # see `measurement`


MEASUREMENTS: dict[str, Measurement] = {}
"""Every figure this script prints, by key; `measurement` adds to it."""


Run = Callable[[Settings], Awaitable[Figure]]


def measurement(key: str, title: str, *, order: int) -> Callable[[Run], Run]:
    """Register an ``async def f(settings) -> Figure`` as the line `title` (sorted by order).

    Orders 10-19 are bare CoAP and the transport, 20-29 the node (one-hop round trip,
    particles/s), 30-39 the process (start-to-ready, idle RSS). A later figure may use an
    earlier one's value through `RESULTS` (e.g. the ratio to the bare round trip).
    """

    def register(fn: Run) -> Run:
        if key in MEASUREMENTS:
            raise ValueError(f"measurement {key!r} registered twice")
        MEASUREMENTS[key] = Measurement(key, title, order, fn)
        return fn

    return register


RESULTS: dict[str, Figure] = {}
"""Figures measured so far in this run, by key."""


# --- helpers --------------------------------------------------------------------------------


def cbor_payload(size: int = 350) -> bytes:
    """A CBOR map shaped like a small particle, exactly `size` bytes long."""
    fields: dict[int, Any] = {
        0: 1,
        1: "6f1c2a4e-9b7d-4c1e-8a55-0d3e2f4b6a7c",
        2: "12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf",
        3: 1_700_000_000_000,
        4: 30_000,
        5: "",
        6: bytes(64),
        7: b"",
    }
    filler = size - len(cbor2.dumps(fields))
    fields[5] = "x" * (filler - 1)  # one more byte of string head once past 23 chars
    raw = cbor2.dumps(fields)
    assert len(raw) == size, len(raw)
    return raw


def particle_bytes(size: int = 350) -> bytes:
    """An encoded, signed particle of about `size` bytes (the data field pads it)."""
    key = KeyPair.from_seed(b"\x01" * 32)
    script = '(call %init_peer_id% ("op" "noop") [])'
    raw = b""
    for pad in range(size):  # CBOR heads grow with the data: find the padding that fits
        raw = particle.Particle.create(key, script, bytes(pad), ttl_ms=3_600_000).encode()
        if len(raw) >= size:
            break
    return raw


def latency_figure(samples: list[float], what: str) -> Figure:
    ordered = sorted(samples)
    median = statistics.median(ordered) * 1e3
    p90 = ordered[int(0.9 * (len(ordered) - 1))] * 1e3
    return Figure(
        f"median {median:.3f} ms, p90 {p90:.3f} ms ({len(samples)} {what})",
        {"median_ms": median, "p90_ms": p90, "n": len(samples)},
    )


async def timed_sequential(n: int, warmup: int, once: Callable[[], Awaitable[Any]]) -> list[float]:
    for _ in range(warmup):
        await once()
    clock = time.perf_counter
    samples = []
    gc.disable()
    try:
        for _ in range(n):
            start = clock()
            await once()
            samples.append(clock() - start)
    finally:
        gc.enable()
    return samples


async def rate(total: int, in_flight: int, once: Callable[[], Awaitable[Any]]) -> float:
    """Requests per second when `in_flight` workers share `total` requests."""
    remaining = total

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await once()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return total / (time.perf_counter() - start)


class _Changed(aiocoap.resource.Resource):
    async def render_post(self, request: aiocoap.Message) -> aiocoap.Message:
        return aiocoap.Message(code=aiocoap.CHANGED)


class BareCoap:
    """A plain aiocoap server (POST /p answers 2.04) and client on loopback, UDP only."""

    async def __aenter__(self) -> BareCoap:
        site = aiocoap.resource.Site()
        site.add_resource(("p",), _Changed())
        self.server = await aiocoap.Context.create_server_context(
            site, bind=(LOOPBACK, 0), transports=["udp6"]
        )
        port = self.server.request_interfaces[0].token_interface.message_interface._local_port()
        self.client = await aiocoap.Context.create_client_context(transports=["udp6"])
        self.uri = f"coap://{LOOPBACK}:{port}/p"
        self.payload = cbor_payload()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.shutdown()
        await self.server.shutdown()

    async def post(self) -> None:
        message = aiocoap.Message(
            code=aiocoap.POST, uri=self.uri, payload=self.payload, content_format=60
        )
        response = await self.client.request(message).response
        assert response.code == aiocoap.CHANGED, response


# --- measurements ---------------------------------------------------------------------------


@measurement("bare_post_rtt", "bare aiocoap POST round trip", order=10)
async def bare_post_rtt(s: Settings) -> Figure:
    async with BareCoap() as bare:
        samples = await timed_sequential(s.sequential, s.warmup, bare.post)
    return latency_figure(samples, "sequential POSTs, 350-byte CBOR")


@measurement("bare_posts_per_s", "bare aiocoap POSTs/s, 50 in flight", order=11)
async def bare_posts_per_s(s: Settings) -> Figure:
    async with BareCoap() as bare:
        await rate(s.warmup, s.in_flight, bare.post)
        per_s = await rate(s.total, s.in_flight, bare.post)
    return Figure(
        f"{per_s:,.0f} POSTs/s ({s.total} POSTs, {s.in_flight} in flight, one client context)",
        {"per_s": per_s, "n": s.total},
    )


@measurement("transport_particle_rtt", "transport particle POST round trip (no node)", order=12)
async def transport_particle_rtt(s: Settings) -> Figure:
    raw = particle_bytes(350)

    async def drop(raw: bytes, remote: tuple[str, int]) -> None:
        return None

    async with CoapServer(on_particle=drop, bind=LOOPBACK, port=0) as server, CoapClient() as c:
        deadline = int(time.time() * 1000) + 3_600_000

        async def send() -> None:
            result = await c.send_particle((LOOPBACK, server.port), raw, deadline_ms=deadline)
            assert result.ok, result

        samples = await timed_sequential(s.sequential, s.warmup, send)
    figure = latency_figure(samples, f"sequential send_particle, {len(raw)}-byte particle")
    bare = RESULTS.get("bare_post_rtt")
    if bare is not None:
        ratio = figure.values["median_ms"] / bare.values["median_ms"]
        figure = Figure(f"{figure.text}; {ratio:.2f}x bare", {**figure.values, "x_bare": ratio})
    return figure


# The node's figures go here, e.g.:
#
# @measurement("one_hop_particle_rtt", "one-hop particle round trip (send, run, return)",
#              order=20)
# async def one_hop_particle_rtt(s: Settings) -> Figure:
#     ...  # start two agents on loopback; time sequential particles A -> B -> A
#     figure = latency_figure(samples, "sequential particles")
#     ratio = figure.values["median_ms"] / RESULTS["bare_post_rtt"].values["median_ms"]
#     return Figure(f"{figure.text}; {ratio:.2f}x bare", {**figure.values, "x_bare": ratio},
#                   target="<= 2x bare CoAP")
#
# and likewise "particles_per_s_50" (order 21), "start_to_ready" (30), "idle_rss" (31).


# --- main -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests (smoke run)")
    parser.add_argument("--only", nargs="+", metavar="KEY", choices=sorted(MEASUREMENTS),
                        help="run only these measurements")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args(argv)
    settings = Settings.quick() if args.quick else Settings()

    print(
        f"# edge-agent node_bench on {platform.machine()}, Python {platform.python_version()}, "
        f"aiocoap {aiocoap.meta.version}, cbor2 {_version('cbor2')}; loopback, UDP"
    )
    chosen = sorted(
        (m for m in MEASUREMENTS.values() if not args.only or m.key in args.only),
        key=lambda m: m.order,
    )
    width = max(len(m.title) for m in chosen)
    for m in chosen:
        figure = asyncio.run(m.run(settings))
        RESULTS[m.key] = figure
        target = f"  [target {figure.target}]" if figure.target else ""
        print(f"{m.title:<{width}}  {figure.text}{target}", flush=True)
    if args.json:
        print(json.dumps({k: f.values for k, f in RESULTS.items()}, indent=2))
    return 0


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


if __name__ == "__main__":
    sys.exit(main())

"""Measure the Wasm service host in one run and print medians (issue 3, "Done when").

    .venv/bin/python benchmarks/wasm_bench.py [--quick] [--metering]

Prints: a bare in-process pywasm3 call; a numeric call and a CBOR call with a 200-byte
string through the host (sync and async front ends); CPU kernels with and without fuel
instrumentation (the ratio is the metering overhead; --metering prints only those rows);
deploy (validate + instrument + load)
of a ~50 KB module; isolation: the median call of a fast service alone and while another
service spins or is flooded, with a worker per service and with one shared worker (issue 8);
and the worker's memory (skipped when firmware_services/build/ is absent). Targets: CBOR host
call <= 60 us median, metering overhead <= 1.5x, a neighbour raises the fast service's median
call by <= 2x.

A script, not a test: timings depend on the machine and on what else runs on it. The
metering ratio is made robust to that, since it must hold in every run: each call of a
kernel is timed in CPU time of the calling thread (time.thread_time), so time spent waiting
for a CPU on a busy machine is not counted (on this shared 2-core machine wall-clock ratios
of the same build ranged 0.86-1.56x for recursive fib, whose instrumentation adds three
operations per call); the plain and the metered module are loaded side by side and called
in alternating rounds (plain first in one round, metered first in the next), and the ratio
printed is the median of the rounds' ratios, so what slows a stretch of a run (another
process sharing the core's caches) slows both sides. The times printed beside it are each
side's median. Both modules are compiled by wasm3 at their first call, outside the rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cbor2
import wasm3

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from edge_agent.services.wasm import abi, instrument, validate  # noqa: E402
from edge_agent.services.wasm import host as wasm_host  # noqa: E402
from edge_agent.services.wasm.host import AsyncWasmHost, HostConfig, WasmHost  # noqa: E402
from edge_agent.services.wasm.worker import Worker  # noqa: E402

MODULES = ROOT / "tests" / "services" / "wasm" / "modules"
FIRMWARE = ROOT / "firmware_services" / "build"
TEXT_200 = "edge-agent " * 18 + "01"  # 200 bytes of ASCII
assert len(TEXT_200.encode()) == 200


def module(name: str) -> bytes:
    return (MODULES / f"{name}.wasm").read_bytes()


def median_us(samples: list[float]) -> float:
    return statistics.median(samples) * 1e6


def per_call(fn: Callable[[], Any], n: int) -> list[float]:
    """Latency of each of `n` calls, in seconds (after a short warm-up)."""
    for _ in range(min(200, n)):
        fn()
    out = []
    clock = time.perf_counter
    gc.disable()
    try:
        for _ in range(n):
            t = clock()
            fn()
            out.append(clock() - t)
    finally:
        gc.enable()
    return out


def batched(fn: Callable[[], Any], batch: int, rounds: int) -> list[float]:
    """Mean per-call time of each of `rounds` batches of `batch` calls (for sub-microsecond calls)."""
    for _ in range(batch):
        fn()
    out = []
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(batch):
            fn()
        out.append((time.perf_counter() - t) / batch)
    return out


def row(label: str, value: str, note: str = "") -> None:
    print(f"  {label:<58} {value:>14}  {note}")


# --- a ~50 KB module, built here so the figure does not depend on the firmware --------------


def _leb(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _sleb(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        done = (value == 0 and not byte & 0x40) or (value == -1 and byte & 0x40)
        out.append(byte if done else byte | 0x80)
        if done:
            return bytes(out)


def _section(sid: int, content: bytes) -> bytes:
    return bytes([sid]) + _leb(len(content)) + content


def synthetic_module(functions: int = 240) -> bytes:
    """`functions` exported (i32) -> i32 functions, each a loop of arithmetic (~140 bytes)."""
    types = _section(1, _leb(1) + b"\x60\x01\x7f\x01\x7f")
    funcs = _section(3, _leb(functions) + b"\x00" * functions)
    memory = _section(5, b"\x01\x01\x01\x02")
    exports = b"".join(
        _leb(len(f"f{i}")) + f"f{i}".encode() + b"\x00" + _leb(i) for i in range(functions)
    )
    exports = _section(7, _leb(functions) + exports)
    bodies = []
    for i in range(functions):
        code = bytearray(b"\x01\x01\x7f")  # one local i32
        code += b"\x03\x40"  # loop
        for k in range(12):
            code += b"\x20\x00\x41" + _sleb(i * 31 + k) + b"\x6a\x21\x00"  # p0 = p0 + c
            code += b"\x20\x01\x20\x00\x73\x21\x01"  # l1 ^= p0
        code += b"\x20\x00\x41\xe4\x00\x48\x0d\x00"  # br_if 0 (p0 < 100)
        code += b"\x0b\x20\x01\x0b"  # end loop; l1; end
        bodies.append(_leb(len(code)) + bytes(code))
    code_section = _section(10, _leb(functions) + b"".join(bodies))
    return b"\x00asm\x01\x00\x00\x00" + types + funcs + memory + exports + code_section


# --- the measurements ------------------------------------------------------------------------


def bare_pywasm3(quick: bool) -> float:
    env = wasm3.Environment()
    runtime = env.new_runtime(64 * 1024)
    runtime.load(env.parse_module(module("numeric")))
    add = runtime.find_function("add")
    return median_us(batched(lambda: add(1, 2), 10_000, 20 if quick else 100))


def kernels(quick: bool) -> list[tuple[str, float, float, float]]:
    """(name, plain ms, metered ms, ratio) per kernel, run in this process without the pipe:
    the medians of each side's calls in CPU time, and the median of the rounds'
    metered/plain ratios (see the module docstring)."""
    worker = Worker({})
    cases: list[tuple[str, str, str, list[Any], bool, int, bool]] = [
        ("fib(25), recursive calls", "fib", "fib", [25], False, 1, False),
        ("sieve of 65536, loops over memory", "fib", "sieve", [65536], False, 1, False),
        ("count-down loop of 10^7", "slow", "work", [10_000_000], False, 1, False),
    ]
    if (FIRMWARE / "hash.wasm").exists():
        data = cbor2.dumps([bytes(range(256)) * 64])
        cases.append(
            (
                "firmware hash.sha256 of 16 KiB",
                str(FIRMWARE / "hash.wasm"),
                "sha256",
                data,
                True,
                2,
                True,
            )
        )  # type: ignore[arg-type]
    out = []
    rounds = 5 if quick else 15
    for label, source, function, args, is_cbor, nparams, has_abi in cases:
        wasm = Path(source).read_bytes() if source.endswith(".wasm") else module(source)
        requests = {}
        for metered in (False, True):
            name = f"{function}-{metered}"
            config = {
                "stack": 128 * 1024,
                "fuel": 10**12 if metered else None,
                "fuel_exhausted": instrument.FUEL_EXHAUSTED,
                "max_reply": 1 << 20,
                "memory_pages": None,
                "abi": has_abi,
                "functions": [[function, is_cbor, nparams]],
                "kv": None,
                "kv_limits": None,
                "start": None,
            }
            loaded = instrument.instrument(wasm) if metered else wasm
            reply = worker.handle([abi.OP_LOAD, name, loaded, config])
            assert reply[0] == abi.OK, reply
            requests[metered] = [abi.OP_CALL, name, function, args]
            assert worker.handle(requests[metered])[0] == abi.OK  # compiled by wasm3 here
        times: dict[bool, list[float]] = {False: [], True: []}
        clock = time.thread_time
        for round_ in range(rounds):
            for metered in (False, True) if round_ % 2 == 0 else (True, False):
                t = clock()
                reply = worker.handle(requests[metered])
                times[metered].append(clock() - t)
                assert reply[0] == abi.OK, reply
        ratio = statistics.median(m / p for p, m in zip(times[False], times[True], strict=True))
        plain, metered = (statistics.median(times[side]) * 1000 for side in (False, True))
        out.append((label, plain, metered, ratio))
    return out


def through_sync_host(quick: bool) -> dict[str, float]:
    n = 2_000 if quick else 20_000
    with WasmHost() as host:
        host.deploy("num", module("numeric"))
        host.deploy("echo", module("cbor_echo"))
        results = {
            "numeric": median_us(per_call(lambda: host.call("num", "add", [1, 2]), n)),
            "cbor": median_us(per_call(lambda: host.call("echo", "echo", [TEXT_200]), n)),
        }
        if (FIRMWARE / "greeting.wasm").exists():
            host.deploy("greeting", (FIRMWARE / "greeting.wasm").read_bytes())
            name = TEXT_200[:193]  # "Hello, " + name + "!" = 201 bytes back
            results["greeting"] = median_us(
                per_call(lambda: host.call("greeting", "greet", [name]), n)
            )
    return results


def through_async_host(quick: bool) -> dict[str, float]:
    n = 2_000 if quick else 20_000

    async def main() -> dict[str, float]:
        async with AsyncWasmHost() as host:
            await host.deploy("num", module("numeric"))
            await host.deploy("echo", module("cbor_echo"))
            out = {}
            for key, service, function, args in (
                ("numeric", "num", "add", [1, 2]),
                ("cbor", "echo", "echo", [TEXT_200]),
            ):
                for _ in range(200):
                    await host.call(service, function, args)
                samples = []
                for _ in range(n):
                    t = time.perf_counter()
                    await host.call(service, function, args)
                    samples.append(time.perf_counter() - t)
                out[key] = median_us(samples)
            return out

    return asyncio.run(main())


def deploy_times(quick: bool) -> tuple[int, dict[str, float], str]:
    """Medians of validate, instrument and a whole deploy, interleaved round by round."""
    data = synthetic_module()
    limits = wasm_host.Limits()
    rounds = 5 if quick else 20
    stages: dict[str, list[float]] = {"validate": [], "instrument": [], "deploy": []}
    with WasmHost() as host:
        host.deploy("warm", module("numeric"))  # the worker is started outside the timing
        for _ in range(rounds):
            t = time.perf_counter()
            validate.validate(
                data, max_module_bytes=limits.max_module_bytes, max_memory_pages=limits.memory_pages
            )
            stages["validate"].append(time.perf_counter() - t)
            t = time.perf_counter()
            instrument.instrument(data)
            stages["instrument"].append(time.perf_counter() - t)
            t = time.perf_counter()
            host.deploy("big", data)
            stages["deploy"].append(time.perf_counter() - t)
        assert host.call("big", "f7", [1]) is not None
    return len(data), {k: statistics.median(v) * 1000 for k, v in stages.items()}, "synthetic"


# --- isolation (issue 8) -----------------------------------------------------------------------

NEIGHBOURS: list[tuple[str, str, str, dict[str, int], float]] = [
    # label, module, function, limits, calls per second
    ("neighbour runs out of fuel, 45 calls/s", "spin", "spin", {}, 45.0),
    (
        "neighbour passes its deadline (killed), 5 calls/s",
        "spin",
        "spin",
        {"fuel": 10**12, "deadline_ms": 100},
        5.0,
    ),
    ("neighbour flooded with quick calls, 500 calls/s", "cbor_echo", "echo", {}, 500.0),
]


async def _drive_neighbour(
    host: AsyncWasmHost, function: str, rate: float, stop: asyncio.Event
) -> int:
    """Call the neighbour at `rate` calls per second until `stop`; how many calls were made."""
    calls: set[asyncio.Task[Any]] = set()
    made = 0

    async def one() -> None:
        try:
            await host.call("neighbour", function, [TEXT_200] if function == "echo" else [])
        except wasm_host.ServiceError:
            pass  # out of fuel, past its deadline, or waited past it: that is the point

    while not stop.is_set():
        task = asyncio.create_task(one())
        calls.add(task)
        task.add_done_callback(calls.discard)
        made += 1
        await asyncio.sleep(1 / rate)
    await asyncio.gather(*calls)
    return made


async def _fast_calls(host: AsyncWasmHost, n: int) -> tuple[float, float]:
    """Median and 90th percentile of `n` calls of the fast service, in microseconds."""
    for _ in range(50):
        await host.call("fast", "add", [1, 2])
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        await host.call("fast", "add", [1, 2])
        samples.append(time.perf_counter() - t)
        await asyncio.sleep(0.002)  # spread over time, as requests come: some meet a busy neighbour
    return median_us(samples), statistics.quantiles(samples, n=10)[-1] * 1e6


def isolation(quick: bool, workers: int) -> dict[str, tuple[float, float]]:
    """The fast service's median and p90 call alone, then with each neighbour, on one host."""
    n = 200 if quick else 1000

    async def main() -> dict[str, tuple[float, float]]:
        out = {}
        async with AsyncWasmHost(HostConfig(workers=workers)) as host:
            await host.deploy("fast", module("numeric"))
            out["alone"] = await _fast_calls(host, n)
            for label, name, function, limits, rate in NEIGHBOURS:
                await host.deploy("neighbour", module(name), limits or None)
                stop = asyncio.Event()
                load = asyncio.create_task(_drive_neighbour(host, function, rate, stop))
                await asyncio.sleep(0.2)
                out[label] = await _fast_calls(host, n)
                stop.set()
                await load
                await host.remove("neighbour")
        return out

    return asyncio.run(main())


def worker_memory() -> tuple[int, int]:
    """Private (anonymous) and total resident memory of one worker with one tiny service."""
    with WasmHost() as host:
        host.deploy("tiny", module("numeric"))
        pid = host.worker_pids()[0]
        with open(f"/proc/{pid}/status") as fh:
            fields = dict(line.split(":", 1) for line in fh)
    return (int(fields["RssAnon"].split()[0]) * 1024, int(fields["VmRSS"].split()[0]) * 1024)


def firmware_rss() -> tuple[int, int, list[str]] | None:
    """RSS of one worker with a tiny service, and of one worker (wasm.workers = 1) holding
    every firmware service after one call to each (the figure includes what a call loads: the
    KV store)."""
    from tests.firmware.conftest import SAMPLE_CALLS

    paths = sorted(FIRMWARE.glob("*.wasm")) if FIRMWARE.is_dir() else []
    if not paths:
        return None
    with tempfile.TemporaryDirectory() as state:
        sensor = Path(state) / "temp"
        sensor.write_text("48312\n")
        config = HostConfig(state_dir=state, workers=1, cpu_temperature_path=str(sensor))
        with WasmHost(config) as host:
            host.deploy("empty", module("spin"))
            empty = host.stats()[0]["rss_bytes"]
            host.remove("empty")
            for path in paths:
                host.deploy(path.stem, path.read_bytes())
            for path in paths:
                if path.stem in SAMPLE_CALLS:
                    function, args = SAMPLE_CALLS[path.stem]
                    host.call(path.stem, function, args)
            (stats,) = host.stats()
            loaded = stats["rss_bytes"]
    return empty, loaded, [p.stem for p in paths]


def metering(quick: bool) -> None:
    print("Fuel metering (in-process, no pipe, CPU time): plain -> metered, median of alternating rounds")
    worst = 0.0
    for label, plain, metered, ratio in kernels(quick):
        worst = max(worst, ratio)
        row(label, f"{plain:.2f} -> {metered:.2f} ms", f"{ratio:.2f}x")
    row("worst metering overhead", f"{worst:.2f}x", "target <= 1.5x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples")
    parser.add_argument("--metering", action="store_true", help="only the fuel metering rows")
    options = parser.parse_args()
    quick = options.quick

    print(
        f"Wasm host benchmark — pywasm3 {wasm3.M3_VERSION}, Python {sys.version.split()[0]}, medians"
    )
    print()
    if options.metering:
        metering(quick)
        return 0
    print("Calls")
    bare = bare_pywasm3(quick)
    row("bare in-process pywasm3 call add(1, 2)", f"{bare:.3f} us")
    sync = through_sync_host(quick)
    row("numeric call add(1, 2) through WasmHost", f"{sync['numeric']:.1f} us")
    row(
        "CBOR call echo(200-byte string) through WasmHost",
        f"{sync['cbor']:.1f} us",
        "target <= 60 us",
    )
    if "greeting" in sync:
        row(
            "CBOR call greeting.greet(193-byte name) through WasmHost",
            f"{sync['greeting']:.1f} us",
            "(C SDK)",
        )
    asynchronous = through_async_host(quick)
    row("numeric call through AsyncWasmHost", f"{asynchronous['numeric']:.1f} us")
    row("CBOR call echo(200-byte string) through AsyncWasmHost", f"{asynchronous['cbor']:.1f} us")
    print()
    metering(quick)
    print()
    print("Deploy")
    size, stages, label = deploy_times(quick)
    row(f"validate, {size:,} B {label} module", f"{stages['validate']:.1f} ms")
    row("instrument", f"{stages['instrument']:.1f} ms")
    row("deploy = validate + instrument + load in the worker", f"{stages['deploy']:.1f} ms")
    if (FIRMWARE / "textstats.wasm").exists():
        data = (FIRMWARE / "textstats.wasm").read_bytes()
        with WasmHost() as host:
            host.deploy("warm", module("numeric"))
            samples = []
            for _ in range(3 if quick else 10):
                t = time.perf_counter()
                host.deploy("textstats", data)
                samples.append(time.perf_counter() - t)
        row(
            f"deploy firmware textstats.wasm ({len(data):,} B, Rust)",
            f"{statistics.median(samples) * 1000:.1f} ms",
        )
    print()
    print("Isolation: the fast service's median call, alone and beside a busy neighbour")
    own = isolation(quick, workers=4)
    shared = isolation(quick, workers=1)
    row("median (p90)", "own worker", "one shared worker (before); target <= 2x")
    for label, (median, p90) in own.items():
        shared_median, shared_p90 = shared[label]
        if label == "alone":
            row(label, f"{median:.0f} ({p90:.0f}) us", f"{shared_median:.0f} ({shared_p90:.0f}) us")
            continue
        mine = f"{median / own['alone'][0]:.2f}x ({p90 / own['alone'][1]:.1f}x)"
        theirs = f"{shared_median / shared['alone'][0]:.1f}x ({shared_p90 / shared['alone'][1]:.1f}x)"
        row(label, mine, theirs)
    print()
    print("Memory")
    private, resident = worker_memory()
    row(
        "one worker: private (counted per worker) / resident",
        f"{private / 2**20:.1f} / {resident / 2**20:.1f} MiB",
    )
    rss = firmware_rss()
    if rss is None:
        row(
            "worker RSS with all firmware services",
            "skipped",
            "(no firmware_services/build/*.wasm)",
        )
    else:
        empty, loaded, names = rss
        row("worker RSS, one tiny service", f"{empty / 2**20:.1f} MiB")
        met = "met" if loaded <= 15 * 2**20 else "NOT met"
        row(
            f"one worker with all {len(names)} firmware services, each called",
            f"{loaded / 2**20:.1f} MiB",
            f"{', '.join(names)} [target <= 15 MiB, issue 12: {met}]",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

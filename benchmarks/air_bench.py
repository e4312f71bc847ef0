"""AIR interpreter benchmark: time per run for a 1-call script, a fan-out, a sequential fold.

    python benchmarks/air_bench.py [--repeat N] [--quick]

Prints medians over N repetitions, measured in this run. The target (issue 2) is at most
0.25 ms per run for the 1-call script; AquaVM (compiled Rust) reports 0.55 ms per empty
particle. Incremental interpretation (issue 12) is measured against the full replay in the
same run, with the simulator: a fan-out to 200 peers with a join in at most 0.15x the full
replay's interpreter time, its total time growing at most N log N from 50 to 400 peers, and
a sequential fold of 10,000 local `op.noop` calls in under 2 s. `--quick` measures 100 and
1,000 instead (for a smoke run).
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable

from edge_agent.air import Data, RunParams, compile_script, run
from edge_agent.air import data as air_data
from edge_agent.services.base import CallResult
from edge_agent.sim import Network

ONE_CALL = '(call %init_peer_id% ("op" "noop") [])'
FANOUT = """
(seq
  (seq
    (call %init_peer_id% ("getDataSrv" "peers") [] peers)
    (fold peers p
      (par
        (call p ("peer" "identify") [] $ids)
        (next p))))
  (seq
    (new $seen
      (fold $ids x
        (seq
          (seq (ap x $seen) (canon %init_peer_id% $seen #seen))
          (xor (match #seen.length PEERS (null)) (next x)))
        (never)))
    (seq
      (canon %init_peer_id% $ids #all)
      (call %init_peer_id% ("callbackSrv" "response") [#all.length]))))
"""

FOLD = """
(seq
  (call %init_peer_id% ("getDataSrv" "xs") [] xs)
  (fold xs x (seq (call %init_peer_id% ("op" "noop") []) (next x))))
"""


def fan_out(peers: int, incremental: bool) -> tuple[int, float, float, int]:
    """Runs, total interpreter seconds, whole simulation seconds and the client's final data
    size for a fan-out to `peers` peers with a join on all of them."""
    names = ["client"] + [f"p{i:03}" for i in range(peers)]
    net = Network(names, incremental=incremental)
    t0 = time.perf_counter()
    result = net.run(
        FANOUT.replace("PEERS", str(peers)), init_peer="client", data={"peers": names[1:]},
        timestamp_ms=1_700_000_000_000, max_steps=100 * peers + 100,
    )
    wall = time.perf_counter() - t0
    assert result.responses == [[peers]], result.responses
    client = net.last_cores["client"]
    final = air_data.encode(client.data(next(iter(client.particle_ids()))))
    return result.runs, result.run_seconds, wall, len(final)


def sequential_fold(items: int, incremental: bool) -> tuple[int, float]:
    """Runs and total interpreter seconds of a fold of `items` local op.noop calls, one after
    the other (each run asks for the next call once the previous one answered)."""
    net = Network(["client"], incremental=incremental)
    result = net.run(
        FOLD, init_peer="client", data={"xs": list(range(items))}, timestamp_ms=1_700_000_000_000,
        max_steps=4 * items + 100,
    )
    assert result.quiescent and not result.failures, result.failures
    assert result.runs == items + 2, result.runs
    return result.runs, result.run_seconds


def median_us(fn: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter_ns()
        fn()
        samples.append(time.perf_counter_ns() - t0)
    return statistics.median(samples) / 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=2000)
    ap.add_argument("--quick", action="store_true", help="smaller fan-out and fold (a smoke run)")
    args = ap.parse_args()
    params = RunParams("client", "client", 1_700_000_000_000, 60_000, "bench")

    # 1-call script: the first run asks for the call; the second records its result.
    compile_script(ONE_CALL)
    first = run(ONE_CALL, Data(), Data(), params)
    key = first.call_requests[0].key
    request_us = median_us(lambda: run(ONE_CALL, Data(), Data(), params), args.repeat)
    result_us = median_us(
        lambda: run(ONE_CALL, first.data, Data(), params, {key: CallResult.success({})}), args.repeat
    )

    def cold() -> None:
        compile_script.cache_clear()
        run(ONE_CALL, Data(), Data(), params)

    cold_us = median_us(cold, args.repeat)
    codec_us = median_us(
        lambda: air_data.decode(
            air_data.encode(run(ONE_CALL, first.data, Data(), params, {key: CallResult.success({})}).data)
        ),
        args.repeat // 4,
    )

    print("AIR interpreter (median of %d runs)" % args.repeat)
    print(f"  1-call script, run that requests the call:       {request_us:8.1f} us  (target <= 250 us)")
    print(f"  1-call script, run that records the result:      {result_us:8.1f} us")
    print(f"  1-call script, cold (parse + validate + run):    {cold_us:8.1f} us")
    print(f"  data encode + decode after the call:             {codec_us:8.1f} us")
    incremental_figures(args.quick)


def incremental_figures(quick: bool) -> None:
    """Issue 12's figures: incremental runs against the full replay, in this run."""
    many, few, fold_items = (100, 25, 1_000) if quick else (200, 50, 10_000)
    print(f"Fan-out to {many} peers with join (simulator), full replay vs incremental")
    full = fan_out(many, incremental=False)
    incr = fan_out(many, incremental=True)
    for label, (runs, seconds, wall, size) in (("full replay", full), ("incremental", incr)):
        print(f"  {label}: {runs} runs, interpreter {seconds * 1000:8.1f} ms "
              f"({seconds / runs * 1e6:6.1f} us a run), whole simulation {wall * 1000:8.1f} ms, "
              f"client data {size} bytes")
    ratio = incr[1] / full[1]
    print(f"  incremental / full interpreter time:             {ratio:8.2f}x  (target <= 0.15x)")
    small, large = fan_out(few, incremental=True), fan_out(8 * few, incremental=True)
    growth = large[1] / small[1]
    bound = (8 * few * math.log(8 * few)) / (few * math.log(few))
    print(f"  incremental, {few} -> {8 * few} peers: total time x{growth:.1f}  "
          f"(target <= x{bound:.1f}, N log N; N^2 would be x64)")
    print("Sequential fold of local op.noop calls (simulator)")
    reference = max(fold_items // 10, 100)
    runs, seconds = sequential_fold(reference, incremental=False)
    print(f"  {reference:6d} calls, full replay:                    {seconds * 1000:8.1f} ms, {runs} runs")
    runs, seconds = sequential_fold(reference, incremental=True)
    print(f"  {reference:6d} calls, incremental:                    {seconds * 1000:8.1f} ms, {runs} runs")
    runs, seconds = sequential_fold(fold_items, incremental=True)
    print(f"  {fold_items:6d} calls, incremental:                    {seconds * 1000:8.1f} ms, {runs} runs"
          f"  (target < 2000 ms for 10000)")


if __name__ == "__main__":
    main()

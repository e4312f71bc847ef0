"""AIR interpreter benchmark: time per run for a 1-call script, and a fan-out to 100 peers.

    python benchmarks/air_bench.py [--repeat N]

Prints medians over N repetitions, measured in this run. The target (issue 2) is at most
0.25 ms per run for the 1-call script; AquaVM (compiled Rust) reports 0.55 ms per empty
particle.
"""

from __future__ import annotations

import argparse
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
          (xor (match #seen.length 100 (null)) (next x)))
        (never)))
    (seq
      (canon %init_peer_id% $ids #all)
      (call %init_peer_id% ("callbackSrv" "response") [#all.length]))))
"""


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

    # Fan-out to 100 peers, join, collect: total interpreter time over all peers.
    peers = ["client"] + [f"p{i:03}" for i in range(100)]
    net = Network(peers)
    t0 = time.perf_counter()
    result = net.run(FANOUT, init_peer="client", data={"peers": peers[1:]}, timestamp_ms=1_700_000_000_000)
    wall = time.perf_counter() - t0
    assert result.responses == [[100]], result.responses
    client = net.last_cores["client"]
    final = air_data.encode(client.data(next(iter(client.particle_ids()))))

    print("AIR interpreter (median of %d runs)" % args.repeat)
    print(f"  1-call script, run that requests the call:       {request_us:8.1f} us  (target <= 250 us)")
    print(f"  1-call script, run that records the result:      {result_us:8.1f} us")
    print(f"  1-call script, cold (parse + validate + run):    {cold_us:8.1f} us")
    print(f"  data encode + decode after the call:             {codec_us:8.1f} us")
    print("Fan-out to 100 peers with join (simulator)")
    print(f"  interpreter runs:                                {result.runs:8d}")
    print(f"  total interpreter time:                          {result.run_seconds * 1000:8.1f} ms")
    mean_us = result.run_seconds / result.runs * 1e6
    print(f"  mean per run:                                    {mean_us:8.1f} us")
    print(f"  whole simulation (incl. codec, services):        {wall * 1000:8.1f} ms, {result.hops} hops")
    print(f"  data size on the client after it:                {len(final):8d} bytes")


if __name__ == "__main__":
    main()

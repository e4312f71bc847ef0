"""cbor2's C extension against its pure-Python fallback, in one run (issue 14).

    python benchmarks/cbor_bench.py [--repeat N]

Runs itself twice in child processes, the second with cbor2's C extension blocked (as on a
device where pip installed cbor2's py3-none-any wheel), and prints per implementation:

- the fan-out simulation of benchmarks/air_bench.py (100 peers; every hop encodes and
  decodes the particle data, as on the wire): wall time, and the part spent in the data
  codec (`air.data.encode` / `decode`);
- a particle carrying the client's final data: `particle.encode` + `particle.decode`, and
  `cborutil.loads_one` of the data alone;

then the ratio pure/C of each. A script, not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent


def measure(repeat: int) -> dict[str, object]:
    """The figures for the cbor2 this process runs."""
    sys.path.insert(0, str(HERE))
    import air_bench  # the fan-out script, its data and timing, as air_bench has them

    from edge_agent import cborutil, identity, particle, sim
    from edge_agent.air import data as air_data

    in_codec = [0]
    real_encode, real_decode = air_data.encode, air_data.decode

    def timed(fn: Callable[..., object]) -> Callable[..., object]:
        def run(*args: object, **kwargs: object) -> object:
            t0 = time.perf_counter_ns()
            try:
                return fn(*args, **kwargs)
            finally:
                in_codec[0] += time.perf_counter_ns() - t0

        return run

    peers = ["client"] + [f"p{i:03}" for i in range(100)]
    walls, codecs = [], []
    for _ in range(max(repeat // 100, 3)):
        in_codec[0] = 0
        air_data.encode, air_data.decode = timed(real_encode), timed(real_decode)  # type: ignore[assignment]
        try:
            t0 = time.perf_counter_ns()
            sim.Network(peers).run(
                air_bench.FANOUT, init_peer="client", data={"peers": peers[1:]},
                timestamp_ms=1_700_000_000_000,
            )
            walls.append(time.perf_counter_ns() - t0)
        finally:
            air_data.encode, air_data.decode = real_encode, real_decode  # type: ignore[assignment]
        codecs.append(in_codec[0])
    data = air_data.encode(air_bench._client_data(sim.Network(peers), peers))
    keypair = identity.KeyPair.generate()
    raw = particle.encode(particle.Particle.create(keypair, air_bench.FANOUT, data))
    return {
        "implementation": cborutil.implementation(),
        "fanout_ms": statistics.median(walls) / 1e6,
        "fanout_codec_ms": statistics.median(codecs) / 1e6,
        "data_bytes": len(data),
        "particle_codec_us": air_bench.median_us(
            lambda: particle.encode(particle.decode(raw, max_bytes=len(raw))),
            repeat,
        ),
        "loads_one_us": air_bench.median_us(lambda: cborutil.loads_one(data), repeat),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=500)
    ap.add_argument("--child", choices=["installed", "pure"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        if args.child == "pure":
            sys.modules["_cbor2"] = None  # type: ignore[assignment]
        print(json.dumps(measure(args.repeat)))
        return
    rows = []
    for which in ("installed", "pure"):
        out = subprocess.run(
            [sys.executable, __file__, "--child", which, "--repeat", str(args.repeat)],
            check=True, capture_output=True, text=True,
        ).stdout
        rows.append(json.loads(out))
    c, py = rows
    print(f"cbor2 implementations (medians; data of {c['data_bytes']} bytes after the fan-out)")
    print(f"  {'':44} {c['implementation']:>14} {py['implementation']:>14}  ratio")
    for key, label, unit in (
        ("fanout_ms", "fan-out simulation, 100 peers, wall", "ms"),
        ("fanout_codec_ms", "  of which in the data codec", "ms"),
        ("particle_codec_us", "particle encode + decode with that data", "us"),
        ("loads_one_us", "loads_one of that data", "us"),
    ):
        a, b = float(c[key]), float(py[key])  # type: ignore[arg-type]
        print(f"  {label:44} {a:11.1f} {unit} {b:11.1f} {unit}  {b / a:5.2f}x")


if __name__ == "__main__":
    main()

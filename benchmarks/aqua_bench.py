"""Aqua compiler benchmark: our compile time against Fluence's compiler, same files, one run.

    python benchmarks/aqua_bench.py [--repeat N] [--oracle /work/shared/oracle/sim.mjs]

Compiles the Aqua programs of the test corpus and a generated 300-line program with
edge_agent.aqua (median over N), and, when Node.js and the oracle of ../shared/oracle are
installed, with Fluence's compiler (`@fluencelabs/aqua-api` 0.14, warmed up, median over
N) on the same sources, and prints the ratio. Also times `edge-agent compile` of a
100-line file as a new process, start-up included. Targets (issue 10): ours at most 0.1x
Fluence's time; the command under 0.3 s.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from edge_agent.aqua import compile_source

ROOT = Path(__file__).resolve().parents[1]
NODE_TIMER = """
import { compileAqua } from %s;
const [sources, repeat] = JSON.parse(process.argv[1]);
const out = {};
for (const [name, [text, func]] of Object.entries(sources)) {
  await compileAqua(text, func);  // warm-up: loading and JIT are not compile time
  const times = [];
  for (let i = 0; i < repeat; i++) {
    const t = process.hrtime.bigint();
    await compileAqua(text, func);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  out[name] = times[Math.floor(times.length / 2)];
}
console.log(JSON.stringify(out));
"""


def program(functions: int) -> str:
    """A generated program: `functions` functions of ~11 lines, and a main calling them all."""
    parts = ['aqua Big\n\nimport "@fluencelabs/aqua-lib/builtin.aqua"\n\nexport main\n']
    for i in range(functions):
        parts.append(f"func step{i}(p: string, xs: []string) -> []string:\n    res: *string\n"
                     "    for x <- xs par:\n        on p:\n"
                     f'            r <- Op.concat_strings(x, "{i}")\n            res <<- r\n'
                     "    join res[1]\n    <- res\n")
    calls = "".join(f"    a{i} <- step{i}(p, xs)\n" for i in range(functions))
    parts.append(f"func main(p: string, xs: []string) -> []string:\n{calls}    <- a{functions - 1}\n")
    return "\n".join(parts)


def sources() -> dict[str, tuple[str, str]]:
    """name -> (Aqua text, function) for every program measured."""
    out: dict[str, tuple[str, str]] = {}
    for case in sorted(p.parent for p in (ROOT / "tests" / "aqua" / "corpus").glob("*/input.json")):
        if len(list(case.glob("*.aqua"))) > 1:
            continue  # it imports a file of its own: both compilers are timed on one text
        spec = json.loads((case / "input.json").read_text())
        out[case.name] = ((case / "main.aqua").read_text(), spec["aqua"]["func"])
    out["generated-300-lines"] = (program(26), "main")
    return out


def ours(srcs: dict[str, tuple[str, str]], repeat: int) -> dict[str, float]:
    result = {}
    for name, (text, func) in srcs.items():
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            compile_source(text, func)
            times.append((time.perf_counter() - t) * 1000)
        result[name] = statistics.median(times)
    return result


def fluence(srcs: dict[str, tuple[str, str]], repeat: int, oracle: Path) -> dict[str, float] | None:
    if shutil.which("node") is None or not oracle.is_file():
        return None
    script = NODE_TIMER % json.dumps(oracle.as_uri())
    done = subprocess.run(["node", "--input-type=module", "-e", script, json.dumps([srcs, repeat])],
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        print(f"Fluence's compiler did not run: {done.stderr.strip()[-300:]}", file=sys.stderr)
        return None
    result: dict[str, float] = json.loads(done.stdout)
    return result


def cli_wall(lines_target: int = 100) -> float:
    text = program(max(1, lines_target // 11))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.aqua"
        path.write_text(text)
        t = time.perf_counter()
        out = str(path.with_suffix(".air"))
        command = [sys.executable, "-m", "edge_agent", "compile", str(path), "-o", out]
        subprocess.run(command, check=True, timeout=60)
        return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--oracle", type=Path, default=ROOT.parent / "shared" / "oracle" / "sim.mjs")
    args = ap.parse_args()
    srcs = sources()
    mine = ours(srcs, args.repeat)
    theirs = fluence(srcs, args.repeat, args.oracle)
    print(f"{'program':32} {'ours ms':>9} {'Fluence ms':>11} {'ratio':>7}")
    for name in srcs:
        if theirs is None:
            print(f"{name:32} {mine[name]:9.2f} {'-':>11} {'-':>7}")
        else:
            print(f"{name:32} {mine[name]:9.2f} {theirs[name]:11.2f} {mine[name] / theirs[name]:7.3f}")
    if theirs is not None:
        total = sum(mine.values()) / sum(theirs.values())
        print(f"total ratio (target <= 0.1): {total:.3f}")
    print(f"edge-agent compile of a 100-line file, start-up included (target < 0.3 s): {cli_wall():.3f} s")


if __name__ == "__main__":
    main()

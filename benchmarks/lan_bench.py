"""A LAN of N real agents (issue 12): discovery, mDNS at rest, idle CPU, a fan-out and join.

    .venv/bin/python benchmarks/lan_bench.py [--agents 10 30 100] [--window 30] [--json]

For each N, in network namespaces on one bridge (tests/support/lan_agents.py; needs root
and iproute2), N agents (``python -m edge_agent serve``, mDNS on) start in parallel batches
and a laptop namespace measures:

1. discovery: from the last agent serving until every agent's /status (polled over CoAP
   from the laptop) lists every other agent; target <= 30 s;
2. mDNS at rest: the mDNS packets each agent sends into the bridge over `--window` s right
   after that, counted on the bridge; targets: no agent above 1 packet/s (RFC 6762 §6: a
   record at most once a second; at rest a responder has nothing new to say and a browser's
   query intervals at least double, §5.2), and flat in N: the per-agent rate at the largest
   N at most twice that at the smallest N, or under 0.05/s (no per-peer periodic queries);
3. idle CPU of the agents together (and their children) over the same window, from
   /proc/<pid>/stat; target <= 0.5% of a core per agent;
4. a fan-out and join from the laptop to all N (``edge-agent run`` of
   tests/support/lan_fanout.air with ``--peers devices=`` all of them: fold + par, and a
   join on the answers' count): every answer back, wall time of the command (a cold CLI
   start included) < 10 s;
5. the same with every tenth agent SIGKILLed as the run starts: the others' answers and an
   error 14 (unreachable) for each killed one, < 10 s.

Each line gives the figure, its target and met / NOT met. A script, not a test: figures
depend on this machine and on what else runs on it (the load average is printed); run it
with `nice` on a shared machine. Every process started is stopped and every namespace
removed, also on failure or Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.lan_agents import LanAgents  # noqa: E402
from tests.support.netns import netns_unavailable_reason  # noqa: E402

DISCOVERY_TARGET_S = 30.0
MDNS_MAX_PER_AGENT_S = 1.0
MDNS_FLAT_FACTOR = 2.0
MDNS_FLAT_FLOOR_S = 0.05
CPU_TARGET_PERCENT_PER_AGENT = 0.5
FAN_OUT_TARGET_S = 10.0
FAN_OUT_TIMEOUT_S = 30.0
"""The fan-out's --timeout: wider than the target, so that a slow run is measured, not cut."""


@dataclass
class Figure:
    key: str
    text: str
    target: str
    met: bool | None
    values: dict[str, Any] = field(default_factory=dict)

    def line(self, n: int) -> str:
        verdict = {True: "met", False: "NOT met", None: "not judged"}[self.met]
        return f"N={n:<4} {self.text}  [target {self.target}: {verdict}]"


def measure(n: int, window: float, workdir: Path) -> list[Figure]:
    """All figures for N agents (one LAN, made and removed here)."""
    figures: list[Figure] = []
    with LanAgents(n, workdir) as lan:
        conv = lan.start(timeout=DISCOVERY_TARGET_S * 2)
        figures.append(Figure(
            "discovery",
            f"every agent knew all {n - 1} others {conv.seconds:.1f} s after the last one served "
            f"({conv.seconds_from_spawn:.1f} s after the first was spawned; "
            f"{len(conv.missing)} never did)",
            f"<= {DISCOVERY_TARGET_S:g} s", conv.converged and conv.seconds <= DISCOVERY_TARGET_S,
            {"seconds": conv.seconds, "from_spawn_s": conv.seconds_from_spawn,
             "start_s": conv.served_at - conv.spawned_at, "missing": len(conv.missing)},
        ))
        rest = lan.rest(window)
        figures.append(Figure(
            "mdns",
            f"mDNS at rest: {rest.packets_per_agent_s:.3f} packets/s per agent, the busiest "
            f"{rest.max_packets_per_agent_s:.2f}/s ({sum(rest.packets.values())} packets, "
            f"{sum(rest.octets.values())} bytes in {rest.seconds:.0f} s)",
            f"<= {MDNS_MAX_PER_AGENT_S:g}/s per agent, flat in N",
            rest.max_packets_per_agent_s <= MDNS_MAX_PER_AGENT_S,
            {"per_agent_s": rest.packets_per_agent_s, "max_s": rest.max_packets_per_agent_s,
             "packets": sum(rest.packets.values()), "bytes": sum(rest.octets.values())},
        ))
        per_agent = rest.cpu_percent / n
        figures.append(Figure(
            "cpu",
            f"idle CPU: {rest.cpu_percent:.2f}% of one core for all {n} agents together "
            f"({per_agent:.3f}% each)",
            f"<= {CPU_TARGET_PERCENT_PER_AGENT:g}% per agent",
            per_agent <= CPU_TARGET_PERCENT_PER_AGENT,
            {"percent": rest.cpu_percent, "per_agent_percent": per_agent},
        ))
        figures.append(_fan_out(lan, n, []))
        figures.append(_fan_out(lan, n, list(range(0, n, 10))))
    return figures


def _fan_out(lan: LanAgents, n: int, kill: list[int]) -> Figure:
    done = lan.fan_out(kill=kill, timeout_s=FAN_OUT_TIMEOUT_S)
    killed = {lan.ids[i] for i in kill}
    complete = (
        done.answered() == set(lan.ids) - killed
        and done.unreachable() == len(killed)
        and len(done.answers) == n
    )
    what = "fan-out + join" + (f", {len(kill)} killed as it starts" if kill else "")
    text = (
        f"{what}: {len(done.answered())} answers + {done.unreachable()} unreachable (error 14) "
        f"of {n} in {done.seconds:.1f} s (exit {done.returncode})"
    )
    return Figure(
        "fan_out_killed" if kill else "fan_out", text,
        f"every answer{' or error 14' if kill else ''} in < {FAN_OUT_TARGET_S:g} s",
        complete and done.seconds < FAN_OUT_TARGET_S,
        {"seconds": done.seconds, "answers": len(done.answered()),
         "unreachable": done.unreachable(), "exit": done.returncode},
    )


def judge_flat(results: dict[int, list[Figure]]) -> str | None:
    """Judge the mDNS rate's flatness across N (same run); the line saying so, if N varied."""
    rates = {n: next(f for f in figs if f.key == "mdns").values["per_agent_s"]
             for n, figs in results.items()}
    if len(rates) < 2:
        return None
    low, high = min(rates), max(rates)
    flat = rates[high] <= max(MDNS_FLAT_FACTOR * rates[low], MDNS_FLAT_FLOOR_S)
    for figs in results.values():
        mdns = next(f for f in figs if f.key == "mdns")
        mdns.met = bool(mdns.met) and flat
    verdict = "met" if flat else "NOT met"
    return (
        f"mDNS per agent at rest, N={high} vs N={low}: {rates[high]:.3f} vs {rates[low]:.3f} "
        f"packets/s  [target <= {MDNS_FLAT_FACTOR:g}x or < {MDNS_FLAT_FLOOR_S}/s: {verdict}]"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=int, nargs="+", default=[10, 30, 100],
                        help="the numbers of agents to measure (each a LAN of its own)")
    parser.add_argument("--window", type=float, default=30.0,
                        help="seconds of rest over which mDNS packets and CPU are counted")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args(argv)
    reason = netns_unavailable_reason()
    if reason:
        print(f"lan_bench needs network namespaces: {reason}", file=sys.stderr)
        return 2
    if any(not 2 <= n <= 199 for n in args.agents):
        parser.error("--agents: each N is 2 to 199")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}, "
          f"{os.cpu_count()} CPUs", flush=True)
    results: dict[int, list[Figure]] = {}
    for n in args.agents:
        t0 = time.monotonic()
        with tempfile.TemporaryDirectory(prefix=f"lan-bench-{n}-") as tmp:
            results[n] = measure(n, args.window, Path(tmp))
        for figure in results[n]:
            print(figure.line(n), flush=True)
        print(f"N={n:<4} ({time.monotonic() - t0:.0f} s in all; load average now "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())})", flush=True)
    flat = judge_flat(results)
    if flat:
        print(flat)
    if args.json:
        print(json.dumps({str(n): {f.key: {**f.values, "met": f.met} for f in figs}
                          for n, figs in results.items()}, indent=2))
    return 0 if all(f.met for figs in results.values() for f in figs) else 1


if __name__ == "__main__":
    sys.exit(main())

"""A LAN of N real agents (issue 12), for tests/scale and benchmarks/lan_bench.py.

`LanAgents(n, workdir)` makes a `NetnsLan` of n + 1 namespaces: agents 0..n-1 each run
``python -m edge_agent serve`` (CoAP on 5683, mDNS on, configured by init's defaults plus a
name and the laptop's id as trusted), and namespace n is the laptop, which runs the CLI and
the probes (tests/support/lan_probe.py). What it measures:

- `start`: agents started in parallel batches; the laptop's probe polls each one's /status
  from before the first start until every agent lists every other as a peer (`Convergence`);
- `rest`: over a window, the mDNS packets each agent sends (counted on the bridge) and the
  CPU time the agents (and any child of theirs) use (`Rest`);
- `fan_out`: ``edge-agent run`` of tests/support/lan_fanout.air from the laptop to all of
  them (``--peers devices=...``), optionally SIGKILLing some agents as it starts (`FanOut`).

Every wait is bounded; `close` (or leaving the ``with`` block) stops every process and
removes every namespace, also on failure. Test support only: needs root and iproute2.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.netns import NetnsLan, NetnsProcess

CLI = [sys.executable, "-m", "edge_agent"]
PORT = 5683
FAN_OUT_AIR = Path(__file__).with_name("lan_fanout.air")

START_BATCH = 20
"""Agents started at once: each start is ~0.5 s of one core's CPU (imports), so a batch of 20
on 2 cores is a few seconds, and batches overlap nothing but the previous batch's mDNS."""

START_TIMEOUT_S = 60.0
"""Longest one batch may take until each of its agents says it serves, in seconds."""

CLI_TIMEOUT_S = 120.0
"""Longest a laptop command may take beyond its own --timeout, in seconds."""

UNREACHABLE = "ret_code is 14"
"""What the message of a call on an unreachable peer says (error 14, docs/cli.md#run)."""

_CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class Convergence:
    """When (monotonic s) the first agent was spawned, the last one served, and each knew all."""

    spawned_at: float
    served_at: float
    complete: dict[str, float]
    missing: dict[str, list[str]]
    """For each agent that never knew everybody: the peers it did not know."""

    @property
    def converged(self) -> bool:
        return not self.missing

    @property
    def seconds(self) -> float:
        """From the last agent serving until every agent knew every other."""
        return max(self.complete.values(), default=self.served_at) - self.served_at

    @property
    def seconds_from_spawn(self) -> float:
        return max(self.complete.values(), default=self.spawned_at) - self.spawned_at


@dataclass(frozen=True, slots=True)
class Rest:
    """What the agents did over `seconds` at rest."""

    seconds: float
    packets: dict[int, int]
    """mDNS packets sent, by agent index (agents that sent none are absent)."""
    octets: dict[int, int]
    cpu_seconds: float
    """CPU time (user + system) of all the agents and their children together."""
    agents: int

    @property
    def packets_per_agent_s(self) -> float:
        return sum(self.packets.values()) / self.agents / self.seconds

    @property
    def max_packets_per_agent_s(self) -> float:
        return max(self.packets.values(), default=0) / self.seconds

    @property
    def cpu_percent(self) -> float:
        """The agents' CPU together, in percent of one core."""
        return 100.0 * self.cpu_seconds / self.seconds


@dataclass(frozen=True, slots=True)
class FanOut:
    """One ``edge-agent run`` of the fan-out: its exit code, wall time and answers."""

    returncode: int
    seconds: float
    answers: list[str]
    """The joined values: ``ok <peer id>`` from each device that answered, else an error."""
    output: str

    def answered(self) -> set[str]:
        return {a.removeprefix("ok ") for a in self.answers if a.startswith("ok ")}

    def unreachable(self) -> int:
        return sum(UNREACHABLE in a for a in self.answers)


class LanAgents:
    """N agents and a laptop on one bridge; see the module docstring. Use as a context manager."""

    def __init__(self, agents: int, workdir: Path, *, batch: int = START_BATCH) -> None:
        self.n = agents
        self.workdir = workdir
        self.batch = batch
        self.lan = NetnsLan(agents + 1)
        self.laptop = agents
        self.laptop_env = {"EDGE_AGENT_HOME": str(workdir / "laptop")}
        self.ids: list[str] = []
        self.configs: list[Path] = []
        self.procs: list[NetnsProcess | None] = [None] * agents

    def __enter__(self) -> LanAgents:
        self.lan.create()
        try:
            self._init()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> list[str]:
        """Stop every process and remove every namespace; the namespaces left (normally none).

        SIGTERM goes to every process first, so that 100 agents shut down (goodbyes sent)
        together rather than one after another; `NetnsLan.close` then reaps them, SIGKILLing
        any that linger."""
        for proc in self.lan.processes:
            proc.signal(signal.SIGTERM)
        return self.lan.close()

    def _init(self) -> None:
        """What ``edge-agent init --trust LAPTOP`` writes, for each agent, in this process."""
        from edge_agent.config import CoapConfig, Config, DiscoveryConfig
        from edge_agent.store import StateDir

        laptop = StateDir(self.workdir / "laptop" / "client").load_or_create_identity()
        for i in range(self.n):
            home = self.workdir / f"agent{i}"
            config = Config(
                state_dir=home / "state",
                coap=CoapConfig(port=PORT),
                discovery=DiscoveryConfig(instance_name=f"agent{i}"),
            )
            state = StateDir(config.state_dir)
            self.ids.append(state.load_or_create_identity().peer_id)
            state.trust(laptop.peer_id)
            path = home / "config.toml"
            path.write_text(config.to_toml())
            self.configs.append(path)

    # --- start and convergence -------------------------------------------------------------

    def start(self, timeout: float) -> Convergence:
        """Start the probe, then every agent (in batches), and wait until every agent knows
        every other, or `timeout` s after the last one serves."""
        budget = (self.n // self.batch + 1) * START_TIMEOUT_S + timeout
        targets = [f"{self.lan.peers[i].ipv4}={self.ids[i]}" for i in range(self.n)]
        poller = self.lan.spawn_python(
            self.laptop, "-m", "tests.support.lan_probe", "poll",
            repr(time.monotonic() + budget), *targets,
        )
        spawned_at = time.monotonic()
        for first in range(0, self.n, self.batch):
            batch = range(first, min(first + self.batch, self.n))
            for i in batch:
                self.procs[i] = self.lan.spawn(i, [*CLI, "serve", "--config", str(self.configs[i])])
            for i in batch:
                proc = self.procs[i]
                assert proc is not None
                proc.wait_for(r"serving as 12D3KooW", timeout=START_TIMEOUT_S)
        served_at = time.monotonic()
        # The probe's own deadline was set for the worst case; end it `timeout` s from now.
        result = _json_line(poller, served_at + timeout - time.monotonic())
        complete = {pid: float(t) for pid, t in result.get("complete", {}).items()}
        reported = result.get("peers", {})
        missing = {
            pid: sorted(set(self.ids) - {pid} - set(reported.get(pid, [])))
            for pid in self.ids if pid not in complete
        }
        return Convergence(spawned_at, served_at, complete, missing)

    # --- at rest -----------------------------------------------------------------------------

    def rest(self, seconds: float) -> Rest:
        """Count mDNS packets on the bridge and the agents' CPU time over `seconds`."""
        capture = self.lan.spawn_python(
            self.lan.hub, "-m", "tests.support.lan_probe", "capture", repr(seconds)
        )
        capture.wait_for(r'"ready"', timeout=30.0)
        cpu0 = self.cpu_seconds()
        t0 = time.monotonic()
        result = json.loads(capture.wait_for(r'"packets"', timeout=seconds + 30.0))
        cpu = self.cpu_seconds() - cpu0
        elapsed = time.monotonic() - t0
        capture.stop()
        return Rest(
            seconds=max(elapsed, float(result["seconds"])),
            packets={int(k): v for k, v in result["packets"].items()},
            octets={int(k): v for k, v in result["bytes"].items()},
            cpu_seconds=cpu,
            agents=self.n,
        )

    def cpu_seconds(self) -> float:
        """User + system CPU time, in seconds, of every running agent and its descendants."""
        roots = {p.pid for p in self.procs if p is not None and p.returncode is None}
        return sum(_cpu_ticks(pid) for pid in _descendants(roots)) / _CLK_TCK

    # --- fan-out -----------------------------------------------------------------------------

    def fan_out(self, *, kill: Sequence[int] = (), timeout_s: float = 30.0) -> FanOut:
        """``edge-agent run`` the fan-out from the laptop to every agent; SIGKILL the agents
        `kill` (no goodbye) as it starts."""
        ids = ",".join(self.ids)
        argv = [
            *CLI, "run", str(FAN_OUT_AIR), "--peers", f"devices={ids}",
            "--data", json.dumps({"n": self.n}), "--json", "--timeout", str(timeout_s),
        ]
        t0 = time.monotonic()
        proc = self.lan.spawn(self.laptop, argv, env=self.laptop_env)
        for i in kill:
            self.kill(i)
        try:
            proc.popen.wait(timeout_s + CLI_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.stop()
        seconds = time.monotonic() - t0
        code = proc.stop()
        out = "\n".join(proc.lines)
        try:
            responses = json.loads(out).get("responses") or []
        except ValueError:
            responses = []
        first = responses[0] if responses and isinstance(responses[0], list) else []
        answers = first[0] if first and isinstance(first[0], list) else []
        return FanOut(code, seconds, [str(a) for a in answers], out + "\n" + proc.stderr)

    def kill(self, i: int) -> None:
        """SIGKILL agent i: no goodbye, no clean shutdown."""
        proc = self.procs[i]
        if proc is None:
            return
        proc.signal(signal.SIGKILL)
        proc.stop()
        self.procs[i] = None


def _json_line(proc: NetnsProcess, timeout: float) -> dict[str, Any]:
    """The JSON line the probe `proc` prints, waiting at most `timeout` s; then SIGINT asks it
    to print what it has at once."""
    try:
        return dict(json.loads(proc.wait_for(r"^\{", timeout=max(timeout, 0.1))))
    except TimeoutError:
        proc.signal(signal.SIGINT)
        return dict(json.loads(proc.wait_for(r"^\{", timeout=30.0)))


def _descendants(roots: set[int]) -> Iterator[int]:
    """`roots` and every process below them (read from /proc once)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat:
                children.setdefault(int(stat[1]), []).append(int(entry))
    todo = list(roots)
    while todo:
        pid = todo.pop()
        yield pid
        todo.extend(children.get(pid, ()))


def _stat(pid: int) -> list[str]:
    """Fields of /proc/PID/stat after the command name (state, ppid, ...), or [] if gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return []
    return text[text.rindex(")") + 2:].split()


def _cpu_ticks(pid: int) -> int:
    stat = _stat(pid)
    return int(stat[11]) + int(stat[12]) if stat else 0  # utime, stime (fields 14, 15)

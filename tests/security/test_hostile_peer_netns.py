"""Attacks 3, 4 (particle data) and the replay of 6 (issue 8), by a hostile peer on a real LAN.

Four network namespaces on one bridge: the victim (`edge-agent init --trust LAPTOP` and
`edge-agent serve`, mDNS on, a real process the test spawned), the attacker (Python with
edge_agent's own API: `tests.support.hostile` crafts particles signed by fresh stranger
keys and POSTs them), the trusted laptop (the CLI: `edge-agent call`, `deploy`), and a
prober that polls the victim's /status while an attack runs. Each attack must fail: the
victim keeps answering (every poll, within a generous 2 s: the issue's 250 ms is measured
by benchmarks/security_bench.py, not asserted), counts what it refused, keeps its memory
(RSS, from /proc) well under the unit's MemoryMax=256M, and serves the laptop meanwhile.

The LAN and the victim are made once for the module (setup is most of the cost) and
removed at its end, also on failure; every wait is bounded; every attack process stops by
itself after a bounded count or time, and the LAN stops whatever is left.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.support.netns import CI_ENV, NetnsLan, NetnsProcess, netns_unavailable_reason
from tests.support.timescale import TIME_SCALE, scaled

CLI = [sys.executable, "-m", "edge_agent"]
HOSTILE = ["-m", "tests.support.hostile"]
FIRMWARE = Path(__file__).resolve().parents[2] / "firmware_services" / "build"
VICTIM, ATTACKER, LAPTOP, PROBER = range(4)
PORT = 5683
IN_PROGRESS, REPLAY_TABLE = 64, 256
"""The victim's `particles.max_in_progress` and `max_finished`: the replay attack must
overflow both, which the defaults (1,024 and 16,384) would take some 14,000 strangers'
particles to do, over two minutes at the transport's rate for strangers; the rules are the
same at any size."""
MEMORY_MAX_MB = 256
RSS_LIMIT_MB = 150
"""What the victim (with its Wasm workers) may hold under the memory attacks: well under
the unit's MemoryMax."""
START_TIMEOUT_S = scaled(30.0)
CLI_TIMEOUT_S = scaled(60.0)
WAIT_S = scaled(30.0)
"""Longest wait for the victim's counters to show an attack's outcome."""
VICTIM_NICE = -10
"""The victim's nice value: on this (shared, possibly busy) machine it stands for a device
whose CPU is the agent's, not the attacker's nor the other tests'."""
QUIET_S = 1.0
"""How long the victim's traffic counters must stand still for it to count as settled."""
POLL_TIMEOUT_S = scaled(2.0)
"""Each /status poll must be answered within this (a generous bound, not the target). The
prober runs on the same CPU, so on a slow one its own share of each poll is slower too: the
bound stretches with the waits (at a tenth of a core, polls reached 1.9-2.0 s; emulated, the
prober's CoAP exchange alone is 10-30 times slower)."""


class Lan:
    """The module's LAN: the victim's agent, and ways to attack, probe and call it."""

    def __init__(self, lan: NetnsLan, tmp: Path) -> None:
        self.lan = lan
        self.tmp = tmp
        self.laptop_env = {"EDGE_AGENT_HOME": str(tmp / "laptop")}
        self.config = tmp / "victim" / "config.toml"
        self.victim_id = ""
        self.laptop_id = ""
        self.victim: NetnsProcess | None = None
        self.watcher: NetnsProcess | None = None
        self.address = f"{lan.peers[VICTIM].ipv4}:{PORT}"

    def start(self) -> None:
        done = self.lan.run(LAPTOP, [*CLI, "id", "--json"], env=self.laptop_env, timeout=CLI_TIMEOUT_S)
        self.laptop_id = json.loads(done.stdout)["peer_id"]
        done = self.lan.run(VICTIM, [*CLI, "init", "--config", str(self.config), "--state-dir",
                                     str(self.config.parent / "state"), "--port", str(PORT), "--name",
                                     "victim", "--trust", self.laptop_id, "--json"], timeout=CLI_TIMEOUT_S)
        self.victim_id = json.loads(done.stdout)["peer_id"]
        # Tables the attacker can overflow in seconds. Log level warning: a flood's log lines
        # would measure this test's pipe reader (benchmarks/security_bench.py runs with info).
        text = self.config.read_text()
        settings = {"max_in_progress": IN_PROGRESS, "max_finished": REPLAY_TABLE, "log_level": '"warning"'}
        for key, value in settings.items():
            text, n = re.subn(rf"(?m)^{key} = .*$", f"{key} = {value}", text)
            assert n == 1, text
        self.config.write_text(text)
        # At a higher priority than the test's own processes (the attacker, the prober, the
        # laptop) and whatever else runs here: a device's CPU is its own.
        self.victim = self.lan.spawn(VICTIM, ["nice", "-n", str(VICTIM_NICE), *CLI, "serve", "--config",
                                              str(self.config)])
        self.victim.wait_for(r"serving as 12D3KooW", timeout=START_TIMEOUT_S)
        self.watcher = self.hostile(PROBER, "watch", "--interval", "0.2", "--timeout", "5", "--max-s", "600")

    # --- the attacker and the prober ---------------------------------------------------------

    def hostile(self, where: int, attack: str, *args: str) -> NetnsProcess:
        """Start `python -m tests.support.hostile ATTACK` against the victim in a namespace."""
        return self.lan.spawn_python(where, *HOSTILE, attack, "--victim", self.address,
                                     "--victim-id", self.victim_id, *args)

    def result(self, proc: NetnsProcess, timeout: float = WAIT_S) -> dict[str, Any]:
        """The JSON line a hostile process prints when it ends."""
        line = proc.wait_for(r"^\{", timeout=timeout)
        proc.stop()
        return json.loads(line)

    def while_the_laptop_calls(self, attack: str, *args: str, started: Callable[[dict[str, int]], bool],
                               what: str) -> dict[str, Any]:
        """Attack from the attacker's namespace until the laptop, once `started(counters)`,
        made its calls (which must succeed); the attack's result."""
        stop = self.stop_file(attack)
        proc = self.hostile(ATTACKER, attack, *args, "--until", str(stop), "--max-s", "20")
        self.wait_counters(started, what)
        self.laptop_calls_succeed()
        stop.touch()
        return self.result(proc)

    def stop_file(self, name: str) -> Path:
        """A path to create when a hostile process given it as `--until` should stop."""
        return self.tmp / f"{name}-{time.monotonic_ns()}.stop"

    @contextmanager
    def probing(self) -> Iterator[dict[str, Any]]:
        """Poll the victim's /status from the prober's namespace while the block runs; the
        yielded dict holds the figures (latencies, failed polls) once the block is done."""
        stop = self.stop_file("probe")
        proc = self.hostile(PROBER, "probe", "--interval", "0.05", "--timeout", str(POLL_TIMEOUT_S),
                            "--until", str(stop), "--max-s", "120")
        figures: dict[str, Any] = {}
        try:
            yield figures
        except BaseException:
            proc.stop()
            raise
        stop.touch()
        figures.update(self.result(proc))

    def status(self) -> dict[str, Any]:
        """A /status map the victim sent after this call (from the watcher's lines)."""
        assert self.watcher is not None
        asked = time.monotonic()
        line = self.watcher.wait_for(lambda line: line.startswith('{"at"') and json.loads(line)["at"] > asked,
                                     timeout=WAIT_S)
        return json.loads(line)["status"]

    def counters(self) -> dict[str, int]:
        return _counters(self.status())

    def settled(self) -> dict[str, int]:
        """The victim's counters once it has worked off what an earlier attack left queued
        (on a slow CPU a flood's backlog outlasts its test, and its refusals would count for
        the next attack): nothing received or refused for `QUIET_S`; fail after WAIT_S."""
        deadline = time.monotonic() + WAIT_S
        last = self.counters()
        since = time.monotonic()
        while time.monotonic() < deadline:
            now = self.counters()
            if any(now.get(k, 0) != last.get(k, 0) for k in _TRAFFIC):
                last, since = now, time.monotonic()
            elif time.monotonic() - since >= QUIET_S:
                return now
        pytest.fail(f"the victim still works off earlier traffic after {WAIT_S} s; counters {last}")

    def wait_status(self, ok: Callable[[dict[str, Any]], bool], what: str, timeout: float) -> dict[str, Any]:
        """A /status map for which `ok(status)`; fail after `timeout` s, with the victim's
        counters and its last log lines."""
        assert self.watcher is not None
        try:
            line = self.watcher.wait_for(
                lambda line: line.startswith('{"at"') and ok(json.loads(line)["status"]), timeout=timeout
            )
        except TimeoutError:
            line = ""
        if not line:  # (outside the except: the watcher's whole output is no help)
            pytest.fail(f"{what}: not within {timeout} s; counters {self.counters()}\n{self.victim_log()}")
        return json.loads(line)["status"]

    def victim_log(self) -> str:
        """The victim's last 40 log lines, for a failure message."""
        assert self.victim is not None
        return "the victim's last log lines:\n" + "".join(self.victim.stderr.splitlines(keepends=True)[-40:])

    def wait_counters(self, ok: Callable[[dict[str, int]], bool], what: str) -> dict[str, int]:
        """The victim's counters (see `_counters`) once `ok(counters)`; fail after WAIT_S."""
        return _counters(self.wait_status(lambda status: ok(_counters(status)), what, WAIT_S))

    def more_addresses(self, where: int, count: int) -> list[str]:
        """Give a namespace `count` more IPv4 addresses (an attacker on a LAN has many)."""
        subnet = self.lan.subnet
        addresses = [f"10.77.{subnet}.{100 + i}" for i in range(count)]
        commands = "".join(f"addr add {a}/24 dev {self.lan.peers[where].ifname}\n" for a in addresses)
        self.lan.run(where, ["ip", "-batch", "-"], input=commands)
        return addresses

    # --- the laptop and the victim's process -----------------------------------------------

    def cli(self, *args: str) -> Any:
        """`edge-agent ARGS --json` as the trusted laptop; its JSON output (the run must pass)."""
        done = self.lan.run(LAPTOP, [*CLI, *args, "--json"], env=self.laptop_env, timeout=CLI_TIMEOUT_S,
                            check=False)
        assert done.returncode == 0, (
            f"edge-agent {' '.join(args)} exited {done.returncode}: {done.stderr}\n{self.victim_log()}"
        )
        return json.loads(done.stdout)

    def laptop_calls_succeed(self) -> None:
        assert self.cli("call", self.victim_id, "peer", "identify")["result"]["peer_id"] == self.victim_id
        assert self.cli("call", self.victim_id, "op", "array", "1", "2")["result"] == [1, 2]

    def rss_mb(self) -> float:
        """RSS of the victim's agent and its Wasm workers (what the unit's MemoryMax counts)."""
        assert self.victim is not None and self.victim.returncode is None, "the victim died"
        pid = self.victim.pid  # `ip netns exec` and `nice` exec the agent: same pid
        assert b"edge_agent" in Path(f"/proc/{pid}/cmdline").read_bytes()
        return sum(_rss_kib(p) for p in [pid, *_descendants(pid)]) / 1024


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    except (OSError, StopIteration):
        return 0  # gone meanwhile


def _descendants(pid: int) -> list[int]:
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            kids += [int(k) for k in (task / "children").read_text().split()]
        except OSError:
            continue
    return kids + [g for k in kids for g in _descendants(k)]


def _counters(status: dict[str, Any]) -> dict[str, int]:
    """The victim's counters, and `refused_for_rate`: what it refused for the sender's rate,
    in the core (per init peer) and, if the transport has such limits, before decoding (per
    source address: requests dropped, particles answered 4.29)."""
    counters = dict(status["counters"])
    transport = status.get("coap", {}).get("server", {}).get("rate_limited", {})
    counters["refused_for_rate"] = counters.get("dropped_rate_limited", 0) + sum(transport.values())
    return counters


_TRAFFIC = ("received", "refused_for_rate", "dropped_overloaded", "dropped_rate_limited")


def _delta(after: dict[str, int], before: dict[str, int], key: str) -> int:
    return after.get(key, 0) - before.get(key, 0)


def _answered_every_poll(figures: dict[str, Any]) -> None:
    print(f"/status while attacked: {figures}")
    assert figures["n"] > 0 and figures["failures"] == [], figures


@pytest.fixture(scope="module")
def lan(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lan]:
    reason = netns_unavailable_reason()
    if reason:
        if os.environ.get(CI_ENV):
            pytest.fail(f"{reason} ({CI_ENV} is set, so this is a failure, not a skip)")
        pytest.skip(reason)
    with NetnsLan(4) as netns:
        lan = Lan(netns, tmp_path_factory.mktemp("hostile"))
        lan.start()
        yield lan


def test_heavy_particles_of_a_stranger_do_not_stall_the_victim(lan: Lan) -> None:
    """Attack 3: folds of op.noop (every run walks the whole array after its call) and nested
    folds 400x400, one every half second, while the laptop calls the victim."""
    before = lan.settled()
    with lan.probing() as figures:
        # At most 4 (each fold of op.noop costs the victim its whole budget: seconds of CPU).
        sent = lan.while_the_laptop_calls(
            "stall", "--interval", "0.5", "--count", "4",
            started=lambda c: _delta(c, before, "calls") > 100, what="the heavy particles run",
        )["sent"]
        # Every fold of op.noop used up its budget and was given up; every nested fold hit
        # the per-run limit at its first fold (a failed run).
        after = lan.wait_counters(
            lambda c: _delta(c, before, "dropped_over_budget") >= sent["fold_noop"]
            and _delta(c, before, "failed_runs") >= sent["nested_fold"],
            "the heavy particles end over their budget",
        )
    print(f"sent {sent}; counters {after}")
    assert _delta(after, before, "dropped_over_budget") == sent["fold_noop"]
    assert _delta(after, before, "failed_runs") == sent["nested_fold"]
    _answered_every_poll(figures)


@pytest.mark.parametrize(("kind", "count"), [("arrays", 4), ("maps", 1), ("deep", 1)])
def test_data_that_decodes_into_millions_of_objects_is_refused(lan: Lan, kind: str, count: int) -> None:
    """Attack 4: ~1 MB of particle data holding a million empty arrays (or tiny maps, or
    nested a million deep) -- ~70 MB each once decoded, held for the ttl."""
    before = lan.settled()
    with lan.probing() as figures:
        done = lan.result(lan.hostile(ATTACKER, "memory", "--kind", kind, "--count", str(count)))
        assert all(o.startswith("delivered") for o in done["outcomes"])
        lan.wait_counters(lambda c: _delta(c, before, "dropped_malformed") >= count, f"{kind} refused")
    rss = lan.rss_mb()
    print(f"{count} x {done['bytes'][0]:,} bytes of {kind}: refused; victim RSS {rss:.1f} MB")
    assert rss < RSS_LIMIT_MB < MEMORY_MAX_MB
    assert _delta(lan.counters(), before, "accepted") == 0
    _answered_every_poll(figures)


def test_valid_data_past_a_strangers_item_limit_is_refused_before_decoding(lan: Lan) -> None:
    """Attack 4, with valid data: sealed data of 120,000 items (~9 MB decoded, within what a
    trusted peer may send) from each of six strangers; a stranger may send at most
    MAX_STRANGER_DATA_ITEMS, counted before cbor2 builds anything, so none is decoded."""
    before = lan.settled()
    done = lan.result(lan.hostile(ATTACKER, "memory", "--kind", "held", "--count", "6", "--items", "120000"))
    after = lan.wait_counters(
        lambda c: _delta(c, before, "dropped_malformed") >= 6, "the particles refused as malformed"
    )
    rss = lan.rss_mb()
    print(f"6 x {done['bytes'][0]:,} bytes (120,000 items each): {after}; victim RSS {rss:.1f} MB")
    assert rss < RSS_LIMIT_MB
    assert _delta(after, before, "calls") == 0
    lan.laptop_calls_succeed()


def test_a_flood_from_one_stranger_is_rate_limited(lan: Lan) -> None:
    """Attack 6: one stranger identity at 1,000 particles/s while the laptop calls."""
    before = lan.settled()
    with lan.probing() as figures:
        flood = lan.while_the_laptop_calls(
            "flood", "--rate", "1000", "--count", "20000",
            started=lambda c: _delta(c, before, "refused_for_rate") > 100, what="the flood arrives",
        )
    after = lan.counters()
    print(f"flood {flood}; counters {after}")
    # The flood was one: far above the stranger's 20 particles/s. Its sender runs on the same
    # CPU as the victim; emulated (.ci/arm) it reached 432/s of the 1,000 asked.
    assert flood["per_s"] > 500 / TIME_SCALE
    # What the stranger got in: its bucket's burst and rate, and the laptop's particles.
    allowed = 50 + 20 * (flood["seconds"] + 1) + 10
    assert _delta(after, before, "accepted") <= allowed
    assert _delta(after, before, "refused_for_rate") > flood["sent"] / 4
    # The victim kept answering: most polls, for the flood reaches the victim's socket with
    # them (a 2 s timeout leaves no room for CoAP's retransmission of a lost request).
    print(f"/status while flooded: {figures}")
    assert figures["n"] > 2 * len(figures["failures"]), figures


def test_a_replayed_particle_never_runs_twice(lan: Lan) -> None:
    """Attack 6: a neighbour's particle appending a message, captured and sent again after
    particles of fresh identities from many addresses, meant to push its id out of the
    replay table; the table is full of unexpired ids, so new particles are refused instead,
    and the laptop's are not."""
    info = lan.cli(
        "deploy", lan.victim_id, str(FIRMWARE / "messages.wasm"), "--name", "messages", "--access", "public"
    )
    assert info["name"] == "messages"
    sources = lan.more_addresses(ATTACKER, 20)
    # The earlier attacks' ids leave the replay table at their deadline (plus the clock skew):
    # until then a slow victim may still refuse the captured particle itself as overloaded.
    lan.wait_status(lambda s: s["replay_ids"] < REPLAY_TABLE // 2, "the replay table has room",
                    timeout=scaled(60.0))
    before = lan.settled()
    stop = lan.stop_file("replay")
    attack = lan.hostile(ATTACKER, "replay", "--count", "20000", "--rate", "500", "--from", ",".join(sources),
                         "--until", str(stop), "--max-s", "40")
    # Until strangers' room is full (in progress, then in the replay table): the victim
    # refuses their new particles rather than forget an unexpired id.
    lan.wait_counters(lambda c: _delta(c, before, "dropped_overloaded") > 100, "the strangers' room fills up")
    stop.touch()
    done = lan.result(attack, timeout=WAIT_S)
    print(f"replay {done}")
    after = lan.wait_counters(lambda c: _delta(c, before, "dropped_replay") >= 1, "the replay refused")
    print(f"counters {after}")
    assert _delta(after, before, "duplicates") >= 1  # the copy sent again at once
    messages = lan.cli("call", lan.victim_id, "messages", "list")["result"]
    assert [(m["author"], m["text"]) for m in messages] == [("neighbour", "sent once")]
    lan.laptop_calls_succeed()  # the trusted share of both tables is the laptop's still

"""Issue 13's "a spell runs every 1 s across a restart and its results are readable", for
real: `edge-agent serve` processes on loopback (discovery off) driven by the `edge-agent
spell` commands of a laptop CLI. The device keeps the spell, its result log and its state
through a SIGTERM and a new start; an untrusted laptop may not install one; what can be
refused is refused before anything is sent."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from edge_agent import const
from tests.support.serve import Served, loopback_config, serving

CLI = [sys.executable, "-m", "edge_agent"]
TIMEOUT_S = 20.0
POLL_LIMIT_S = 60.0

COUNTER = """\
aqua Counter

import "@edge-agent/spell.aqua"

export count

-- How many times the spell ran (kept in its state), with the label it was installed with.
func count(label: string) -> string, u64:
    old <- Spell.get_u64("n")
    n: *u64
    if old == nil:
        n <<- 1
    else:
        n <<- old! + 1
    Spell.set_u64("n", n!)
    <- label, n!
"""


def cli(
    tmp: Path, *args: str, home: str = "laptop", config: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EDGE_AGENT_HOME": str(tmp / home), "EDGE_AGENT_MDNS": "0"}
    if config is not None:
        env["EDGE_AGENT_CONFIG"] = str(config)
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=2 * TIMEOUT_S + 30)


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, (done.args, done.stdout, done.stderr)
    return done.stdout


def status(tmp: Path, device: Served, name: str) -> dict[str, Any]:
    out = ok(cli(tmp, "spell", "status", f"127.0.0.1:{device.port}", name, "--runs", "20", "--json"))
    doc: dict[str, Any] = json.loads(out)
    return doc


def runs_at_least(tmp: Path, device: Served, name: str, n: int) -> dict[str, Any]:
    """The spell's status once it ran `n` times in all (polled; fails after POLL_LIMIT_S)."""
    deadline = time.monotonic() + POLL_LIMIT_S
    while True:
        doc = status(tmp, device, name)
        if doc["total_runs"] >= n:
            return doc
        assert time.monotonic() < deadline, f"{name} ran {doc['total_runs']} times, not {n}"
        time.sleep(0.5)


def test_a_spell_runs_every_second_across_a_restart_and_its_results_are_readable(tmp_path: Path) -> None:
    config = loopback_config(tmp_path)
    laptop = ok(cli(tmp_path, "id")).strip()
    ok(cli(tmp_path, "trust", "add", laptop, config=config))
    script = tmp_path / "counter.aqua"
    script.write_text(COUNTER)

    with serving(config) as device:
        target = f"127.0.0.1:{device.port}"
        install = ["spell", "install", target, "tick", str(script), "--every", "1s", "--arg", "label=t"]
        out = ok(cli(tmp_path, *install))
        assert out.strip() == f"installed spell tick on {target}: every 1s"
        before = runs_at_least(tmp_path, device, "tick", 2)
        listed = ok(cli(tmp_path, "spell", "list", target))
        assert listed.startswith("tick ") and "every 1s" in listed and '["t", ' in listed, listed
        human = ok(cli(tmp_path, "spell", "status", target, "tick"))
        # The latest runs (a slow board may have run it more often than the table shows).
        assert human.startswith(f"spell tick on {target}: every 1s, ") and '\n' in human, human
        assert re.search(r'\(\d+ ms\) \["t", \d+\]', human), human

    with serving(config) as device:  # the same state directory: a restart
        after = runs_at_least(tmp_path, device, "tick", before["total_runs"] + 2)
        results = [run["result"] for run in after["runs"]]
        assert all(run["ok"] for run in after["runs"]), after["runs"]
        counts = [count for _, count in results]
        # One count per run, the state carried over the restart: 1, 2, 3, ... without a gap
        # (the latest SPELL_MAX_RUNS_KEPT of them are kept).
        total = after["total_runs"]
        assert total >= before["total_runs"] + 2
        assert len(counts) == min(total, const.SPELL_MAX_RUNS_KEPT)
        assert counts == list(range(total - len(counts) + 1, total + 1)), counts
        started = [run["started_ms"] for run in after["runs"]]
        assert started == sorted(started)
        target = f"127.0.0.1:{device.port}"
        removed = json.loads(ok(cli(tmp_path, "spell", "remove", target, "tick", "--json")))
        assert removed == {"name": "tick", "removed": True}
        assert json.loads(ok(cli(tmp_path, "spell", "list", target, "--json"))) == {"spells": []}
        gone = cli(tmp_path, "spell", "status", target, "tick")
        assert gone.returncode == 1 and "no spell named 'tick'" in gone.stderr, gone.stderr


def test_untrusted_laptops_and_bad_spells_are_refused(tmp_path: Path) -> None:
    config = loopback_config(tmp_path)
    script = tmp_path / "counter.aqua"
    script.write_text(COUNTER)
    with serving(config) as device:
        target = f"127.0.0.1:{device.port}"
        install = ["spell", "install", target, "tick", str(script), "--every", "1s", "--arg", "label=t"]
        refused = cli(tmp_path, *install, home="stranger")
        assert refused.returncode == 1, refused.stderr
        assert "not authorised" in refused.stderr and "edge-agent trust add" in refused.stderr
        # Refused here, before a device is looked for (exit 2, usage).
        for bad, says in (
            (["--cron", "0 0 30 2 *"], "never fires"),
            (["--every", "10"], "a period is a number and a unit"),
            (["--on", "reboot"], "peer-joined, peer-left, service-deployed"),
        ):
            argv = [*install[:5], *bad, "--arg", "label=t"]
            done = cli(tmp_path, *argv)
            assert done.returncode == 2 and says in done.stderr, (bad, done.stderr)
        missing = cli(tmp_path, *install[:7])
        assert missing.returncode == 2 and "argument 'label' (string) is missing" in missing.stderr

"""docs/fleet.md's "Spells" section, run for real: every `$ edge-agent ...` command it shows,
in order, from a laptop to two devices (kitchen, garage) in network namespaces, prints what
the section shows (`…` stands for what changes from run to run: times, ids, counts).

The worked example's periods are shortened (10 s -> 1 s, 1 min -> 3 s) so that it takes
seconds; the devices' CPU temperature comes from a file (`wasm.cpu_temperature_path`).
Before the section reads what the spells did, the test waits (a bounded poll) until the
gathering spell has run with both devices' readings.
"""

from __future__ import annotations

import json
import re
import shlex
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.test_quickstart import DEVICES, REPO, Session
from tests.support.docs import console_examples
from tests.support.netns import NetnsLan

DOC = (REPO / "docs" / "fleet.md").read_text()
SECTION = DOC[DOC.index("## Spells: scripts the devices run by themselves") : DOC.index("<!-- end of spells")]
FASTER = (("every 10s", "every 1s"), ("every 1m", "every 3s"))
TEMPERATURE = {"kitchen": "47200\n", "garage": "46700\n"}
POLL_LIMIT_S = 90.0
STATUS_TRIES = 10
"""`spell status` asked again while it finds the spell mid-run (see the test)."""


def faster(text: str) -> str:
    for slow, fast in FASTER:
        text = text.replace(slow, fast)
    return text


def shown() -> list[tuple[str, str]]:
    """(command, what it prints) for each `$ edge-agent ...` line of the section's console blocks."""
    return console_examples(SECTION)


def pattern(output: str) -> re.Pattern[str]:
    """What the section shows as a regular expression: `…` is anything, and columns may be
    wider or narrower (the shortened periods are)."""
    text = ".*?".join(re.escape(part) for part in output.split("…"))
    return re.compile(re.sub(r"(?:\\ ){2,}", " +", text), re.S)


def test_the_section_names_the_examples_it_runs() -> None:
    files = {shlex.split(c)[5] for c, _ in shown() if c.startswith("edge-agent spell install")}
    assert files == {"docs/examples/fleet-temperature.aqua", "docs/examples/spell-basics.aqua"}
    assert all((REPO / f).is_file() for f in files)
    commands = {" ".join(shlex.split(c)[1:3]) for c, _ in shown()}
    wanted = {"spell install", "spell list", "spell status", "spell remove"}
    assert wanted | {"run docs/examples/fleet-temperature.aqua"} <= commands


@pytest.fixture
def session(netns_lan: Callable[..., NetnsLan], tmp_path: Path, require_root: None) -> Session:
    return Session(netns_lan(3), tmp_path)


def gathered(session: Session) -> bool:
    """Whether kitchen's `gather` spell has run and heard both devices."""
    code, out, _ = session.laptop(["spell", "status", "kitchen", "gather", "--json"], check=None)
    if code != 0:
        return False
    last = json.loads(out)["last"]
    return bool(last and last["ok"] and last["result"] == len(DEVICES))


def test_every_command_prints_what_the_section_shows(session: Session) -> None:
    _, laptop_id, _ = session.laptop(["id"])
    for device in DEVICES:
        session.device_init(device, ["init", "--name", device, "--trust", laptop_id.strip()])
        sensor = session.tmp / device / "temp"
        sensor.write_text(TEMPERATURE[device])
        config = session.tmp / device / "config.toml"
        path = f'cpu_temperature_path = "{sensor}"'
        config.write_text(re.sub(r"(?m)^cpu_temperature_path = .*$", path, config.read_text()))
        session.start_device(device)
    pairs = shown()
    assert len(pairs) >= 12
    for command, output in pairs:
        argv = shlex.split(faster(command))
        assert argv[0] == "edge-agent", command
        if argv[1:3] == ["spell", "list"]:  # what the spells did: wait until they did it
            deadline = time.monotonic() + POLL_LIMIT_S
            while not gathered(session):
                assert time.monotonic() < deadline, "kitchen's gather spell never heard both devices"
                time.sleep(1)
        code, out, err = session.laptop(argv[1:], check=None)
        # A spell sped up to every second is often mid-run: its status then says "running
        # since" where the section shows the "next run" between runs. Asked again, bounded.
        for _ in range(STATUS_TRIES if argv[1:3] == ["spell", "status"] else 0):
            if code != 0 or pattern(faster(output)).fullmatch(out) or "running since" not in out:
                break
            time.sleep(0.3)
            code, out, err = session.laptop(argv[1:], check=None)
        assert code == 0, f"{command} exited {code}\n{out}\n{err}"
        assert pattern(faster(output)).fullmatch(out), f"{command} printed\n{out}\nnot\n{output}"
    # The worked example's history holds both devices' readings, as they recorded them.
    _, out, _ = session.laptop(
        ["run", "docs/examples/fleet-temperature.aqua", "--func", "history", "--peer", "device=kitchen"]
    )
    messages = json.loads(out)
    readings = {m["author"]: json.loads(m["text"]) for m in messages}
    assert len(readings) == len(DEVICES)
    values = {float(json.loads(r["result"])) for runs in readings.values() for r in runs if r["ok"]}
    assert values == {47.2, 46.7}

"""docs/fleet.md's "Updates and rollbacks", run for real: every `$ edge-agent ...` command of the
section, in order, against a real agent on loopback (discovery off; "kitchen" is its
host:port), prints what the page shows -- up to the times and the laptop's peer id -- and
exits 0 unless it shows an error; the settings block is a configuration the agent accepts.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge_agent.config import parse_config
from tests.support.docs import console_examples
from tests.support.serve import Served, loopback_config, serving

REPO = Path(__file__).resolve().parents[1]
DOC = (REPO / "docs" / "fleet.md").read_text()
SECTION = DOC[DOC.index("## Updates and rollbacks") : DOC.index("<!-- end of updates -->")]
CLI = [sys.executable, "-m", "edge_agent"]
TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC")
PEER = re.compile(r"12D3KooW\w+")


def shown() -> list[tuple[str, str]]:
    """(command, what it prints) for each `$ edge-agent ...` line of the section's console blocks."""
    return console_examples(SECTION)


def normal(text: str) -> str:
    return PEER.sub("PEER", TIME.sub("TIME", text))


def test_the_section_replaced_its_placeholder_and_shows_every_command() -> None:
    assert "(written with the versions work" not in SECTION
    commands = [shlex.split(command)[1] for command, _ in shown()]
    assert {"deploy", "call", "history", "rollback", "remove"} <= set(commands)
    assert any("--purge" in command for command, _ in shown())
    assert any("--update" in command for command, _ in shown())


def test_the_settings_block_is_a_configuration_the_agent_accepts() -> None:
    [toml] = re.findall(r"```toml\n(.*?)```", SECTION, re.S)
    assert parse_config(toml).wasm.keep_versions == 5


@pytest.fixture
def device(tmp_path: Path) -> Iterator[tuple[Served, dict[str, str]]]:
    env = {**os.environ, "EDGE_AGENT_HOME": str(tmp_path / "laptop"), "EDGE_AGENT_MDNS": "0"}
    laptop = subprocess.run([*CLI, "id"], env=env, capture_output=True, text=True, timeout=60, check=True)
    config = loopback_config(tmp_path)
    trust = [*CLI, "trust", "add", laptop.stdout.strip(), "--config", str(config)]
    subprocess.run(trust, capture_output=True, text=True, timeout=60, check=True)
    with serving(config) as served:
        yield served, env


def test_every_command_prints_what_the_section_shows(device: tuple[Served, dict[str, str]]) -> None:
    served, env = device
    target = f"127.0.0.1:{served.port}"
    pairs = shown()
    assert len(pairs) >= 12
    for command, output in pairs:
        argv = [target if a == "kitchen" else a for a in shlex.split(command)]
        assert argv[0] == "edge-agent", command
        done = subprocess.run([*CLI, *argv[1:]], env=env, cwd=REPO, capture_output=True, text=True,
                              timeout=120)
        failing = "error: " in output
        assert (done.returncode != 0) == failing, (command, done.returncode, done.stdout, done.stderr)
        printed = (done.stderr + done.stdout).replace(target, "kitchen")
        assert normal(printed) == normal(output), command

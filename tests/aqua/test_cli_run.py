"""`edge-agent run FILE.aqua` through the real command line against an agent on loopback.

The agent is `edge-agent serve` on 127.0.0.1 (a free port, discovery off), stopped by the
fixture; the laptop side is the CLI in a subprocess with its own home. Every wait is
bounded by the CLI's --timeout and the subprocess timeout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.serve import Served, serving

CLI = [sys.executable, "-m", "edge_agent"]
CLI_TIMEOUT_S = 60.0

PROGRAM = """\
aqua Hello

import "@fluencelabs/aqua-lib/builtin.aqua"

export greet

func greet(device: string, names: []string) -> string, u32:
    on device:
        text <- Op.concat_strings("hello, ", names!)
        n <- Op.array_length(names)
    <- text, n
"""


@pytest.fixture
def agent(tmp_path: Path) -> Iterator[Served]:
    config = tmp_path / "agent" / "config.toml"
    config.parent.mkdir()
    config.write_text(f'state_dir = "{tmp_path / "agent" / "state"}"\n[coap]\nport = 0\n'
                      "[discovery]\nenabled = false\n", encoding="utf-8")
    with serving(config) as served:
        yield served


def run_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EDGE_AGENT_HOME": str(tmp_path / "laptop"), "EDGE_AGENT_MDNS": "0"}
    return subprocess.run([*CLI, "run", *args, "--timeout", "20"], env=env, capture_output=True,
                          text=True, timeout=CLI_TIMEOUT_S)


def test_run_an_aqua_function_on_an_agent(agent: Served, tmp_path: Path) -> None:
    program = tmp_path / "hello.aqua"
    program.write_text(PROGRAM, encoding="utf-8")
    device = f"device=127.0.0.1:{agent.port}"

    done = run_cli(tmp_path, str(program), "--peer", device, "--arg", 'names=["Ada", "Bob"]')
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ['"hello, Ada"', "2"]

    done = run_cli(tmp_path, str(program), "--func", "greet", "--peer", device,
                   "--arg", 'names=["Ada"]', "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["results"] == ["hello, Ada", 1]

    done = run_cli(tmp_path, str(program), "--peer", device, "--arg", 'names="Ada"')
    assert done.returncode == 2
    assert "argument 'names' must be []string (a JSON array), not \"Ada\"" in done.stderr

    done = run_cli(tmp_path, str(program), "--peer", device)
    assert done.returncode == 2
    assert "argument 'names' ([]string) is missing" in done.stderr

    done = run_cli(tmp_path, str(program), "--peer", device, "--arg", "names=[]")
    assert done.returncode == 1  # names! of an empty array fails on the device
    assert done.stderr.startswith("error: ")


def test_func_and_arg_are_for_aqua_files_only(tmp_path: Path) -> None:
    script = tmp_path / "s.air"
    script.write_text("(null)\n", encoding="utf-8")
    done = run_cli(tmp_path, str(script), "--arg", "x=1")
    assert done.returncode == 2
    assert "--func and --arg are for an Aqua file" in done.stderr


def test_a_compile_error_stops_run_before_anything_is_sent(tmp_path: Path) -> None:
    program = tmp_path / "bad.aqua"
    program.write_text("func f() -> u8:\n    <- \"x\"\n", encoding="utf-8")
    done = run_cli(tmp_path, str(program))
    assert done.returncode == 2
    assert f"error: {program}:2:8: the return value must be u8, but this is string" in done.stderr

"""What a hostile device can make the laptop's CLI do, through the CLI as a process: a real
agent on loopback (discovery off) whose /status answer is replaced by what a hostile device
would send (EDGE_AGENT_MDNS=0: the device is named by host:port).

Its text must not drive the operator's terminal, its numbers must not hang the CLI, and an
answer of an unexpected shape must end in a clear error, not a traceback.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable
from contextlib import AsyncExitStack
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.test_node import run, start_node

CLI = [sys.executable, "-m", "edge_agent"]
TIMEOUT_S = 60.0
"""Longest a CLI process here may take: a bound, never a measure of speed."""


async def cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EDGE_AGENT_HOME": str(home), "EDGE_AGENT_MDNS": "0"}
    return await asyncio.to_thread(
        subprocess.run, [*CLI, *args], env=env, capture_output=True, text=True, timeout=TIMEOUT_S
    )


def answering(node: Any, change: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """From now on `node`'s /status is `change(its real one)`."""
    real = node.status
    node.server._status = lambda: change(real())


def test_a_devices_text_cannot_drive_the_terminal(tmp_path: Path) -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            device = await start_node(stack, tmp_path / "device")
            escapes = "1.0\x1b]0;owned\x07\x1b[2J\x9b1m\u202eevil"
            answering(device, lambda st: {**st, "version": escapes, "tags": ["\x1b[31mred"],
                                          "counters": {"\x1b[Hcalls": 1}})
            done = await cli(tmp_path / "laptop", "status", f"127.0.0.1:{device.port}")
            assert done.returncode == 0, done.stderr
            for raw in ("\x1b", "\x07", "\x9b", "\u202e"):
                assert raw not in done.stdout
            assert "version 1.0\\x1b]0;owned\\x07\\x1b[2J\\x9b1m\\u202eevil" in done.stdout
            top = await cli(tmp_path / "laptop", "top", "--once", f"127.0.0.1:{device.port}")
            assert top.returncode == 0 and "\x1b" not in top.stdout, top.stderr

    run(go(), timeout=2 * TIMEOUT_S)


def test_a_devices_numbers_and_shapes_end_in_a_clear_error(tmp_path: Path) -> None:
    """A Decimal (CBOR tag 4) with an exponent of a million made `status` and `top` spend
    minutes in int(); a counters list or an infinite uptime ended them in a traceback."""

    async def go() -> None:
        async with AsyncExitStack() as stack:
            device = await start_node(stack, tmp_path / "device")
            target = f"127.0.0.1:{device.port}"
            answering(device, lambda st: {**st, "uptime_s": Decimal("1e1000000")})
            done = await cli(tmp_path / "laptop", "status", target)
            assert done.returncode != 0 and "CBOR tags are not accepted" in done.stderr, done
            top = await cli(tmp_path / "laptop", "top", "--once", target)  # a row says why (cut short)
            assert top.returncode == 0 and f"unreachable: {target} did not answer" in top.stdout, top
            answering(device, lambda st: {**st, "counters": [1, 2], "uptime_s": float("inf")})
            done = await cli(tmp_path / "laptop", "status", target)
            assert done.returncode == 1 and "sent a /status of an unexpected shape" in done.stderr, done
            top = await cli(tmp_path / "laptop", "top", "--once", target)
            assert top.returncode == 0 and "malformed /status" in top.stdout, top

    run(go(), timeout=4 * TIMEOUT_S)


def test_a_device_cannot_hold_a_deploy_nor_crash_it_with_its_answer(tmp_path: Path) -> None:
    """A device answered srv.deploy with a watch window of 30,000 years and then "watching"
    forever: the CLI polled until killed, even for a deploy that was no update. Now the wait
    is the window asked for; an answer that is not a map is that device's error."""
    module = str(Path(__file__).resolve().parents[2] / "firmware_services" / "build" / "greeting.wasm")
    answers: dict[str, Any] = {}

    def srv(function: str, args: list[Any]) -> Any:
        if function == "history":
            return {"versions": [{"version": 2, "state": "watching"}]}
        return answers["deploy"]

    async def go() -> None:
        async with AsyncExitStack() as stack:
            device = await start_node(stack, tmp_path / "device")
            device.services.add_handler("srv", srv)
            target = f"127.0.0.1:{device.port}"
            answers["deploy"] = {
                "name": "greeting", "version": 2, "state": "watching", "sha256": "0" * 64,
                "functions": ["greet"], "watch_until_ms": 10**15, "deployed_at_ms": 0,
            }
            done = await cli(tmp_path / "laptop", "deploy", target, module, "--name", "greeting")
            assert done.returncode == 0, done.stderr  # no update asked: nothing to wait for
            done = await cli(tmp_path / "laptop", "deploy", target, module, "--name", "greeting",
                             "--update", "--watch", "1s")
            assert done.returncode == 0 and "still watched" in done.stdout, (done.stdout, done.stderr)
            assert f"{target}: watching greeting version 2 for 1 s" in done.stderr
            answers["deploy"] = "ok"
            done = await cli(tmp_path / "laptop", "deploy", target, module, "--name", "greeting")
            assert done.returncode != 0 and "answered the deploy with str, not a map" in done.stderr, done
            assert "Traceback" not in done.stderr

    run(go(), timeout=4 * TIMEOUT_S)

"""The Wasm worker process stays lean: it never imports the agent's heavy modules.

Every module a worker imports is resident in every worker, on boards with 512 MB (issue 12,
docs/install.md's memory figures), so the worker's import graph is kept to wasm3, cbor2 and
the worker's own modules (`wire`, `host_imports`, the KV store). The test runs real workers
through the real host — all six firmware services deployed and each called once, the KV
store and the sensor file included — with an interpreter wrapper that writes the worker's
`sys.modules` when it exits, and fails if one of the heavy modules got in again.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from edge_agent.services.wasm.host import HostConfig, WasmHost
from tests.firmware.conftest import BUILD, SAMPLE_CALLS, SERVICES

FORBIDDEN = (
    "asyncio",
    "zeroconf",
    "cryptography",
    "nacl",
    "aiocoap",
    "edge_agent.air",
    "edge_agent.aqua",
    "edge_agent.identity",
    "edge_agent.services.base",
    "edge_agent.services.wasm.abi",
    "hypothesis",
    "_hashlib",
    "ssl",
    "dataclasses",
    "inspect",
    "logging",
    "traceback",
    "pathlib",
)
"""Packages or modules a worker must not import (a submodule counts as its package): the
agent's, `_hashlib`, which maps OpenSSL's libcrypto (4 MB resident) for a worker that
hashes nothing in Python, and `dataclasses` (with `inspect`) and `logging`, 2.2 MB together,
which its KV store can do without; `traceback` (with `tokenize` and `linecache`, 0.2 MB)
is imported only when a request hits a bug of the worker's; `pathlib` (with `urllib.parse`
and `ipaddress`, 0.4 MB), which the KV store does without."""

_PROBE = """\
import atexit, os, runpy, sys

out_dir = sys.argv[1]


def dump():
    with open(os.path.join(out_dir, f"modules.{os.getpid()}"), "w") as f:
        f.write("\\n".join(sorted(sys.modules)))


atexit.register(dump)
start = sys.argv.index("-m")
sys.argv = [sys.argv[start + 1], *sys.argv[start + 2:]]
runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
"""
"""Runs ``python -m edge_agent.services.wasm.worker CONFIG`` as the host spawns it, and
writes the worker's module names to OUT_DIR/modules.PID when it exits (on the EOF the host
sends when it closes)."""

def _wrapper(tmp_path: Path, out_dir: Path) -> str:
    probe = tmp_path / "probe.py"
    probe.write_text(_PROBE)
    script = tmp_path / "python"
    # The options before -m (the host's -P -S) go to the interpreter, as they do for a worker:
    # with `site` the interpreter would import what .pth files import (pathlib, here).
    script.write_text(
        "#!/bin/sh\nflags=\nwhile [ $# -gt 0 ] && [ \"$1\" != -m ]; do flags=\"$flags $1\"; shift; done\n"
        f"exec '{sys.executable}' $flags '{probe}' '{out_dir}' \"$@\"\n"
    )
    script.chmod(0o755)
    return str(script)


def _heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)]


def test_a_worker_running_every_firmware_service_imports_nothing_heavy(tmp_path: Path) -> None:
    if not all((BUILD / f"{name}.wasm").is_file() for name in SERVICES):
        pytest.skip("firmware_services/build/*.wasm not built")
    out_dir = tmp_path / "modules"
    out_dir.mkdir()
    sensor = tmp_path / "temp"
    sensor.write_text("48312\n")
    (tmp_path / "state").mkdir()
    config = HostConfig(
        python=_wrapper(tmp_path, out_dir),
        state_dir=tmp_path / "state",
        cpu_temperature_path=str(sensor),
    )
    with WasmHost(config) as host:
        for name in SERVICES:
            host.deploy(name, (BUILD / f"{name}.wasm").read_bytes())
        for name, (function, args) in SAMPLE_CALLS.items():
            host.call(name, function, args)
    dumps = sorted(out_dir.iterdir())
    assert dumps, "no worker wrote its module list (did it exit on EOF?)"
    for dump in dumps:
        modules = dump.read_text().split("\n")
        assert "wasm3" in modules and "edge_agent.services.wasm.worker" not in modules
        assert "edge_agent.kvstore" in modules or len(dumps) > 1  # the KV store was reached
        assert "site" not in modules  # the host starts it with -S
        assert _heavy(modules) == [], f"{dump.name}: the worker imported {_heavy(modules)}"


def test_the_worker_imports_nothing_from_the_agents_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`python -m` puts the working directory first on sys.path; the host starts the worker
    with -P, so modules lying where the agent was started are never imported."""
    (tmp_path / "cbor2.py").write_text("raise SystemExit('imported cbor2.py from the cwd')\n")
    monkeypatch.chdir(tmp_path)
    with WasmHost(HostConfig()) as host:
        host.deploy("greeting", (BUILD / "greeting.wasm").read_bytes())
        assert host.call("greeting", "greet", ["ada"]) == "Hello, ada!"

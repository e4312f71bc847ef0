"""A Wasm worker run in the test process: loading the test modules into it (wasm3 runs here,
which is fine for modules that stop by themselves)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from edge_agent.services.wasm import abi, instrument
from edge_agent.services.wasm.worker import Worker

MODULES = Path(__file__).parent / "modules"
FUEL = 1_000_000


def module(name: str) -> bytes:
    return (MODULES / f"{name}.wasm").read_bytes()


def load_config(functions: list[tuple[str, bool, int]], **extra: Any) -> dict[str, Any]:
    config = {
        "stack": 64 * 1024,
        "fuel": FUEL,
        "fuel_exhausted": instrument.FUEL_EXHAUSTED,
        "max_reply": 1024,
        "memory_pages": None,
        "abi": False,
        "functions": [list(f) for f in functions],
        "kv": None,
        "kv_limits": None,
        "start": None,
    }
    config.update(extra)
    return config


def make_worker() -> Worker:
    """A worker in this process, with no CPU temperature file."""
    return Worker({"cpu_temperature_path": "/nonexistent/temp"})


def load(
    worker: Worker, name: str, wasm: str, functions: list[tuple[str, bool, int]], **extra: Any
) -> None:
    reply = worker.handle(
        [abi.OP_LOAD, name, instrument.instrument(module(wasm)), load_config(functions, **extra)]
    )
    assert reply[0] == abi.OK, reply

"""Fixtures for the firmware services: the committed modules and a real host to run them.

Every call goes through `WasmHost`: validation, instrumentation, a worker process, wasm3.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from edge_agent.services.base import ServiceError
from edge_agent.services.wasm.host import HostConfig, WasmHost

FIRMWARE = Path(__file__).resolve().parents[2] / "firmware_services"
BUILD = FIRMWARE / "build"
SERVICES = ("greeting", "stats", "messages", "hash", "sensor", "textstats")
SAMPLE_CALLS = {
    "greeting": ("greet", ["ada"]),
    "stats": ("add", [1.5]),
    "messages": ("append", ["ada", "hello"]),
    "hash": ("sha256", ["abc"]),
    "sensor": ("cpu_temperature", []),
    "textstats": ("count", ["a b c"]),
}
"""One working call (function, arguments) per service: what a worker loads to serve each
(tests/services/wasm/test_worker_imports.py, benchmarks/wasm_bench.py's memory figure)."""

ERR_ARGS = 16
"""ret_code of bad arguments in both SDKs."""
ERR_SERVICE = 32
"""First ret_code of a service's own errors."""


def module(name: str) -> bytes:
    """The committed module of service `name`."""
    return (BUILD / f"{name}.wasm").read_bytes()


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    path = tmp_path / "state"
    path.mkdir()
    return path


@pytest.fixture
def sensor_file(tmp_path: Path) -> Path:
    """A stand-in for /sys/class/thermal/thermal_zone0/temp: millidegrees Celsius."""
    path = tmp_path / "thermal_zone0_temp"
    path.write_text("48312\n")
    return path


@pytest.fixture
def make_host(state_dir: Path, sensor_file: Path) -> Iterator[Callable[..., WasmHost]]:
    """Makes hosts on the test's state dir and sensor file (overridable); closes them all."""
    hosts: list[WasmHost] = []

    def make(**config: Any) -> WasmHost:
        config.setdefault("state_dir", state_dir)
        config.setdefault("cpu_temperature_path", str(sensor_file))
        host = WasmHost(HostConfig(**config))
        hosts.append(host)
        return host

    yield make
    for host in hosts:
        host.close()


def call_error(host: WasmHost, service: str, function: str, args: list[Any]) -> ServiceError:
    """The ServiceError the call raises (fails the test if it succeeds)."""
    with pytest.raises(ServiceError) as info:
        host.call(service, function, args)
    return info.value

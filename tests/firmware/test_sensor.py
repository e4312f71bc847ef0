"""sensor: the CPU temperature through the host's ea_sensor_read capability."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from edge_agent.services.wasm.host import WasmHost
from tests.firmware.conftest import ERR_ARGS, ERR_SERVICE, call_error, module


@pytest.fixture
def host(make_host: Callable[..., WasmHost]) -> WasmHost:
    host = make_host()
    host.deploy("sensor", module("sensor"))
    return host


def test_reads_the_cpu_temperature_in_celsius(host: WasmHost, sensor_file: Path) -> None:
    assert host.call("sensor", "cpu_temperature", []) == pytest.approx(48.312)
    assert host.call("sensor", "read", ["cpu_temperature"]) == pytest.approx(48.312)


def test_reads_the_file_on_every_call(host: WasmHost, sensor_file: Path) -> None:
    sensor_file.write_text("-5500\n")
    assert host.call("sensor", "cpu_temperature", []) == pytest.approx(-5.5)
    sensor_file.write_text("71000\n")
    assert host.call("sensor", "cpu_temperature", []) == pytest.approx(71.0)


def test_unavailable_sensor_is_an_error(make_host: Callable[..., WasmHost], tmp_path: Path) -> None:
    host = make_host(cpu_temperature_path=str(tmp_path / "no_such_zone" / "temp"))
    host.deploy("sensor", module("sensor"))
    error = call_error(host, "sensor", "cpu_temperature", [])
    assert error.ret_code == ERR_SERVICE
    assert error.message == 'sensor "cpu_temperature" is unknown or unavailable on this device'


def test_unreadable_value_is_an_error(host: WasmHost, sensor_file: Path) -> None:
    sensor_file.write_text("not a number\n")
    assert call_error(host, "sensor", "cpu_temperature", []).ret_code == ERR_SERVICE
    sensor_file.write_text("40000\n")
    assert host.call("sensor", "cpu_temperature", []) == pytest.approx(40.0)


def test_unknown_sensor_is_an_error(host: WasmHost) -> None:
    error = call_error(host, "sensor", "read", ["gpu_temperature"])
    assert error.ret_code == ERR_SERVICE
    assert "gpu_temperature" in error.message


@pytest.mark.parametrize(("function", "args"), [("cpu_temperature", [1]), ("read", []), ("read", [""]), ("read", [7])])
def test_bad_arguments(host: WasmHost, function: str, args: list[object]) -> None:
    assert call_error(host, "sensor", function, args).ret_code == ERR_ARGS

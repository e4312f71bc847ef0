"""greeting: text in, text out, through the real host."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from edge_agent.services.wasm.host import WasmHost
from tests.firmware.conftest import ERR_ARGS, call_error, module


@pytest.fixture
def host(make_host: Callable[..., WasmHost]) -> WasmHost:
    host = make_host()
    host.deploy("greeting", module("greeting"))
    return host


@pytest.mark.parametrize("name", ["Ada", "Grace Hopper", "Zoë 😀", "x" * 10_000])
def test_greets_by_name(host: WasmHost, name: str) -> None:
    assert host.call("greeting", "greet", [name]) == f"Hello, {name}!"


@pytest.mark.parametrize("args", [[], [None], [""]])
def test_greets_the_world_without_a_name(host: WasmHost, args: list[object]) -> None:
    assert host.call("greeting", "greet", args) == "Hello, world!"


def test_a_name_that_is_not_text_is_an_argument_error(host: WasmHost) -> None:
    error = call_error(host, "greeting", "greet", [42])
    assert error.ret_code == ERR_ARGS
    assert error.message == "argument 1: expected text, got integer"


def test_too_many_arguments_is_an_argument_error(host: WasmHost) -> None:
    error = call_error(host, "greeting", "greet", ["a", "b"])
    assert error.ret_code == ERR_ARGS
    assert "too many arguments" in error.message
    assert host.call("greeting", "greet", ["again"]) == "Hello, again!"


def test_the_arena_is_released_between_calls(host: WasmHost) -> None:
    # Each call allocates about 4 KB; the module may grow to 1 MiB, so a leak would run
    # out of memory long before the last call.
    name = "n" * 2000
    for _ in range(1000):
        assert host.call("greeting", "greet", [name]) == f"Hello, {name}!"

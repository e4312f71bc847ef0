"""stats: running statistics kept in the module's memory across calls."""

from __future__ import annotations

import statistics
from collections.abc import Callable

import pytest

from edge_agent.services.wasm.host import WasmHost
from tests.firmware.conftest import ERR_ARGS, ERR_SERVICE, call_error, module

EMPTY = {"count": 0, "sum": 0.0, "min": None, "max": None, "mean": None, "stddev": None}


@pytest.fixture
def host(make_host: Callable[..., WasmHost]) -> WasmHost:
    host = make_host()
    host.deploy("stats", module("stats"))
    return host


def expected(numbers: list[float]) -> dict[str, object]:
    return {
        "count": len(numbers),
        "sum": pytest.approx(sum(numbers)),
        "min": min(numbers),
        "max": max(numbers),
        "mean": pytest.approx(statistics.fmean(numbers)),
        "stddev": pytest.approx(statistics.pstdev(numbers)),
    }


def test_summary_starts_empty(host: WasmHost) -> None:
    assert host.call("stats", "summary", []) == EMPTY


def test_numbers_accumulate_over_several_calls(host: WasmHost) -> None:
    seen: list[float] = []
    for batch in ([3, 1, 4], [1.5], [[-9, 2.25], 6], [[]], [10**6]):
        host_summary = host.call("stats", "add", batch)
        for arg in batch:
            seen.extend(arg if isinstance(arg, list) else [arg])
        assert host_summary == expected(seen)
    assert host.call("stats", "summary", []) == expected(seen)
    assert host.call("stats", "summary", [])["min"] == -9
    assert host.call("stats", "summary", [])["max"] == 10**6


def test_a_bad_number_adds_nothing(host: WasmHost) -> None:
    host.call("stats", "add", [1, 2])
    error = call_error(host, "stats", "add", [5, [6, "seven"]])
    assert error.ret_code == ERR_ARGS
    assert error.message == "argument 2: expected finite numbers or arrays of them"
    assert host.call("stats", "summary", []) == expected([1, 2])


def test_reset_returns_the_old_summary_and_starts_over(host: WasmHost) -> None:
    host.call("stats", "add", [2, 4])
    assert host.call("stats", "reset", []) == expected([2, 4])
    assert host.call("stats", "summary", []) == EMPTY
    assert host.call("stats", "add", [7]) == expected([7])


def test_summary_takes_no_arguments(host: WasmHost) -> None:
    assert call_error(host, "stats", "summary", [1]).ret_code == ERR_ARGS


def test_memory_state_ends_with_a_redeploy(host: WasmHost) -> None:
    host.call("stats", "add", [1, 2, 3])
    host.deploy("stats", module("stats"))
    assert host.call("stats", "summary", []) == EMPTY


def test_sums_that_would_overflow_are_refused_and_add_nothing(host: WasmHost) -> None:
    host.call("stats", "add", [1e308])
    error = call_error(host, "stats", "add", [1e308])
    assert error.ret_code == ERR_SERVICE
    assert "overflow" in error.message
    assert host.call("stats", "summary", []) == expected([1e308])

"""A service's Wasm limits (edge_agent/services/wasm/limits.py): defaults, overrides, bounds."""

from __future__ import annotations

import dataclasses

import pytest

from edge_agent import const
from edge_agent.errors import ConfigError
from edge_agent.services.wasm.binary import MAX_PAGES
from edge_agent.services.wasm.limits import Limits

HALF_FRAME = const.WASM_MAX_FRAME_BYTES // 2

# Each limit's accepted range, as the host's contract states it (a change here is a change of
# what configurations an operator may write).
BOUNDS = {
    "fuel": (1, const.MAX_WASM_FUEL),
    "memory_pages": (0, MAX_PAGES),
    "deadline_ms": (1, const.MAX_WASM_DEADLINE_MS),
    "max_module_bytes": (8, HALF_FRAME),
    "stack_bytes": (4096, const.MAX_WASM_STACK_BYTES),
    "max_args_bytes": (1, HALF_FRAME),
    "max_reply_bytes": (16, HALF_FRAME),
}


def test_every_limit_has_bounds_here() -> None:
    assert {f.name for f in dataclasses.fields(Limits)} == set(BOUNDS)


def test_limits_defaults_and_overrides() -> None:
    limits = Limits.from_mapping({"fuel": 5, "deadline_ms": 20})
    assert (limits.fuel, limits.deadline_ms, limits.deadline_s) == (5, 20, 0.02)
    assert Limits.from_mapping(None) == Limits()


def test_overrides_apply_to_the_base_given() -> None:
    base = Limits(fuel=7, stack_bytes=8192)
    limits = Limits.from_mapping({"deadline_ms": 30}, base=base)
    assert (limits.fuel, limits.stack_bytes, limits.deadline_ms) == (7, 8192, 30)
    assert Limits.from_mapping({}, base=base) is base


@pytest.mark.parametrize("name", list(BOUNDS))
def test_each_limit_takes_its_whole_range_and_nothing_beyond(name: str) -> None:
    low, high = BOUNDS[name]
    for value in (low, high):
        assert getattr(Limits(**{name: value}), name) == value
    for value in (low - 1, high + 1):
        with pytest.raises(ConfigError, match=rf"^Wasm limit {name}={value} is outside {low}\.\.{high}$"):
            Limits(**{name: value})


@pytest.mark.parametrize(
    "values",
    [
        {"fuel": 0},
        {"fuel": 1.5},
        {"fuel": True},
        {"stack_bytes": 10 << 20},
        {"memory_pages": 70_000},
        {"nope": 1},
    ],
)
def test_limits_refuse_bad_values(values: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        Limits.from_mapping(values)


def test_an_unknown_limit_is_named_with_the_known_ones() -> None:
    with pytest.raises(ConfigError) as info:
        Limits.from_mapping({"fule": 5, "deadline": 1})
    assert str(info.value) == (
        "unknown Wasm limit 'deadline', 'fule'; known limits are "
        "deadline_ms, fuel, max_args_bytes, max_module_bytes, max_reply_bytes, memory_pages, stack_bytes"
    )


def test_a_limit_that_is_not_an_integer_says_its_type() -> None:
    with pytest.raises(ConfigError, match=r"^Wasm limit fuel must be an integer, not str$"):
        Limits.from_mapping({"fuel": "10"})

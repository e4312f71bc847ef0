"""The core's events, actions, verdicts and limits: values with stable names."""

from __future__ import annotations

import dataclasses

import pytest

from edge_agent import const
from edge_agent.core_events import Arrived, CoreLimits, Dropped, Verdict


def test_verdicts_are_stable_counter_names() -> None:
    for verdict in Verdict:
        assert verdict.value == verdict.name.lower() and verdict.value.isidentifier()
    assert {"replay", "unsealed", "forged", "over_budget", "rate_limited"} <= {v.value for v in Verdict}


def test_limits_follow_const_when_made_and_take_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(const, "NODE_MAX_PARTICLES", 7)
    limits = CoreLimits.from_const(max_finished=9)
    assert limits.max_particles == 7 and limits.max_finished == 9
    assert {f.name for f in dataclasses.fields(CoreLimits)} == set(dataclasses.asdict(CoreLimits.from_const()))
    with pytest.raises(TypeError):
        CoreLimits.from_const(no_such_limit=1)


def test_events_and_actions_are_frozen() -> None:
    drop = Dropped("p", Verdict.REPLAY, "again")
    with pytest.raises(dataclasses.FrozenInstanceError):
        drop.verdict = Verdict.FORGED  # type: ignore[misc]
    assert Arrived(envelope=object()).local is False  # type: ignore[arg-type]

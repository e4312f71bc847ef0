"""A service's versions as values (edge_agent/versions.py): what an update, a failure and a
rollback make of a history, what is kept, and what a stored history may hold."""

from __future__ import annotations

import pytest

from edge_agent import const
from edge_agent.versions import BadHistory, Check, History, Version, VersionState, is_healthy

A, B, C, D = ("a" * 64, "b" * 64, "c" * 64, "d" * 64)


def updated(history: History, number: int, module: str, keep: int = 3) -> History:
    current = history.current
    version = Version(number, module, state=VersionState.WATCHING, watch_until_ms=number * 100,
                      check=Check(), replaced=current.number if current else 0)
    return history.added(version, keep, number * 10)


def test_an_update_serves_the_new_version_and_keeps_the_old_as_previous() -> None:
    history = updated(History((Version(1, A),)), 2, B)
    assert [(v.number, v.state) for v in history.versions] == [
        (1, VersionState.PREVIOUS), (2, VersionState.WATCHING)
    ]
    assert history.current == history.get(2) and history.get(1).ended_at_ms == 20
    kept = history.kept(2)
    assert kept.current.state is VersionState.SERVING and kept.current.check is None


def test_a_failure_switches_back_and_keeps_the_failed_version_with_why() -> None:
    history = updated(History((Version(1, A),)), 2, B).switched(1, VersionState.FAILED, "x" * 999, 50)
    assert history.current.number == 1 and history.current.state is VersionState.SERVING
    failed = history.get(2)
    assert failed.state is VersionState.FAILED and failed.ended_at_ms == 50
    assert failed.reason == "x" * const.UPDATE_MAX_REASON_CHARS


def test_only_the_newest_versions_are_kept_and_always_the_serving_one() -> None:
    history = History((Version(1, A),))
    for number, module in ((2, B), (3, C), (4, D)):
        history = updated(history, number, module, keep=2)
    assert [v.number for v in history.versions] == [3, 4] and history.modules() == {C, D}
    back = history.switched(3, VersionState.PREVIOUS, "rollback", 1)
    assert [v.number for v in updated(back, 5, A, keep=1).versions] == [5]
    assert [v.number for v in back.trimmed(0).versions] == [3]
    assert back.next_number() == 5


def test_a_history_round_trips_through_json_and_bad_ones_are_refused() -> None:
    history = updated(History((Version(1, A, by="laptop"),)), 2, B)
    assert History.from_json(history.to_json()) == history
    with pytest.raises(BadHistory, match="more than one version serves"):
        History.from_json([Version(1, A).to_json(), Version(2, B).to_json()])
    with pytest.raises(BadHistory, match="at most"):
        History.from_json([Version(1, A).to_json()] * (const.MAX_KEEP_VERSIONS + 2))
    for bad in ({"version": -1, "module": A}, {"module": A}, {"version": 1, "module": A, "state": "odd"}, 7):
        with pytest.raises(BadHistory):
            History.from_json([bad])


def test_health_passes_unless_it_says_false_or_0_and_a_smoke_call_passes_when_it_returns() -> None:
    assert [is_healthy(Check(), v) for v in (1, True, None, "ok", 0, False)] == [True] * 4 + [False] * 2
    assert is_healthy(Check("count", (), smoke=True), 0)
    with pytest.raises(ValueError, match="1-64 characters"):
        Check("")

"""Spell definitions, schedules, backoff and records (edge_agent/spells.py): pure rules."""

from __future__ import annotations

import datetime as dt

import pytest

from edge_agent import const
from edge_agent.spells import (
    BadSpell,
    RunRecord,
    Schedule,
    SpellDef,
    SpellRecord,
    Trigger,
    backoff_ms,
    next_due_ms,
    parse_period,
    result_of,
)

SCRIPT = "(null)"
UTC = (
    lambda ms: dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc).replace(tzinfo=None),
    lambda when: int(when.replace(tzinfo=dt.timezone.utc).timestamp() * 1000),
)


@pytest.mark.parametrize(
    ("text", "ms"), [("1s", 1000), ("30s", 30_000), ("1500ms", 1500), ("5m", 300_000), ("2h", 7_200_000),
                     ("1d", 86_400_000), (" 10s ", 10_000)],
)
def test_periods(text: str, ms: int) -> None:
    assert parse_period(text) == ms


@pytest.mark.parametrize(
    "text", ["", "10", "s", "1.5s", "-1s", "999ms", "367d", "1w", "10 s", "1" * 13 + "s"]
)
def test_bad_periods(text: str) -> None:
    with pytest.raises(BadSpell):
        parse_period(text)


def test_a_schedule_is_exactly_one_of_three() -> None:
    with pytest.raises(BadSpell, match="one schedule"):
        Schedule()
    with pytest.raises(BadSpell, match="one schedule"):
        Schedule(every_ms=1000, on=Trigger.PEER_JOINED)
    for obj in ({"every_ms": 1000}, {"cron": "*/5 * * * *"}, {"on": "peer-left"}):
        assert Schedule.from_json(obj).to_json() == obj


@pytest.mark.parametrize(
    ("obj", "says"),
    [
        ({"every_ms": 10}, "every_ms"),
        ({"every_ms": True}, "every_ms"),
        ({"cron": "61 * * * *"}, "cron: minute"),
        ({"on": "reboot"}, "peer-joined, peer-left, service-deployed"),
        ({"at": 1}, "unknown schedule"),
        ({"every_ms": 1000, "on": "peer-left"}, "a schedule is"),
        ([], "a schedule is"),
    ],
)
def test_bad_schedules(obj: object, says: str) -> None:
    with pytest.raises(BadSpell, match=says):
        Schedule.from_json(obj)


def test_schedule_texts() -> None:
    assert Schedule(every_ms=30_000).text == "every 30s"
    assert Schedule(every_ms=1500).text == "every 1500ms"
    assert Schedule(every_ms=7_200_000).text == "every 2h"
    assert Schedule.from_json({"cron": "0 * * * *"}).text == "cron 0 * * * *"
    assert Schedule(on=Trigger.SERVICE_DEPLOYED).text == "on service-deployed"


def spell(**kw: object) -> SpellDef:
    base: dict[str, object] = {"name": "temp", "script": SCRIPT, "schedule": Schedule(every_ms=1000)}
    return SpellDef(**{**base, **kw})  # type: ignore[arg-type]


def test_a_definition_round_trips() -> None:
    s = spell(args={"devices": ["a", "b"], "n": 3}, installed_by="me", installed_at_ms=5, source="t.aqua:f")
    assert SpellDef.from_json(s.to_json()) == s


@pytest.mark.parametrize(
    ("kw", "says"),
    [
        ({"name": ""}, "name"),
        ({"name": ".hidden"}, "name"),
        ({"name": "a/b"}, "name"),
        ({"name": "x" * 65}, "name"),
        ({"script": "x" * (const.SPELL_MAX_SCRIPT_BYTES + 1)}, "at most"),
        ({"args": {"big": "x" * const.SPELL_MAX_ARGS_BYTES}}, "bytes of JSON"),
        ({"args": {"f": float("nan")}}, "args"),
        ({"args": {1: 2}}, "named values"),
        ({"source": "x" * 300}, "source"),
    ],
)
def test_bad_definitions(kw: dict[str, object], says: str) -> None:
    with pytest.raises(BadSpell, match=says):
        spell(**kw)


def test_unknown_fields_are_refused() -> None:
    obj = spell().to_json()
    with pytest.raises(BadSpell, match="unknown spell field 'extra'"):
        SpellDef.from_json({**obj, "extra": 1})


def test_backoff_doubles_and_is_bounded() -> None:
    waits = [backoff_ms(n) for n in range(0, 40)]
    assert waits[:4] == [0, const.SPELL_BACKOFF_BASE_MS, 2 * const.SPELL_BACKOFF_BASE_MS,
                         4 * const.SPELL_BACKOFF_BASE_MS]
    assert max(waits) == const.SPELL_BACKOFF_MAX_MS == waits[-1]
    assert waits == sorted(waits)


def test_every_runs_at_once_then_a_period_after_each_start() -> None:
    every = Schedule(every_ms=10_000)
    assert next_due_ms(every, now_ms=1000, last_started_ms=None, last_ended_ms=None, failures=0) == 1000
    assert next_due_ms(every, now_ms=1000, last_started_ms=500, last_ended_ms=900, failures=0) == 10_500
    # A device that was off runs it once, now, not once per missed period.
    assert next_due_ms(every, now_ms=99_000, last_started_ms=500, last_ended_ms=900, failures=0) == 99_000


def test_a_failing_spell_waits_its_backoff() -> None:
    every = Schedule(every_ms=1000)
    due = next_due_ms(every, now_ms=2000, last_started_ms=1000, last_ended_ms=1500, failures=5)
    assert due == 1500 + backoff_ms(5)


def test_cron_runs_at_the_next_minute_in_local_time() -> None:
    cron = Schedule.from_json({"cron": "*/5 * * * *"})
    now = UTC[1](dt.datetime(2026, 12, 4, 22, 47, 30))
    due = next_due_ms(cron, now_ms=now, last_started_ms=None, last_ended_ms=None, failures=0, local_time=UTC)
    assert due == UTC[1](dt.datetime(2026, 12, 4, 22, 50))


def test_triggered_spells_have_no_time() -> None:
    on = Schedule(on=Trigger.PEER_JOINED)
    assert next_due_ms(on, now_ms=0, last_started_ms=None, last_ended_ms=None, failures=0) is None


def test_the_record_keeps_the_last_runs_and_counts_failures() -> None:
    record = SpellRecord()
    for i in range(const.SPELL_MAX_RUNS_KEPT + 5):
        record.add(RunRecord.make(i, 1, i % 3 != 1, i, "" if i % 3 != 1 else "boom"))
    assert len(record.runs) == const.SPELL_MAX_RUNS_KEPT
    assert record.runs[-1].started_ms == const.SPELL_MAX_RUNS_KEPT + 4
    assert record.total_runs == const.SPELL_MAX_RUNS_KEPT + 5
    record.add(RunRecord.make(0, 1, False, None, "x"))
    record.add(RunRecord.make(0, 1, False, None, "x"))
    assert record.failures == 2
    record.add(RunRecord.make(0, 1, True, None, ""))
    assert record.failures == 0
    assert SpellRecord.from_json(record.to_json()) == record


def test_a_result_too_large_for_the_log_is_kept_as_an_error() -> None:
    run = RunRecord.make(0, 1, True, "x" * const.SPELL_MAX_RESULT_BYTES, "")
    assert run.ok and run.result is None and "larger than" in run.error


def test_state_is_bounded() -> None:
    record = SpellRecord()
    for i in range(const.SPELL_MAX_KV_KEYS):
        record.set(f"k{i}", i)
    record.set("k0", "replaced")  # an existing key may change
    with pytest.raises(BadSpell, match="keys"):
        record.set("one-more", 1)
    with pytest.raises(BadSpell, match="bytes"):
        record.set("k1", "x" * const.SPELL_MAX_KV_VALUE_BYTES)
    with pytest.raises(BadSpell, match="key"):
        record.set("", 1)
    record.set("k1", None)
    assert "k1" not in record.kv


def test_results() -> None:
    assert result_of([]) is None
    assert result_of([[21.5]]) == 21.5
    assert result_of([[1, "a"]]) == [1, "a"]

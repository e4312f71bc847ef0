"""Spells: scripts a device runs by itself -- their definitions, schedules and records (pure).

A spell is an AIR script (compiled from Aqua on the laptop) that a device starts with itself
as the init peer, on a schedule (`every` so many ms, or a `cron` expression) or when
something happens (`on` a trigger: a peer joined or left, a service was deployed). Its
arguments are its getDataSrv data, fixed at install. Each run leaves a `RunRecord` in the
spell's bounded result log; the script keeps state between runs in the spell's own small
key-value map (the `spell` service, `edge_agent.services.spell`).

This module holds the rules only -- what a valid spell is, when it runs next, how long a
failing one waits -- and no clock, file or task: `edge_agent.spell_store` keeps spells in
the state directory and `edge_agent.spell_runner` runs them.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from edge_agent import const
from edge_agent.air.values import check_value, to_json
from edge_agent.cron import Cron, CronError

__all__ = [
    "BadSpell",
    "Schedule",
    "SpellDef",
    "SpellRecord",
    "RunRecord",
    "Trigger",
    "backoff_ms",
    "next_due_ms",
    "parse_period",
]

_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,63}\Z")
_PERIOD = re.compile(r"(\d{1,12})(ms|s|m|h|d)\Z")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}


_FIELDS = frozenset({"name", "script", "schedule", "args", "installed_by", "installed_at_ms", "source"})


class BadSpell(ValueError):
    """A spell definition that cannot be installed; the message says what to change."""


class Trigger(enum.Enum):
    """What starts an `on` spell."""

    PEER_JOINED = "peer-joined"
    """A peer appeared on the LAN (announced over mDNS, or configured)."""
    PEER_LEFT = "peer-left"
    """A peer that had joined has no address any more (goodbye or expiry)."""
    SERVICE_DEPLOYED = "service-deployed"
    """A Wasm service was deployed (or updated) on this device."""


def parse_period(text: str) -> int:
    """`30s`, `500ms`, `5m`, `2h`, `1d` in milliseconds, within the spell limits; `BadSpell`."""
    m = _PERIOD.match(text.strip()) if isinstance(text, str) else None
    if m is None:
        raise BadSpell(f"a period is a number and a unit (ms, s, m, h, d), such as 30s: got {text!r}")
    ms = int(m.group(1)) * _UNIT_MS[m.group(2)]
    if not const.SPELL_MIN_PERIOD_MS <= ms <= const.SPELL_MAX_PERIOD_MS:
        raise BadSpell(
            f"a period is {const.SPELL_MIN_PERIOD_MS} ms to {const.SPELL_MAX_PERIOD_MS // 86_400_000} days,"
            f" got {text!r}"
        )
    return ms


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a spell runs: exactly one of every `every_ms`, at `cron`, or `on` a trigger."""

    every_ms: int | None = None
    cron: Cron | None = None
    on: Trigger | None = None

    def __post_init__(self) -> None:
        if sum(x is not None for x in (self.every_ms, self.cron, self.on)) != 1:
            raise BadSpell("a spell has one schedule: --every PERIOD, --cron EXPR or --on EVENT")
        every = self.every_ms
        if every is not None and not (
            type(every) is int and const.SPELL_MIN_PERIOD_MS <= every <= const.SPELL_MAX_PERIOD_MS
        ):
            raise BadSpell(f"every_ms is {const.SPELL_MIN_PERIOD_MS} to {const.SPELL_MAX_PERIOD_MS}")

    @classmethod
    def from_json(cls, obj: Any) -> Schedule:
        """`{"every_ms": 30000}`, `{"cron": "*/5 * * * *"}` or `{"on": "peer-joined"}`."""
        if not isinstance(obj, dict) or len(obj) != 1:
            raise BadSpell('a schedule is {"every_ms": N}, {"cron": "EXPR"} or {"on": "EVENT"}')
        (key, value), = obj.items()
        try:
            if key == "every_ms":
                return cls(every_ms=value)
            if key == "cron":
                return cls(cron=Cron.parse(value))
            if key == "on":
                return cls(on=Trigger(value))
        except BadSpell:
            raise
        except CronError as exc:
            raise BadSpell(f"cron: {exc}") from None
        except ValueError:
            events = ", ".join(t.value for t in Trigger)
            raise BadSpell(f"a spell runs on one of {events}; got {value!r}") from None
        raise BadSpell(f'unknown schedule {key!r}: use "every_ms", "cron" or "on"')

    def to_json(self) -> dict[str, Any]:
        if self.every_ms is not None:
            return {"every_ms": self.every_ms}
        if self.cron is not None:
            return {"cron": self.cron.text}
        assert self.on is not None
        return {"on": self.on.value}

    @property
    def text(self) -> str:
        """As `spell list` shows it: ``every 30s``, ``cron */5 * * * *``, ``on peer-joined``."""
        if self.every_ms is not None:
            ms = self.every_ms
            for unit in ("d", "h", "m", "s"):
                if ms % _UNIT_MS[unit] == 0:
                    return f"every {ms // _UNIT_MS[unit]}{unit}"
            return f"every {ms}ms"
        if self.cron is not None:
            return f"cron {self.cron.text}"
        assert self.on is not None
        return f"on {self.on.value}"


@dataclass(frozen=True, slots=True)
class SpellDef:
    """What `spell install` asks for: a named script, its schedule and its arguments."""

    name: str
    script: str
    schedule: Schedule
    args: Mapping[str, Any] = field(default_factory=dict)
    installed_by: str = ""
    installed_at_ms: int = 0
    source: str = ""
    """Where the script came from, for people (``temp.aqua:record``); never interpreted."""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise BadSpell(
                "a spell name is 1-64 letters, digits, '_', '-' or '.', not starting with '.' or '-'"
            )
        if not isinstance(self.script, str) or len(self.script.encode()) > const.SPELL_MAX_SCRIPT_BYTES:
            raise BadSpell(f"a spell's script is AIR text of at most {const.SPELL_MAX_SCRIPT_BYTES} bytes")
        if not isinstance(self.args, Mapping) or not all(isinstance(k, str) for k in self.args):
            raise BadSpell("a spell's args are an object of named values")
        try:
            check_value(dict(self.args))
            size = len(to_json(dict(self.args)).encode())
        except (TypeError, ValueError) as exc:
            raise BadSpell(f"a spell's args: {exc}") from None
        if size > const.SPELL_MAX_ARGS_BYTES:
            raise BadSpell(f"a spell's args are {size} bytes of JSON, more than {const.SPELL_MAX_ARGS_BYTES}")
        if not isinstance(self.source, str) or len(self.source) > 256:
            raise BadSpell("a spell's source is a string of at most 256 characters")
        object.__setattr__(self, "args", dict(self.args))

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "script": self.script,
            "schedule": self.schedule.to_json(),
            "args": dict(self.args),
            "installed_by": self.installed_by,
            "installed_at_ms": self.installed_at_ms,
            "source": self.source,
        }

    @classmethod
    def from_json(cls, obj: Any) -> SpellDef:
        """A definition from `to_json`'s form (or spell.install's argument); `BadSpell`."""
        if not isinstance(obj, dict):
            raise BadSpell("a spell is an object with name, script, schedule and args")
        unknown = sorted(set(obj) - _FIELDS)
        if unknown:
            raise BadSpell(f"unknown spell field {unknown[0]!r}")
        by, at = obj.get("installed_by", ""), obj.get("installed_at_ms", 0)
        if not isinstance(by, str) or type(at) is not int:
            raise BadSpell("installed_by is a peer id and installed_at_ms an integer")
        return cls(
            name=obj.get("name"),  # type: ignore[arg-type]
            script=obj.get("script"),  # type: ignore[arg-type]
            schedule=Schedule.from_json(obj.get("schedule")),
            args=obj.get("args", {}),
            installed_by=by,
            installed_at_ms=at,
            source=obj.get("source", ""),
        )


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One run of a spell, as its result log keeps it."""

    started_ms: int
    duration_ms: int
    ok: bool
    result: Any = None
    """What the script returned (callbackSrv.response's arguments: one value, or a list of
    them), None if it returned nothing or failed."""
    error: str = ""
    """Why the run failed ('' if it did not)."""

    @classmethod
    def make(cls, started_ms: int, duration_ms: int, ok: bool, result: Any, error: str) -> RunRecord:
        """A record whose result fits the log: a larger one is kept as an error saying so."""
        if result is not None:
            size = len(to_json(result).encode())
            if size > const.SPELL_MAX_RESULT_BYTES:
                return cls(started_ms, duration_ms, ok, None,
                           f"the result ({size} bytes of JSON) is larger than the "
                           f"{const.SPELL_MAX_RESULT_BYTES} bytes the log keeps")
        return cls(started_ms, duration_ms, ok, result, error[:1000])

    def to_json(self) -> dict[str, Any]:
        return {
            "started_ms": self.started_ms,
            "duration_ms": self.duration_ms,
            "ok": self.ok,
            "result": self.result,
            "error": self.error,
        }

    @classmethod
    def from_json(cls, obj: Any) -> RunRecord:
        if not isinstance(obj, dict):
            raise BadSpell("a run record is an object")
        started, duration, ok = obj.get("started_ms"), obj.get("duration_ms"), obj.get("ok")
        error = obj.get("error", "")
        if not (type(started) is type(duration) is int and type(ok) is bool and type(error) is str):
            raise BadSpell("a run record has integer started_ms and duration_ms, boolean ok, string error")
        return cls(started, duration, ok, obj.get("result"), error)


@dataclass(slots=True)
class SpellRecord:
    """A spell's life here: its runs (newest last, bounded), its failures in a row and its
    own key-value state. Mutable: the runner owns one per spell and persists it."""

    runs: list[RunRecord] = field(default_factory=list)
    total_runs: int = 0
    failures: int = 0
    """Failed runs in a row (0 after a success): the backoff."""
    kv: dict[str, Any] = field(default_factory=dict)

    def add(self, run: RunRecord) -> None:
        """Log `run`, dropping the oldest beyond `const.SPELL_MAX_RUNS_KEPT`."""
        self.runs.append(run)
        del self.runs[: -const.SPELL_MAX_RUNS_KEPT]
        self.total_runs += 1
        self.failures = 0 if run.ok else self.failures + 1

    @property
    def last(self) -> RunRecord | None:
        return self.runs[-1] if self.runs else None

    def set(self, key: str, value: Any) -> None:
        """Keep `value` under `key` (None deletes it); `BadSpell` past the limits."""
        if not isinstance(key, str) or not 0 < len(key) <= 256:
            raise BadSpell("a key is a string of 1-256 characters")
        if value is None:
            self.kv.pop(key, None)
            return
        check_value(value)
        size = len(to_json(value).encode())
        if size > const.SPELL_MAX_KV_VALUE_BYTES:
            limit = const.SPELL_MAX_KV_VALUE_BYTES
            raise BadSpell(f"the value is {size} bytes of JSON; a spell keeps values of at most {limit}")
        if key not in self.kv and len(self.kv) >= const.SPELL_MAX_KV_KEYS:
            raise BadSpell(f"a spell keeps at most {const.SPELL_MAX_KV_KEYS} keys; delete one first")
        self.kv[key] = value

    def to_json(self) -> dict[str, Any]:
        return {
            "runs": [r.to_json() for r in self.runs],
            "total_runs": self.total_runs,
            "failures": self.failures,
            "kv": dict(self.kv),
        }

    @classmethod
    def from_json(cls, obj: Any) -> SpellRecord:
        if not isinstance(obj, dict):
            raise BadSpell("a spell's record is an object")
        runs, kv = obj.get("runs", []), obj.get("kv", {})
        total, failures = obj.get("total_runs", 0), obj.get("failures", 0)
        if not (isinstance(runs, list) and isinstance(kv, dict) and type(total) is type(failures) is int):
            raise BadSpell("a spell's record has a list of runs, an object kv and integer counts")
        return cls([RunRecord.from_json(r) for r in runs[-const.SPELL_MAX_RUNS_KEPT:]], total, failures, kv)


def backoff_ms(failures: int) -> int:
    """How long a spell that failed `failures` times in a row waits before it may run again:
    0 after a success, then base, 2*base, 4*base, ... at most `const.SPELL_BACKOFF_MAX_MS`."""
    if failures <= 0:
        return 0
    return min(const.SPELL_BACKOFF_BASE_MS << min(failures - 1, 30), const.SPELL_BACKOFF_MAX_MS)


def next_due_ms(
    schedule: Schedule,
    *,
    now_ms: int,
    last_started_ms: int | None,
    last_ended_ms: int | None,
    failures: int,
    local_time: Any = None,
) -> int | None:
    """When a timed spell runs next (ms since the epoch), or None for a triggered one.

    `every`: one period after the last start (at once if it never ran, or if that time has
    passed: a device that was off runs it once, not once per missed period). `cron`: the
    expression's next minute after now. Either way, no earlier than the backoff after the
    last run's end. `local_time(ms) -> naive datetime` and its inverse are the device's
    clock conversion (`(to_local, from_local)`), needed for cron only.
    """
    if schedule.on is not None:
        return None
    if schedule.every_ms is not None:
        due = now_ms if last_started_ms is None else max(now_ms, last_started_ms + schedule.every_ms)
    else:
        assert schedule.cron is not None and local_time is not None
        to_local, from_local = local_time
        nxt = schedule.cron.next_after(to_local(now_ms))
        if nxt is None:  # refused at parse time; a clock far off could still get here
            return None
        due = from_local(nxt)
    if last_ended_ms is not None:
        due = max(due, last_ended_ms + backoff_ms(failures))
    return due


def local_clock() -> tuple[Any, Any]:
    """This machine's conversion between epoch ms and naive local time (for cron)."""

    def to_local(ms: int) -> dt.datetime:
        return dt.datetime.fromtimestamp(ms / 1000)

    def from_local(when: dt.datetime) -> int:
        return int(when.timestamp() * 1000)

    return to_local, from_local


def result_of(responses: list[list[Any]]) -> Any:
    """A run's result from what it sent callbackSrv.response: the first response's single
    value, or its values as a list; None if it sent none."""
    if not responses:
        return None
    first = responses[0]
    return first[0] if len(first) == 1 else list(first)


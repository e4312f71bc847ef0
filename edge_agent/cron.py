"""Cron expressions: the standard five fields, parsed and stepped to their next time (pure).

    minute hour day-of-month month day-of-week
    0-59   0-23 1-31         1-12  0-7 (0 and 7 are Sunday)

Each field is `*`, a number, a range `a-b`, a step `*/n` or `a-b/n` or `a/n` (from a to the
field's end), or a comma-separated list of those; months and days of the week may also be
named by their first three letters (`jan`, `mon`, case aside). As in Vixie cron (and
POSIX), when both day fields are restricted a day matches if *either* matches; when one is
`*`, only the other counts. No seconds field, no `@daily` shorthands, no `L`/`W`/`#`.

Times are naive `datetime`s in the device's local time; the caller converts (a pure module
has no clock and no time zone). The text is bounded before it is parsed, and the search for
the next time looks at most `const.CRON_MAX_SEARCH_DAYS` days ahead, so an expression that
never fires (`0 0 30 2 *`) is refused at parse time instead of looping.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from edge_agent import const

__all__ = ["Cron", "CronError"]

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_FIELDS = (  # name, lowest, highest, names (the first is worth `lowest`)
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, _MONTHS),
    ("day of week", 0, 7, _DAYS),
)


class CronError(ValueError):
    """A cron expression that is malformed or never fires; the message says which field."""


@dataclass(frozen=True, slots=True)
class Cron:
    """A parsed cron expression: the values each field admits."""

    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    """0 is Sunday (a 7 in the text is folded into 0)."""
    any_day: bool
    """The day-of-month field is `*`."""
    any_weekday: bool
    """The day-of-week field is `*`."""

    @classmethod
    def parse(cls, text: str) -> Cron:
        """The expression `text`; `CronError` if it is malformed or can never fire."""
        if not isinstance(text, str) or len(text) > const.CRON_MAX_CHARS:
            raise CronError(f"a cron expression is a string of at most {const.CRON_MAX_CHARS} characters")
        fields = text.split()
        if len(fields) != 5:
            raise CronError(
                f"a cron expression has 5 fields (minute hour day-of-month month day-of-week), "
                f"got {len(fields)}: {text!r}"
            )
        sets = [_field(f, *spec) for f, spec in zip(fields, _FIELDS, strict=True)]
        weekdays = frozenset(d % 7 for d in sets[4])
        minutes, hours, days, months, _ = sets
        any_day, any_weekday = fields[2] == "*", fields[4] == "*"
        cron = cls(" ".join(fields), minutes, hours, days, months, weekdays, any_day, any_weekday)
        if cron.next_after(dt.datetime(2000, 1, 1)) is None:
            raise CronError(f"{text!r} never fires (no such day in {const.CRON_MAX_SEARCH_DAYS} days)")
        return cron

    def day_matches(self, day: dt.date) -> bool:
        """Whether the expression fires on some minute of `day` (Vixie cron's day rule)."""
        if day.month not in self.months:
            return False
        by_date = day.day in self.days
        by_weekday = (day.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return by_date and by_weekday
        return by_date or by_weekday

    def next_after(self, after: dt.datetime) -> dt.datetime | None:
        """The first minute strictly after `after` that the expression names (seconds are
        zero), or None if none comes within `const.CRON_MAX_SEARCH_DAYS` days."""
        start = after.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
        day = start.date()
        for _ in range(const.CRON_MAX_SEARCH_DAYS):
            if self.day_matches(day):
                first = start.time() if day == start.date() else dt.time(0, 0)
                at = self._first_time(first)
                if at is not None:
                    return dt.datetime.combine(day, at)
            day += dt.timedelta(days=1)
        return None

    def _first_time(self, earliest: dt.time) -> dt.time | None:
        """The first (hour, minute) the expression names at or after `earliest` in a day."""
        for hour in sorted(h for h in self.hours if h >= earliest.hour):
            low = earliest.minute if hour == earliest.hour else 0
            minute = min((m for m in self.minutes if m >= low), default=None)
            if minute is not None:
                return dt.time(hour, minute)
        return None


def _field(text: str, name: str, low: int, high: int, names: tuple[str, ...]) -> frozenset[int]:
    """The values one field admits; `CronError` naming the field if it is malformed."""
    values: set[int] = set()
    for part in text.split(","):
        base, slash, step_text = part.partition("/")
        step = _number(step_text, name, names=()) if slash else 1
        if step < 1:
            raise CronError(f"{name}: a step is at least 1, got {part!r}")
        if base == "*":
            first, last = low, high
        elif "-" in base:
            a, _, b = base.partition("-")
            first, last = _number(a, name, names, low), _number(b, name, names, low)
        else:
            first = _number(base, name, names, low)
            last = high if slash else first
        if not low <= first <= last <= high:
            raise CronError(f"{name}: {part!r} is outside {low}-{high} or runs backwards")
        values.update(range(first, last + 1, step))
    return frozenset(values)


def _number(text: str, name: str, names: tuple[str, ...], low: int = 0) -> int:
    """One number of a field, or one of its names (`jan` is `low`)."""
    lowered = text.lower()
    if lowered in names:
        return names.index(lowered) + low
    if not text.isascii() or not text.isdigit() or len(text) > 2:
        also = f" or a name ({names[0]}...)" if names else ""
        raise CronError(f"{name}: {text!r} is not a number{also}")
    return int(text)

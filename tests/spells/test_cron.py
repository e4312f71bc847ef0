"""Cron expressions (edge_agent/cron.py): the five standard fields, their next time, refusals."""

from __future__ import annotations

import datetime as dt

import pytest

from edge_agent import const
from edge_agent.cron import Cron, CronError

T = dt.datetime(2026, 12, 4, 22, 47, 30)  # a Friday


def nxt(text: str, after: dt.datetime = T) -> dt.datetime | None:
    return Cron.parse(text).next_after(after)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("* * * * *", dt.datetime(2026, 12, 4, 22, 48)),
        ("*/5 * * * *", dt.datetime(2026, 12, 4, 22, 50)),
        ("0 * * * *", dt.datetime(2026, 12, 4, 23, 0)),
        ("47 22 * * *", dt.datetime(2026, 12, 5, 22, 47)),  # strictly after: not this minute
        ("0 9 * * 1-5", dt.datetime(2026, 12, 7, 9, 0)),  # weekdays: Monday next
        ("0 9 * * mon,WED", dt.datetime(2026, 12, 7, 9, 0)),
        ("0 0 1 jan *", dt.datetime(2027, 1, 1, 0, 0)),
        ("0 0 29 2 *", dt.datetime(2028, 2, 29, 0, 0)),
        ("15,45 8-10/2 * * *", dt.datetime(2026, 12, 5, 8, 15)),
        ("10/20 23 * * *", dt.datetime(2026, 12, 4, 23, 10)),  # a/n: from a to the end
        ("0 0 * * 7", dt.datetime(2026, 12, 6, 0, 0)),  # 7 is Sunday, as 0
        ("0 0 * * 0", dt.datetime(2026, 12, 6, 0, 0)),
        # both day fields restricted: either matches (the 13th, or a Friday)
        ("0 12 13 * 5", dt.datetime(2026, 12, 11, 12, 0)),
    ],
)
def test_next_after(text: str, expected: dt.datetime) -> None:
    assert nxt(text) == expected


def test_a_day_field_restricted_alone_counts_alone() -> None:
    # the 13th only (day of week is *), and Fridays only (day of month is *)
    assert nxt("0 12 13 * *") == dt.datetime(2026, 12, 13, 12, 0)
    assert nxt("0 12 * * fri") == dt.datetime(2026, 12, 11, 12, 0)


def test_the_minute_rolls_over_hours_days_months_and_years() -> None:
    assert nxt("* * * * *", dt.datetime(2026, 12, 31, 23, 59, 59)) == dt.datetime(2027, 1, 1, 0, 0)
    assert nxt("30 * * * *", dt.datetime(2026, 12, 4, 23, 45)) == dt.datetime(2026, 12, 5, 0, 30)


def test_the_expression_is_kept_normalised() -> None:
    assert Cron.parse("  */5   *  * * *").text == "*/5 * * * *"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("* * * *", "5 fields"),
        ("* * * * * *", "5 fields"),
        ("60 * * * *", "minute"),
        ("* 24 * * *", "hour"),
        ("* * 0 * *", "day of month"),
        ("* * * 13 *", "month"),
        ("* * * * 8", "day of week"),
        ("5-1 * * * *", "backwards"),
        ("*/0 * * * *", "step"),
        ("a * * * *", "not a number"),
        ("* * * foo *", "not a number or a name"),
        ("1,,2 * * * *", "not a number"),
        ("-1 * * * *", "not a number"),
        ("١ * * * *", "not a number"),  # an Arabic-Indic digit is not ASCII
        ("0 0 30 2 *", "never fires"),
        ("0 0 31 4,6,9,11 *", "never fires"),
        ("* " * 200, "at most"),
    ],
)
def test_malformed_or_impossible_expressions_are_refused(text: str, says: str) -> None:
    with pytest.raises(CronError, match=says):
        Cron.parse(text)


def test_a_non_string_is_refused() -> None:
    with pytest.raises(CronError):
        Cron.parse(5)  # type: ignore[arg-type]


def test_the_search_is_bounded() -> None:
    cron = Cron.parse("0 0 29 2 *")
    # From just after a Feb 29th, the next is four years on: within the bound.
    assert cron.next_after(dt.datetime(2028, 3, 1)) == dt.datetime(2032, 2, 29)
    assert const.CRON_MAX_SEARCH_DAYS < 10 * 366

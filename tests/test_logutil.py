"""The one rule for peer-caused log records: once per key, then DEBUG, at a bounded rate."""

from __future__ import annotations

import logging

import pytest

from edge_agent.logutil import DemoteRepeats, OnceLog
from edge_agent.ratelimit import Rate
from tests.support.clock import FakeClock


def levels(caplog: pytest.LogCaptureFixture, name: str) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == name]


def test_once_per_key_then_debug(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="t.once")
    once = OnceLog(logging.getLogger("t.once"))
    for _ in range(3):
        once.warning(("bad", "10.0.0.1"), "bad thing from %s", "10.0.0.1")
    once.info(("busy",), "busy")
    once.warning(("bad", "10.0.0.2"), "bad thing from %s", "10.0.0.2")
    assert levels(caplog, "t.once") == [
        (logging.WARNING, "bad thing from 10.0.0.1"),
        (logging.DEBUG, "bad thing from 10.0.0.1"),
        (logging.DEBUG, "bad thing from 10.0.0.1"),
        (logging.INFO, "busy"),
        (logging.WARNING, "bad thing from 10.0.0.2"),
    ]


def test_the_key_table_is_bounded_least_recent_first() -> None:
    once = OnceLog(logging.getLogger("t.bounded"), max_keys=2)
    assert once.level_for(logging.WARNING, "a") == logging.WARNING
    assert once.level_for(logging.WARNING, "b") == logging.WARNING
    assert once.level_for(logging.WARNING, "a") == logging.DEBUG  # a is now the most recent
    assert once.level_for(logging.WARNING, "c") == logging.WARNING  # evicts b
    assert once.level_for(logging.WARNING, "a") == logging.DEBUG
    assert once.level_for(logging.WARNING, "b") == logging.WARNING  # forgotten: once more
    assert once.level_for(logging.DEBUG, "z") == logging.DEBUG


def test_a_flood_of_new_keys_is_rate_limited() -> None:
    clock = FakeClock()
    once = OnceLog(logging.getLogger("t.rate"), rate=Rate(per_s=0.5, burst=3), clock=clock)
    loud = [once.level_for(logging.WARNING, ("kind", i)) for i in range(900)]
    assert loud.count(logging.WARNING) == 3 and once.suppressed == 897
    clock.now += 2.0  # one more token
    assert once.level_for(logging.WARNING, ("kind", 5)) == logging.WARNING  # its first record
    assert once.level_for(logging.WARNING, ("kind", 6)) == logging.DEBUG


def test_demote_repeats_filter_keys_by_template(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("t.library")
    caplog.set_level(logging.DEBUG, logger="t.library")
    demote = DemoteRepeats(OnceLog(logging.getLogger("t.unused")))
    logger.addFilter(demote)
    try:
        for host in ("a", "b", "c"):
            logger.warning("unparsable message from %s", host)
        logger.info("another template")
        logger.error("errors always pass")
        logger.error("errors always pass")
    finally:
        logger.removeFilter(demote)
    assert [lvl for lvl, _ in levels(caplog, "t.library")] == [
        logging.WARNING, logging.DEBUG, logging.DEBUG, logging.INFO, logging.ERROR,
        logging.ERROR,
    ]


def test_demoted_records_are_dropped_when_debug_is_off(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logger = logging.getLogger("t.quiet")
    caplog.set_level(logging.INFO, logger="t.quiet")
    logger.addFilter(DemoteRepeats(OnceLog(logger)))
    for _ in range(3):
        logger.warning("same")
    assert levels(caplog, "t.quiet") == [(logging.WARNING, "same")]

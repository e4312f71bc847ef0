"""The log ring (edge_agent/logring.py): numbering, bounds, filters, the services' rate."""

from __future__ import annotations

import pytest

from edge_agent import const_observe as K
from edge_agent.logring import BadLogLine, Kind, Level, LogLine, LogRing, clip
from edge_agent.ratelimit import Rate


class Clock:
    def __init__(self) -> None:
        self.ms = 1_700_000_000_000
        self.s = 100.0

    def now_ms(self) -> int:
        return self.ms

    def mono(self) -> float:
        return self.s


def ring(lines: int = 10, **kw: Rate) -> tuple[LogRing, Clock]:
    clock = Clock()
    return LogRing(lines, clock_ms=clock.now_ms, monotonic=clock.mono, **kw), clock


def test_lines_are_numbered_and_read_after_a_number() -> None:
    r, _ = ring()
    for i in range(3):
        r.add(Kind.AGENT, f"line {i}", level=Level.WARNING)
    assert [line.seq for line in r.lines()] == [1, 2, 3]
    assert [line.text for line in r.lines(after=1)] == ["line 1", "line 2"]
    assert r.lines(after=3) == [] and r.last_seq == 3


def test_the_ring_keeps_its_newest_lines_only() -> None:
    r, _ = ring(10)
    for i in range(25):
        r.add(Kind.AGENT, f"line {i}")
    kept = r.lines()
    assert len(r) == 10 and [line.seq for line in kept] == list(range(16, 26))
    assert [line.seq for line in r.lines(after=3)] == list(range(16, 26)), "older than the ring: all kept"
    assert [line.seq for line in r.lines(after=20)] == [21, 22, 23, 24, 25]
    assert [line.seq for line in r.lines(limit=2)] == [24, 25]


def test_the_ring_size_is_bounded() -> None:
    with pytest.raises(ValueError):
        ring(K.LOG_RING_MIN_LINES - 1)
    with pytest.raises(ValueError):
        ring(K.LOG_RING_MAX_LINES + 1)


def test_long_text_is_cut_and_kept_on_one_line() -> None:
    r, _ = ring()
    line = r.add(Kind.SERVICE, "x" * 5000 + "\nnext", service="s" * 500)
    assert line is not None
    assert len(line.text) == K.LOG_LINE_MAX_CHARS and line.text.endswith("…")
    assert len(line.service) == K.LOG_SERVICE_NAME_MAX_CHARS
    assert clip("a\nb") == "a ⏎ b"


def test_filters_by_service_and_time() -> None:
    r, clock = ring()
    r.add(Kind.SERVICE, "early", service="a")
    clock.ms += 60_000
    r.add(Kind.SERVICE, "late", service="a")
    r.add(Kind.SERVICE, "other", service="b")
    r.add(Kind.DEPLOY, "deployed a", service="a")
    assert [x.text for x in r.lines(service="a")] == ["early", "late", "deployed a"]
    assert [x.text for x in r.lines(since_ms=clock.ms)] == ["late", "other", "deployed a"]


def test_a_services_lines_are_rate_limited_and_the_gap_is_told() -> None:
    r, clock = ring(100, each=Rate(1.0, 3), together=Rate(100.0, 100))
    kept = [r.add(Kind.SERVICE, f"n{i}", service="chatty") for i in range(10)]
    assert sum(x is not None for x in kept) == 3 and r.dropped == 7
    assert r.add(Kind.SERVICE, "quiet one", service="quiet") is not None, "others keep their share"
    assert r.add(Kind.AGENT, "the agent's own lines are not limited") is not None
    clock.s += 1.0
    r.add(Kind.SERVICE, "again", service="chatty")
    texts = [x.text for x in r.lines(service="chatty")]
    assert texts[-2:] == ["(7 lines not kept: over the rate)", "again"]


def test_lines_of_untrusted_peers_share_one_bucket_and_the_gap_is_told() -> None:
    r, clock = ring(100)
    kept = [r.add(Kind.REFUSED, f"refused {i}", stranger=True) for i in range(K.LOG_STRANGER_LINES_BURST + 10)]
    assert sum(x is not None for x in kept) == K.LOG_STRANGER_LINES_BURST and r.dropped == 10
    assert r.add(Kind.REFUSED, "refused the operator's own", level=Level.WARNING) is not None
    clock.s += 1 / K.LOG_STRANGER_LINES_PER_S
    r.add(Kind.FAILED, "failed later", stranger=True)
    texts = [x.text for x in r.lines()]
    assert texts[-2:] == ["(10 lines of untrusted peers not kept: over the rate)", "failed later"]


def test_a_listener_hears_every_line() -> None:
    r, _ = ring()
    heard: list[LogLine] = []
    r.listener = heard.append
    r.add(Kind.FAILED, "particle p failed")
    assert [x.kind for x in heard] == [Kind.FAILED]


def test_wire_form_round_trips_and_bad_lines_are_refused() -> None:
    r, _ = ring()
    line = r.add(Kind.REFUSED, "refused srv.deploy", level=Level.WARNING, service="svc")
    assert line is not None
    assert LogLine.from_wire(line.to_wire()) == line
    assert line.to_json()["level"] == "warning" and "svc: refused srv.deploy" in line.render(utc=True)
    for bad in ([1, 2, 3], [0, 1, 1, "agent", "", "x"], [1, 1, 9, "agent", "", "x"],
                [1, 1, 1, "nonsense", "", "x"], [1, 1, 1, "agent", 5, "x"], "text"):
        with pytest.raises(BadLogLine):
            LogLine.from_wire(bad)

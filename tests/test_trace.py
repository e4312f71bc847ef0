"""The trace model (issue 11), pure: the request, a peer's bounded records, the report's wire
form, and the timeline the init peer assembles from reports."""

from __future__ import annotations

import pytest

from edge_agent.air import parse
from edge_agent.trace import (
    TEXT_MAX_CHARS,
    PeerTrace,
    Record,
    Step,
    Timeline,
    TraceError,
    decode_report,
    encode_report,
    request,
    requested,
)

SCRIPT = '(seq (call "a" ("s" "f") [] x) (null))'


def test_the_request_is_a_comment_at_the_end_of_the_script() -> None:
    traced = request(SCRIPT)
    assert requested(traced) and not requested(SCRIPT) and request(traced) == traced
    assert traced.startswith(SCRIPT)  # line numbers of parse errors stay the same
    assert parse(traced) == parse(SCRIPT)


def test_a_report_round_trips_without_trailing_defaults() -> None:
    records = (
        Record(Step.ARRIVED, 5, "laptop"),
        Record(Step.CALL, 6, "", "greeting", "greet", 3, 0),
        Record(Step.SENT, 9, "garage"),
        Record(Step.UNREACHABLE, 10, "shed", text="no address known"),
        Record(Step.FAILED, 11, function='call "x" ("s" "f") [] r', code=10000, text="boom"),
        Record(Step.ARRIVED, 12),
    )
    value = encode_report(2, records, 1)
    assert value[2][0] == [0, 5, "laptop"] and value[2][2] == [2, 9, "garage"] and value[2][5] == [0, 12]
    assert decode_report(value, 64) == (2, records, 1)


@pytest.mark.parametrize(
    "value",
    [
        None,
        [2, 0, [], 0],
        [1, -1, [], 0],
        [1, 0, "rows", 0],
        [1, 0, [[0, 1]] * 3, 0],  # more records than the bound (2)
        [1, 0, [[0]], 0],
        [1, 0, [[7, 1]], 0],
        [1, 0, [[0, 1.5]], 0],
        [1, 0, [[1, 1, "", "s", "f", "3"]], 0],
        [1, 0, [[0, 1, "p" * (TEXT_MAX_CHARS + 1)]], 0],
        [1, 0, [[0, 1, "", "", "", 0, 0, "", "extra"]], 0],
    ],
)
def test_a_malformed_report_is_refused(value: object) -> None:
    with pytest.raises(TraceError):
        decode_report(value, 2)


def test_a_peer_keeps_a_bounded_number_of_records_and_reports() -> None:
    t = PeerTrace(max_records=2, max_reports=2)
    assert t.take() is None  # nothing yet
    t.arrived(1, "laptop")
    t.called(1, "k1", "s", "f")
    t.returned(4, "k1", 0)
    t.returned(5, "never-called", 0)  # not recorded: no call was started under that key
    assert t.take() == (0, (Record(Step.ARRIVED, 1, "laptop"), Record(Step.CALL, 1, "", "s", "f", 3, 0)), 0)
    assert t.take() is None
    t.sent(6, "garage")
    t.failed(7, 1, "x" * 1000, "")
    assert t.take() == (1, (), 2)  # full: both counted as dropped, and the last report says so
    t.sent(8, "shed")
    assert t.take() is None and t.dropped == 0  # no report left: nothing more is recorded


def test_a_peer_that_lost_its_init_peer_reports_nothing_more() -> None:
    t = PeerTrace(max_records=8, max_reports=8)
    t.arrived(1, "laptop")
    t.stop()
    t.sent(2, "garage")
    assert t.take() is None and len(t.records) == 1


def test_texts_are_cut() -> None:
    t = PeerTrace(max_records=8, max_reports=8)
    t.failed(1, 1, "m" * 1000, "i" * 1000)
    t.unreachable(2, "garage", "r" * 1000)
    _, records, _ = t.take() or (0, (), 0)
    assert all(len(r.text) == TEXT_MAX_CHARS and r.text.endswith("...") for r in records)
    assert decode_report(encode_report(0, records, 0), 8)[1] == records


def test_visits_nest_under_the_send_that_caused_them_whatever_the_clocks_say() -> None:
    """The k-th copy a peer sent to another is the k-th that arrived there from it: garage's
    clock runs 500 ms behind, and it still shows under kitchen's send."""
    reports = [
        ("laptop", [Record(Step.ARRIVED, 0), Record(Step.SENT, 1, "kitchen")], 0),
        ("kitchen", [Record(Step.ARRIVED, 3, "laptop"), Record(Step.SENT, 4, "garage"),
                     Record(Step.SENT, 5, "garage")], 0),
        ("garage", [Record(Step.ARRIVED, -495, "kitchen"), Record(Step.SENT, -494, "laptop")], 0),
        ("laptop", [Record(Step.ARRIVED, 9, "garage")], 0),
        ("garage", [Record(Step.ARRIVED, -490, "kitchen")], 2),
    ]
    t = Timeline.build("p", "laptop", 0, reports)
    assert [(v.peer, v.arrived.peer, v.arrived.at_ms) for v in t.visits()] == [
        ("laptop", "", 0), ("kitchen", "laptop", 3), ("garage", "kitchen", -495), ("laptop", "garage", 9),
        ("garage", "kitchen", -490),
    ]
    assert t.unmatched_sends() == [] and t.dropped == {"garage": 2}
    kitchen = t.roots[0].next[0]
    assert sorted(kitchen.next) == [0, 1]


def test_a_visit_no_known_send_led_to_is_a_root_and_a_send_without_its_arrival_is_unmatched() -> None:
    reports = [
        ("laptop", [Record(Step.ARRIVED, 0), Record(Step.SENT, 1, "kitchen")], 0),
        ("garage", [Record(Step.ARRIVED, 7, "kitchen"), Record(Step.SENT, 8, "laptop")], 0),
    ]
    t = Timeline.build("p", "laptop", 0, reports)
    assert [v.peer for v in t.roots] == ["laptop", "garage"]
    assert t.unmatched_sends() == ["kitchen", "laptop"]


def test_reports_that_make_a_cycle_are_cut_open_and_every_visit_shows_once() -> None:
    reports = [
        ("a", [Record(Step.ARRIVED, 0, "b"), Record(Step.SENT, 1, "b")], 0),
        ("b", [Record(Step.ARRIVED, 2, "a"), Record(Step.SENT, 3, "a")], 0),
    ]
    t = Timeline.build("p", "laptop", 0, reports)
    assert sorted(v.peer for v in t.visits()) == ["a", "b"]
    doc = t.to_json()  # finite
    assert len(doc["visits"]) == 1


def test_a_retried_send_is_folded_into_its_send() -> None:
    reports = [
        ("laptop", [Record(Step.ARRIVED, 0), Record(Step.SENT, 1, "kitchen")], 0),
        ("laptop", [Record(Step.RETRIED, 40, "kitchen", code=3, text="no answer"),
                    Record(Step.RETRIED, 41, "shed", code=2, text="refused")], 0),
    ]
    t = Timeline.build("p", "laptop", 0, reports)
    [start] = t.roots
    assert start.records == [
        Record(Step.SENT, 1, "kitchen", code=3, text="no answer"),
        Record(Step.RETRIED, 41, "shed", code=2, text="refused"),  # no send known: on its own
    ]
    [sent, _] = t.to_json()["visits"][0]["steps"]
    assert sent == {"step": "sent", "t_ms": 1, "peer": "kitchen", "tries": 3, "why_retried": "no answer"}


def test_the_tree_says_started_only_at_the_init_peer() -> None:
    from edge_agent.cli_trace import render

    reports = [
        ("laptop", [Record(Step.ARRIVED, 0)], 0),
        ("kitchen", [Record(Step.ARRIVED, 5), Record(Step.CALL, 5, "", "s", "f", 2, 0)], 0),
    ]
    lines = render(Timeline.build("p", "laptop", 0, reports), {"laptop": "this computer"}.get).splitlines()
    assert lines == [
        "trace of particle p: 2 peers",
        "       0 ms  this computer (laptop): started",
        "       5 ms  kitchen: arrived (sender not known)",
        "       5 ms    call s.f: ret_code 0, 2 ms",
    ]

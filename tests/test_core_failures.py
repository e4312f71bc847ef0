"""Failures come back (issue 11): the core's failure reports, pure and fast.

A run that fails on a peer other than the init peer makes, once, a copy for the init peer
whose data is one sealed `FAILURE` entry; only the init peer takes it, checks the seal, and
never runs it. What the script computes stays AquaVM's (tests/test_drivers.py checks both
drivers event for event).
"""

from __future__ import annotations

from typing import Any

import pytest

from edge_agent import const
from edge_agent.air import data as air_data
from edge_agent.air.values import QUOTE_MAX_CHARS
from edge_agent.air.calls import CallResult
from edge_agent.air.data import FAILURE_KEY, FAILURE_TEXT_MAX_CHARS, Data, Entry, Kind, Seal
from edge_agent.core import (
    Action,
    Arrived,
    CallsDone,
    CallServices,
    Dropped,
    Duplicate,
    FailureReported,
    ParticleCore,
    ScriptFailed,
    SendCopy,
    SendFailed,
    Verdict,
)
from edge_agent.seals import Sealer
from edge_agent.sim import SimParticle
from tests.test_core import CALL_DEV, KEYS, NOW, core, forged_copy, invite, signed, verify

FAILS_ON_DEV = (
    '(seq (call "dev" ("op" "identity") [1] one)'
    ' (seq (call "dev" ("sensor" "read") [one] r) (call %init_peer_id% ("callbackSrv" "response") [r])))'
)
"""Two calls on dev, the second of which fails without an xor, then a response to the laptop."""


def fail_on_dev() -> tuple[ParticleCore, ParticleCore, SimParticle, list[Action]]:
    """The laptop starts FAILS_ON_DEV; dev runs it until it fails. (laptop, dev, particle,
    dev's actions on the failing run)."""
    laptop, dev = core("laptop", trusted=()), core()
    p = signed(FAILS_ON_DEV)
    [send] = laptop.handle(Arrived(p, local=True), NOW)
    assert isinstance(send, SendCopy) and send.target == "dev"
    [calls] = dev.handle(Arrived(send.envelope, "laptop"), NOW)
    assert isinstance(calls, CallServices)
    [calls] = dev.handle(CallsDone(p.id, {calls.requests[0].key: CallResult.success(1)}), NOW)
    failing = {calls.requests[0].key: CallResult.failure("no such sensor", 3)}
    return laptop, dev, p, dev.handle(CallsDone(p.id, failing), NOW)


def test_a_failure_on_a_peer_goes_to_the_init_peer_once_sealed_by_that_peer() -> None:
    laptop, dev, p, actions = fail_on_dev()
    failed, report = actions
    assert isinstance(failed, ScriptFailed) and failed.ret_code == 10000
    assert failed.instruction == 'call "dev" ("sensor" "read") [one] r'
    assert isinstance(report, SendCopy) and report.target == "laptop" and report.call_keys == ()
    data = air_data.decode(report.envelope.data)
    assert list(data.entries) == [FAILURE_KEY]
    entry = data.entries[FAILURE_KEY]
    assert entry.kind is Kind.FAILURE and entry.peer == "dev"
    assert entry.value == [10000, failed.message, failed.instruction]
    assert [(s.peer, s.keys) for s in data.seals] == [("dev", (FAILURE_KEY,))]
    assert report.envelope.signature == p.signature  # the init peer's particle, only the data differs

    [got] = laptop.handle(Arrived(report.envelope, "dev"), NOW)
    assert got == FailureReported(p.id, "dev", 10000, failed.message, failed.instruction)
    assert "no such sensor" in got.message
    assert laptop.data(p.id).entries == {}  # never merged: the script computes what it would without it
    assert laptop.handle(Arrived(report.envelope, "dev"), NOW) == [Duplicate(p.id, "dev")]


def test_a_failure_on_the_init_peer_sends_nothing() -> None:
    laptop = core("laptop", trusted=())
    p = signed('(call %init_peer_id% ("getDataSrv" "missing") [] x)')
    [calls] = laptop.handle(Arrived(p, local=True), NOW)
    actions = laptop.handle(CallsDone(p.id, {calls.requests[0].key: CallResult.failure("no x", 1)}), NOW)
    assert [type(a) for a in actions] == [ScriptFailed]


def test_a_caught_error_is_no_failure() -> None:
    dev = core()
    report = '(call %init_peer_id% ("errorHandlingSrv" "error") [:error:])'
    p = signed(f'(xor (call "dev" ("sensor" "read") [] r) {report})')
    [calls] = dev.handle(Arrived(p, "laptop"), NOW)
    [send] = dev.handle(CallsDone(p.id, {calls.requests[0].key: CallResult.failure("broken", 3)}), NOW)
    assert isinstance(send, SendCopy) and FAILURE_KEY not in air_data.decode(send.envelope.data).entries


def test_a_long_message_is_cut_to_the_reports_limit() -> None:
    dev = core()
    p = signed('(call "dev" ("sensor" "read") [] r)')
    [calls] = dev.handle(Arrived(p, "laptop"), NOW)
    failing = {calls.requests[0].key: CallResult.failure("x" * 5 * FAILURE_TEXT_MAX_CHARS, 3)}
    _, report = dev.handle(CallsDone(p.id, failing), NOW)
    message = air_data.decode(report.envelope.data).entries[FAILURE_KEY].value[1]
    # The error message quotes at most a kilobyte of the service's text (air/values.py,
    # `quote`), and the report cuts whatever it carries to its limit.
    assert len(message) <= min(FAILURE_TEXT_MAX_CHARS, QUOTE_MAX_CHARS + 100) and "x..." in message


def report_of(
    p: SimParticle, peer: str, value: list[Any], sealer: str | None = None,
    extra: dict[str, Entry] | None = None,
) -> SimParticle:
    """A failure report of `peer` in a copy of `p`, sealed by `sealer` (by default `peer`)."""
    entries = {FAILURE_KEY: Entry(Kind.FAILURE, value, peer), **(extra or {})}
    return forged_copy(p, entries, sealer_name=sealer if sealer is not None else peer)


def started(script: str = FAILS_ON_DEV) -> tuple[ParticleCore, SimParticle]:
    laptop = core("laptop", trusted=())
    p = signed(script)
    laptop.handle(Arrived(p, local=True), NOW)
    return laptop, p


def test_a_report_in_another_peers_name_is_unsealed() -> None:
    laptop, p = started()
    [drop] = laptop.handle(Arrived(report_of(p, "dev", [1, "fake", ""], sealer="shed"), "shed"), NOW)
    assert isinstance(drop, Dropped) and drop.verdict is Verdict.UNSEALED


def test_an_altered_report_is_unsealed() -> None:
    _, dev, p, (_, report) = fail_on_dev()
    laptop, _ = started()
    laptop.handle(Arrived(p, local=True), NOW)
    data = air_data.decode(report.envelope.data)
    data.entries[FAILURE_KEY].value[1] = "all is fine, ignore this"
    altered = report.envelope.with_data(air_data.encode(data))
    [drop] = laptop.handle(Arrived(altered, "shed"), NOW)
    assert drop.verdict is Verdict.UNSEALED


def test_a_report_from_its_init_peer_or_for_a_peer_not_its_init_is_refused() -> None:
    laptop, p = started()
    [drop] = laptop.handle(Arrived(report_of(p, "laptop", [1, "m", ""]), "dev"), NOW)
    assert drop.verdict is Verdict.BAD_REPORT and "from its init peer" in drop.detail
    shed = core("shed")
    [drop] = shed.handle(Arrived(report_of(p, "dev", [1, "m", ""]), "dev"), NOW)
    assert drop.verdict is Verdict.BAD_REPORT and "not its init peer" in drop.detail
    assert p.id not in shed  # it left no record there, nor sent anything anywhere


FAILS_ON_SHED = (
    '(seq (call "dev" ("op" "identity") [1] one)'
    ' (seq (call "shed" ("sensor" "read") [one] r) (call %init_peer_id% ("callbackSrv" "response") [r])))'
)
"""The laptop sends it to dev, dev to shed, where it fails: the laptop never invited shed."""


def fail_on_shed() -> tuple[ParticleCore, SimParticle, SendCopy]:
    """(the laptop, the particle, shed's failure report)."""
    laptop, dev, shed = core("laptop", trusted=()), core(), core("shed")
    p = signed(FAILS_ON_SHED)
    [send] = laptop.handle(Arrived(p, local=True), NOW)
    [calls] = dev.handle(Arrived(send.envelope, "laptop"), NOW)
    [send] = dev.handle(CallsDone(p.id, {calls.requests[0].key: CallResult.success(1)}), NOW)
    assert isinstance(send, SendCopy) and send.target == "shed"
    [calls] = shed.handle(Arrived(send.envelope, "dev"), NOW)
    failing = {calls.requests[0].key: CallResult.failure("no such sensor", 3)}
    _, report = shed.handle(CallsDone(p.id, failing), NOW)
    assert isinstance(report, SendCopy) and report.target == "laptop"
    return laptop, p, report


def test_a_report_carries_the_invitation_of_its_writer() -> None:
    """The laptop has not seen dev's copy to shed: shed's report brings dev's seal over it."""
    laptop, p, report = fail_on_shed()
    data = air_data.decode(report.envelope.data)
    assert [s.peer for s in data.seals] == ["dev", "shed"]
    assert data.seals[0].sent and set(data.sent.values()) == {"shed"}  # dev's invitation of shed
    assert set(data.entries) == {FAILURE_KEY, *data.seals[0].keys}  # and what dev's seal covers
    [got] = laptop.handle(Arrived(report.envelope, "shed"), NOW)
    assert isinstance(got, FailureReported) and got.peer == "shed" and "no such sensor" in got.message


def test_a_report_from_a_peer_nobody_sent_the_particle_to_is_uninvited() -> None:
    """Anyone who reads the particle's id off the LAN could otherwise end its run: a stranger
    reports a failure of its own (its own seal), or shed's report comes without dev's seal."""
    laptop, p = started(FAILS_ON_SHED)
    [drop] = laptop.handle(Arrived(report_of(p, "stranger", [1, "stop", ""]), "stranger"), NOW)
    assert drop.verdict is Verdict.UNINVITED and "stranger" in drop.detail
    [drop] = laptop.handle(Arrived(report_of(p, "shed", [1, "stop", ""]), "shed"), NOW)
    assert drop.verdict is Verdict.UNINVITED


def test_a_report_past_its_room_goes_without_the_invitation(monkeypatch: pytest.MonkeyPatch) -> None:
    """A report of data that grew too large must still go: past `REPORT_MAX_DATA_BYTES` it is
    the entry alone, which the laptop takes only from a peer it sent the particle to."""
    monkeypatch.setattr(const, "REPORT_MAX_DATA_BYTES", 200)
    laptop, p, report = fail_on_shed()
    monkeypatch.undo()  # (the laptop's own room: the report fits it)
    data = air_data.decode(report.envelope.data)
    assert list(data.entries) == [FAILURE_KEY] and [s.peer for s in data.seals] == ["shed"]
    [drop] = laptop.handle(Arrived(report.envelope, "shed"), NOW)
    assert drop.verdict is Verdict.UNINVITED


def test_a_report_over_the_room_is_refused_before_its_seals_are_checked() -> None:
    """A stranger's report of a megabyte would cost its seals' digests to check: the init
    peer refuses any report over `REPORT_MAX_DATA_BYTES` first."""
    laptop, p = started()
    big = {"big": Entry(Kind.CALL, "x" * const.REPORT_MAX_DATA_BYTES, "dev")}
    [drop] = laptop.handle(Arrived(report_of(p, "dev", [1, "m", ""], extra=big), "dev"), NOW)
    assert drop.verdict is Verdict.BAD_REPORT and "more than a report may" in drop.detail


def test_a_report_with_a_forged_invitation_is_unsealed() -> None:
    """The stranger claims dev sent it the particle: dev's seal over that is forged, and it is
    checked first (roots first), before the stranger's own."""
    laptop, p = started(FAILS_ON_SHED)
    data = Data()
    invite(p, data, "stranger", "stranger")  # a sent record of dev's, as the stranger signs it
    [seal] = data.seals
    data.seals = [Seal("dev", seal.keys, seal.signature, seal.sent)]
    data.entries[FAILURE_KEY] = Entry(Kind.FAILURE, [1, "stop", ""], "stranger")
    Sealer("stranger", KEYS["stranger"].sign, verify).seal(p, data, {})
    [drop] = laptop.handle(Arrived(p.with_data(air_data.encode(data)), "stranger"), NOW)
    assert drop.verdict is Verdict.UNSEALED and "seal of dev" in drop.detail


def test_an_init_peer_takes_a_bounded_number_of_reports() -> None:
    laptop = core("laptop", trusted=(), failure_reports=1)
    p = signed(FAILS_ON_DEV)
    laptop.handle(Arrived(p, local=True), NOW)
    [got] = laptop.handle(Arrived(report_of(p, "dev", [1, "m", ""]), "dev"), NOW)
    assert isinstance(got, FailureReported)
    [drop] = laptop.handle(Arrived(report_of(p, "shed", [1, "m", ""]), "shed"), NOW)
    assert drop.verdict is Verdict.BAD_REPORT


def test_a_report_is_never_run_so_a_failure_cannot_loop() -> None:
    """Even a report whose script would fail on the init peer makes it send nothing."""
    laptop, p = started('(par (call "dev" ("op" "noop") []) (call %init_peer_id% ("no" "such") [] x))')
    actions = laptop.handle(Arrived(report_of(p, "dev", [1, "m", ""]), "dev"), NOW)
    assert [type(a) for a in actions] == [FailureReported]


def test_a_seal_over_a_report_cannot_be_reused_for_another_particle() -> None:
    laptop, p = started()
    other = signed(FAILS_ON_DEV)
    data = Data({FAILURE_KEY: Entry(Kind.FAILURE, [1, "m", ""], "dev")})
    Sealer("dev", KEYS["dev"].sign, verify).seal(other, data, {})
    [drop] = laptop.handle(Arrived(p.with_data(air_data.encode(data)), "dev"), NOW)
    assert drop.verdict is Verdict.UNSEALED


def test_no_report_goes_to_an_init_peer_that_could_not_be_reached() -> None:
    """The copy back to the laptop fails; the run then fails on error 14, but the report
    would go where the copy could not: none is made."""
    dev = core()
    p = signed(f'(seq {CALL_DEV} (call %init_peer_id% ("callbackSrv" "response") [r]))')
    [calls] = dev.handle(Arrived(p, "laptop"), NOW)
    [send] = dev.handle(CallsDone(p.id, {calls.requests[0].key: CallResult.success("x")}), NOW)
    assert isinstance(send, SendCopy) and send.target == "laptop" and send.call_keys
    actions = dev.handle(SendFailed(p.id, "laptop", send.call_keys, "port closed"), NOW)
    assert [type(a) for a in actions] == [ScriptFailed]

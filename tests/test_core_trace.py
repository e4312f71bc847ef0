"""Traces in the particle core (issue 11), pure: who records, what a report holds, what the
init peer takes, and that a stranger's request costs a device no trace work."""

from __future__ import annotations

from typing import Any

import pytest

from edge_agent import const, core_trace
from edge_agent.air import data as air_data
from edge_agent.air.calls import CallResult
from edge_agent.air.data import Data, Entry, Kind
from edge_agent.core import (
    Action,
    Arrived,
    CallsDone,
    CallServices,
    Dropped,
    Duplicate,
    ParticleCore,
    Retried,
    SendCopy,
    SendFailed,
    Traced,
    Verdict,
)
from edge_agent.seals import SealedParticle, Sealer
from edge_agent.sim import SimParticle
from edge_agent.trace import TRACE_KEY, Record, Step, decode_report, encode_report, request
from tests.test_core import CALL_BACK, KEYS, NOW, core, forged_copy, signed, verify


def dev_runs(dev: ParticleCore, p: SimParticle, sender: str = "laptop") -> list[Action]:
    """`dev` takes `p` from `sender`, makes its one call (result "x") and returns what it did then."""
    [calls] = dev.handle(Arrived(p, sender), NOW)
    assert isinstance(calls, CallServices)
    return dev.handle(CallsDone(p.id, {calls.requests[0].key: CallResult.success("x")}), NOW + 3)


def report_records(copy: SimParticle) -> tuple[int, tuple[Record, ...], int]:
    data = air_data.decode(copy.data)
    assert list(data.entries) == [TRACE_KEY]
    return decode_report(data.entries[TRACE_KEY].value, 64)


def test_a_trusted_init_peer_gets_one_sealed_report_once_the_calls_are_done() -> None:
    dev = core()
    p = signed(request(CALL_BACK))
    [calls] = dev.handle(Arrived(p, "laptop"), NOW)
    assert isinstance(calls, CallServices)  # a call is pending: nothing reported yet
    back, report = dev.handle(CallsDone(p.id, {calls.requests[0].key: CallResult.success("x")}), NOW + 3)
    assert isinstance(back, SendCopy) and back.target == "laptop" and back.call_keys
    assert isinstance(report, SendCopy) and report.target == "laptop" and report.call_keys == ()
    assert report.envelope.signature == p.signature  # the init peer's particle; only the data differs
    data = air_data.decode(report.envelope.data)
    assert data.entries[TRACE_KEY].peer == "dev"
    assert [(s.peer, s.keys) for s in data.seals] == [("dev", (TRACE_KEY,))]
    seq, records, dropped = report_records(report.envelope)
    assert (seq, dropped) == (0, 0)
    assert records == (
        Record(Step.ARRIVED, NOW, "laptop"),
        Record(Step.CALL, NOW, "", "op", "identity", 3, 0),
        Record(Step.SENT, NOW + 3, "laptop"),
    )


def test_the_init_peer_joins_its_own_records_and_the_devices_report() -> None:
    laptop, dev = core("laptop", trusted=()), core()
    p = signed(request(CALL_BACK))
    to_dev, own = laptop.handle(Arrived(p, local=True), NOW)
    assert isinstance(to_dev, SendCopy) and to_dev.target == "dev"
    assert own == Traced(p.id, "laptop", (Record(Step.ARRIVED, NOW, ""), Record(Step.SENT, NOW, "dev")))
    back, report = dev_runs(dev, to_dev.envelope)
    [got] = laptop.handle(Arrived(report.envelope, "dev"), NOW + 4)
    assert isinstance(got, Traced) and got.peer == "dev" and len(got.records) == 3
    assert laptop.data(p.id).entries == {}  # never merged
    assert laptop.handle(Arrived(report.envelope, "dev"), NOW + 4) == [Duplicate(p.id, "dev")]
    [calls] = laptop.handle(Arrived(back.envelope, "dev"), NOW + 5)
    assert isinstance(calls, CallServices)
    [last] = laptop.handle(CallsDone(p.id, {calls.requests[0].key: CallResult.success(None)}), NOW + 6)
    assert last == Traced(p.id, "laptop", (
        Record(Step.ARRIVED, NOW + 5, "dev"), Record(Step.CALL, NOW + 5, "", "callbackSrv", "response", 1, 0),
    ))


def test_a_strangers_trace_request_makes_the_device_do_no_trace_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """The device does for a stranger's traced particle exactly what it does for an untraced
    one: no record kept, no report made or sealed, nothing more sent."""
    seals: list[str] = []

    class CountingSealer(Sealer):
        def seal(self, particle: SealedParticle, data: Data, digests: dict[str, bytes]) -> bool:
            seals.append(",".join(data.entries))
            return super().seal(particle, data, digests)

    def counting_core() -> ParticleCore:
        dev = core(trusted=())
        dev.sealer = CountingSealer("dev", KEYS["dev"].sign, verify)
        return dev

    def no_trace(*args: Any) -> None:
        raise AssertionError("a stranger's particle made the device keep a trace")

    monkeypatch.setattr(core_trace, "PeerTrace", no_trace)
    monkeypatch.setattr(core_trace, "report", no_trace)
    plain_dev, traced_dev = counting_core(), counting_core()
    plain = dev_runs(plain_dev, signed(CALL_BACK, init="stranger"), "stranger")
    plain_seals, seals[:] = list(seals), []
    p = signed(request(CALL_BACK), init="stranger")
    traced = dev_runs(traced_dev, p, "stranger")
    assert [(type(a), getattr(a, "target", None)) for a in traced] == [(SendCopy, "stranger")]
    assert [(type(a), getattr(a, "target", None)) for a in plain] == [(SendCopy, "stranger")]
    assert seals == plain_seals  # the copy's own seal, no report's
    assert traced_dev._records[p.id].trace is None


def test_an_untraced_particle_keeps_no_trace_and_its_init_peer_takes_no_report() -> None:
    laptop, dev = core("laptop", trusted=()), core()
    p = signed(CALL_BACK)
    [to_dev] = laptop.handle(Arrived(p, local=True), NOW)
    assert [type(a) for a in dev_runs(dev, to_dev.envelope)] == [SendCopy]
    assert dev._records[p.id].trace is None
    report = trace_report(p, "dev")
    [drop] = laptop.handle(Arrived(report, "dev"), NOW)
    assert isinstance(drop, Dropped) and drop.verdict is Verdict.BAD_REPORT
    assert "did not ask for one" in drop.detail


def trace_report(p: SimParticle, peer: str, seq: int = 0, sealer: str | None = None,
                 value: Any = None, extra: dict[str, Entry] | None = None) -> SimParticle:
    """A trace report of `peer` in a copy of `p`, sealed by `sealer` (by default `peer`)."""
    if value is None:
        value = encode_report(seq, [Record(Step.ARRIVED, NOW, "laptop")], 0)
    entries = {TRACE_KEY: Entry(Kind.CALL, value, peer), **(extra or {})}
    return forged_copy(p, entries, sealer_name=sealer if sealer is not None else peer)


def traced_laptop(**limits: int) -> tuple[ParticleCore, SimParticle]:
    laptop = core("laptop", trusted=(), **limits)
    p = signed(request(CALL_BACK))
    laptop.handle(Arrived(p, local=True), NOW)
    return laptop, p


@pytest.mark.parametrize(
    ("kwargs", "verdict", "why"),
    [
        ({"sealer": "shed"}, Verdict.UNSEALED, "did not seal it"),
        ({"peer": "laptop"}, Verdict.BAD_REPORT, "from its init peer"),
        ({"seq": 8}, Verdict.BAD_REPORT, "numbered 8"),
        ({"value": [1, 0, [[99, 1]], 0]}, Verdict.MALFORMED, "unknown step"),
        ({"value": [1, 0, [[2, 1, 5]], 0]}, Verdict.MALFORMED, "wrong type"),
        ({"value": "nonsense"}, Verdict.BAD_REPORT, "numbered None"),
        ({"peer": "stranger"}, Verdict.UNINVITED, "stranger, whom no participant"),
        ({"extra": {"big": Entry(Kind.CALL, "x" * const.REPORT_MAX_DATA_BYTES, "dev")}}, Verdict.BAD_REPORT,
         "more than a report may"),
    ],
)
def test_the_init_peer_refuses_a_forged_or_malformed_report(
    kwargs: dict[str, Any], verdict: Verdict, why: str
) -> None:
    laptop, p = traced_laptop()
    options = {"peer": "dev", **kwargs}
    [drop] = laptop.handle(Arrived(trace_report(p, **options), "shed"), NOW)
    assert isinstance(drop, Dropped) and drop.verdict is verdict and why in drop.detail, drop


def test_an_altered_report_is_unsealed() -> None:
    laptop, p = traced_laptop()
    data = air_data.decode(trace_report(p, "dev").data)
    data.entries[TRACE_KEY].value[2][0][2] = "shed"  # "it came from shed"
    [drop] = laptop.handle(Arrived(p.with_data(air_data.encode(data)), "shed"), NOW)
    assert drop.verdict is Verdict.UNSEALED


def test_only_the_init_peer_takes_a_report() -> None:
    _, p = traced_laptop()
    shed = core("shed")
    [drop] = shed.handle(Arrived(trace_report(p, "dev"), "dev"), NOW)
    assert drop.verdict is Verdict.BAD_REPORT and p.id not in shed


def test_reports_per_peer_and_peers_per_particle_are_bounded() -> None:
    laptop, p = traced_laptop(trace_reports=2, trace_peers=1)
    for seq in (0, 1):
        [got] = laptop.handle(Arrived(trace_report(p, "dev", seq), "dev"), NOW)
        assert isinstance(got, Traced)
    [drop] = laptop.handle(Arrived(trace_report(p, "dev", 2), "dev"), NOW)
    assert drop.verdict is Verdict.BAD_REPORT
    [drop] = laptop.handle(Arrived(trace_report(p, "shed", 0), "shed"), NOW)
    assert drop.verdict is Verdict.BAD_REPORT and "from 1 peers already" in drop.detail


def test_a_device_keeps_and_reports_a_bounded_trace() -> None:
    """Two records kept, the third counted as dropped; one report, and none after it."""
    dev = core(trace_records=2, trace_reports=1)
    p = signed(request(f'(seq {CALL_BACK} (call "dev" ("op" "noop") []))'))
    _, report = dev_runs(dev, p)
    assert report_records(report.envelope)[1:] == (
        (Record(Step.ARRIVED, NOW, "laptop"), Record(Step.CALL, NOW, "", "op", "identity", 3, 0)), 1,
    )
    copy = air_data.decode(report.envelope.data)
    assert copy.entries[TRACE_KEY].peer == "dev"
    assert dev._records[p.id].trace is not None and len(dev._records[p.id].trace.records) == 2


def test_no_trace_report_goes_to_an_init_peer_that_could_not_be_reached() -> None:
    dev = core()
    p = signed(request(CALL_BACK))
    [calls] = dev.handle(Arrived(p, "laptop"), NOW)
    actions = dev.handle(CallsDone(p.id, {calls.requests[0].key: CallResult.success("x")}), NOW)
    send = actions[0]
    assert isinstance(send, SendCopy) and send.call_keys
    after = dev.handle(SendFailed(p.id, "laptop", send.call_keys, "port closed"), NOW + 9)
    assert not any(isinstance(a, SendCopy) for a in after)


def test_a_report_sealed_for_another_particle_is_unsealed() -> None:
    laptop, p = traced_laptop()
    other = signed(request(CALL_BACK))
    data = Data({TRACE_KEY: Entry(Kind.CALL, encode_report(0, [], 0), "dev")})
    Sealer("dev", KEYS["dev"].sign, verify).seal(other, data, {})
    [drop] = laptop.handle(Arrived(p.with_data(air_data.encode(data)), "dev"), NOW)
    assert drop.verdict is Verdict.UNSEALED


def test_a_send_that_needed_more_tries_is_reported_for_a_traced_particle_only() -> None:
    dev = core()
    p = signed(request(CALL_BACK))
    dev_runs(dev, p)
    [report] = dev.handle(Retried(p.id, "laptop", 3, "no answer"), NOW + 50)
    assert isinstance(report, SendCopy) and report.target == "laptop"
    assert report_records(report.envelope)[:2] == (1, (Record(Step.RETRIED, NOW + 50, "laptop", code=3,
                                                              text="no answer"),))
    plain = signed(CALL_BACK)
    dev_runs(dev, plain)
    assert dev.handle(Retried(plain.id, "laptop", 3, "no answer"), NOW + 50) == []
    assert dev.handle(Retried("no-such-particle", "laptop", 3, "no answer"), NOW + 50) == []

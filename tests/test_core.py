"""The particle core as a pure state machine: events in, actions out, no I/O, no clock."""

from __future__ import annotations

import uuid
from typing import Any

from edge_agent import const
from edge_agent.air import data as air_data
from edge_agent.air.calls import CallResult
from edge_agent.air.data import FAILURE_KEY, Data, Entry, Kind, Seal
from edge_agent.core import (
    Arrived,
    CallsDone,
    CallServices,
    CoreLimits,
    Dropped,
    Duplicate,
    Forgotten,
    ParticleCore,
    ScriptFailed,
    SendCopy,
    SendFailed,
    Tick,
    Verdict,
)
from edge_agent.identity import KeyPair
from edge_agent.particle import verify_signature
from edge_agent.seals import Sealer
from edge_agent.sim import SimParticle
from edge_agent.trace import TRACE_KEY

KEYS = {name: KeyPair.generate() for name in ("laptop", "dev", "shed", "stranger")}
NOW = 1_700_000_000_000


def verify(peer: str, message: bytes, signature: bytes) -> bool:
    return peer in KEYS and verify_signature(KEYS[peer].peer_id, message, signature)


def core(name: str = "dev", trusted: tuple[str, ...] = ("laptop",), **limits: int) -> ParticleCore:
    return ParticleCore(
        name,
        Sealer(name, KEYS[name].sign, verify),
        lambda p: verify(p.init_peer_id, p.signing_bytes(), p.signature),
        limits=CoreLimits.from_const(**limits),
        trusted=set(trusted).__contains__,
    )


def signed(script: str, init: str = "laptop", ttl_ms: int = 60_000, pid: str | None = None) -> SimParticle:
    p = SimParticle(pid or str(uuid.uuid4()), init, NOW, ttl_ms, script, bytes(64))
    return SimParticle(p.id, init, NOW, ttl_ms, script, KEYS[init].sign(p.signing_bytes()))


CALL_DEV = '(call "dev" ("op" "identity") ["x"] r)'
CALL_BACK = f'(seq {CALL_DEV} (call %init_peer_id% ("callbackSrv" "response") [r]))'


def test_a_call_runs_then_the_copy_goes_back_sealed() -> None:
    dev = core()
    p = signed(CALL_BACK)
    [calls] = dev.handle(Arrived(p, "laptop"), NOW)
    assert isinstance(calls, CallServices) and calls.requests[0].function == "identity"
    [send] = dev.handle(CallsDone(p.id, {calls.requests[0].key: CallResult.success("x")}), NOW)
    assert isinstance(send, SendCopy) and send.target == "laptop"
    data = air_data.decode(send.envelope.data)
    assert [s.peer for s in data.seals] == ["dev"]
    assert dev.handle(Arrived(send.envelope, "laptop"), NOW) == [Duplicate(p.id, "laptop")]


def test_replay_id_conflict_and_not_ours() -> None:
    dev = core(max_finished=10)
    p = signed('(null)', ttl_ms=1000)
    assert dev.handle(Arrived(p), NOW) == []
    other = signed('(seq (null) (null))', pid=p.id)
    [drop] = dev.handle(Arrived(other), NOW)
    assert drop.verdict is Verdict.ID_CONFLICT
    assert dev.handle(Tick(), NOW + 2000) == [Forgotten(p.id, "expired")]
    [drop] = dev.handle(Arrived(p), NOW + 2000)
    assert drop.verdict is Verdict.REPLAY
    [drop] = dev.handle(Arrived(signed('(null)', init="dev")), NOW)
    assert drop.verdict is Verdict.NOT_OURS


def test_a_strangers_particle_that_takes_a_trusted_ones_id_gives_way() -> None:
    """A stranger reads a laptop particle's id off the LAN and starts its own particle with
    it at the next device first: the laptop's is still taken there, whether the stranger's is
    in progress (it gives way) or finished (its id stops no trusted particle). The laptop's
    own id then stays in the replay table until its own deadline, whatever the stranger's."""
    wait = '(call "shed" ("op" "noop") [])'
    for stranger_finished in (False, True):
        dev = core()
        laptops = signed(CALL_BACK, ttl_ms=60_000)
        squat = signed(wait, init="stranger", ttl_ms=5_000, pid=laptops.id)
        [sent] = dev.handle(Arrived(squat, "stranger"), NOW)
        assert isinstance(sent, SendCopy)
        if stranger_finished:
            [forgotten] = dev.handle(Tick(), NOW + 11_000)  # expired (its ttl), or left idle
            assert isinstance(forgotten, Forgotten) and laptops.id not in dev
        actions = dev.handle(Arrived(laptops, "laptop"), NOW + 11_000)
        if not stranger_finished:  # the stranger's is forgotten first, then the laptop's runs
            assert actions[0] == Forgotten(laptops.id, "a trusted peer's particle has its id")
            actions = actions[1:]
        assert [type(a) for a in actions] == [CallServices]
        [drop] = dev.handle(Arrived(squat, "stranger"), NOW + 11_000)  # the stranger's stays out
        assert drop.verdict is Verdict.REPLAY
        dev.handle(Tick(), NOW + 61_000)  # both deadlines passed: the laptop's record expires
        [drop] = dev.handle(Arrived(laptops, "laptop"), NOW + 61_000)
        assert drop.verdict is Verdict.REPLAY  # within the clock skew of its deadline


def test_a_claim_of_a_trusted_init_peer_does_not_push_out_a_strangers_particle_unsigned() -> None:
    dev = core()
    squat = signed('(call "shed" ("op" "noop") [])', init="stranger")
    dev.handle(Arrived(squat, "stranger"), NOW)
    forged = SimParticle(squat.id, "laptop", NOW, 60_000, CALL_BACK, bytes(64))
    [drop] = dev.handle(Arrived(forged, "stranger"), NOW)
    assert drop.verdict is Verdict.ID_CONFLICT and squat.id in dev


def test_a_bad_init_signature_is_refused_and_leaves_no_record() -> None:
    p = signed(CALL_DEV)
    forged = SimParticle(p.id, "laptop", NOW, p.ttl_ms, '(call "dev" ("srv" "remove") ["x"])', p.signature)
    dev = core()
    [drop] = dev.handle(Arrived(forged), NOW)
    assert drop.verdict is Verdict.BAD_SIGNATURE and forged.id not in dev


def invite(p: SimParticle, data: Data, inviter: str, *invitees: str) -> None:
    """`inviter` sends `p` on to `invitees`: sent records of its, sealed (a participant's
    invitations, edge_agent/invitations.py), at keys no instruction has."""
    for who in invitees:
        data.sent[f"invite/{who}"] = who
    Sealer(inviter, KEYS[inviter].sign, verify).seal(p, data, {})


def forged_copy(
    p: SimParticle, entries: dict[str, Entry], sealer_name: str | None, invited: bool = True
) -> SimParticle:
    """A copy of `p` with `entries`, sealed by `sealer_name`; a participant unless not
    `invited`: the init peer sent it the particle. (A failure or trace report is one entry
    alone: never an invitation.)"""
    data = Data()
    report = any(k in (FAILURE_KEY, TRACE_KEY) for k in entries)
    if sealer_name is not None and invited and not report and sealer_name != p.init_peer_id:
        invite(p, data, p.init_peer_id, sealer_name)  # (before the entries: it seals none of them)
    data.entries.update(entries)
    if sealer_name is not None:
        Sealer(sealer_name, KEYS[sealer_name].sign, verify).seal(p, data, {})
    return p.with_data(air_data.encode(data))


def test_a_result_under_another_producers_name_is_unsealed() -> None:
    laptop = core("laptop", trusted=())
    p = signed(CALL_BACK)
    laptop.handle(Arrived(p, local=True), NOW)
    copy = forged_copy(p, {"1": Entry(Kind.CALL, "evil", "dev")}, sealer_name="shed")
    [drop] = laptop.handle(Arrived(copy, "shed"), NOW)
    assert drop.verdict is Verdict.UNSEALED
    assert laptop.data(p.id).entries == {}


def test_a_sealed_result_from_the_wrong_peer_is_a_forgery() -> None:
    laptop = core("laptop", trusted=())
    p = signed(CALL_BACK)
    laptop.handle(Arrived(p, local=True), NOW)
    key = "1"  # the call on dev: node ids are assigned in order (seq=0, call=1, ...)
    copy = forged_copy(p, {key: Entry(Kind.CALL, "evil", "shed")}, sealer_name="shed")
    [drop] = laptop.handle(Arrived(copy, "shed"), NOW)
    assert drop.verdict is Verdict.FORGED and "runs on dev" in drop.detail
    assert laptop.data(p.id).entries == {}


def test_a_sealed_result_taken_into_another_particle_with_its_id_is_unsealed() -> None:
    """A stranger reads a laptop particle's id off the LAN and starts its own particle with
    that id and another script, carrying the laptop's data: dev's sealed answer to kv.get
    must not pass at shed as dev's result of some other call (seals name the particle's
    signature, which covers its script)."""
    dev, shed = core("dev"), core("shed", trusted=())
    lap = signed('(seq (call "dev" ("kv" "get") ["pin"] r) (call %init_peer_id% ("callbackSrv" "response") [r]))')
    [calls] = dev.handle(Arrived(lap, "laptop"), NOW)
    assert isinstance(calls, CallServices)
    [send] = dev.handle(CallsDone(lap.id, {calls.requests[0].key: CallResult.success("4711")}), NOW)
    assert isinstance(send, SendCopy)
    evil = signed('(seq (call "dev" ("op" "identity") ["hello"] r) (call "shed" ("op" "noop") [r]))',
                  init="stranger", pid=lap.id)
    data = air_data.decode(send.envelope.data)
    invite(evil, data, "stranger", "dev")  # its own particle's invitation: dev takes part in it
    [dropped] = shed.handle(Arrived(evil.with_data(air_data.encode(data)), "stranger"), NOW)
    assert isinstance(dropped, Dropped) and dropped.verdict is Verdict.UNSEALED, dropped
    assert lap.id not in shed


def test_results_for_the_init_peer_cannot_be_prefilled() -> None:
    laptop = core("laptop", trusted=())
    script = '(seq (call %init_peer_id% ("getDataSrv" "name") [] n) (call "dev" ("op" "identity") [n]))'
    p = signed(script)
    copy = forged_copy(p, {"1": Entry(Kind.CALL, "mallory", "shed")}, sealer_name="shed")
    dev = core()
    [drop] = dev.handle(Arrived(copy, "shed"), NOW)
    assert drop.verdict is Verdict.FORGED
    assert p.id not in dev  # a refused first copy leaves no trace: the laptop's may follow
    assert laptop.handle(Arrived(p, local=True), NOW)


RELAYED = '(seq (call "shed" ("op" "identity") ["s"] a) (call "dev" ("op" "identity") [a] r))'


def test_a_stranger_cannot_write_into_a_particle_nobody_sent_it() -> None:
    """A stranger who read a laptop's copy off the LAN sends dev, first, the result of dev's
    own call (not run yet), sealed by itself; claiming an invitation of its own is no better.
    Before invitations, dev merged it (the call was out of reach until shed answers) and
    then refused the real copy as forged: the call never ran there."""
    laptop, shed, dev = core("laptop", trusted=()), core("shed"), core("dev")
    p = signed(RELAYED)
    [to_shed] = laptop.handle(Arrived(p, local=True), NOW)
    assert isinstance(to_shed, SendCopy)
    overheard = air_data.decode(to_shed.envelope.data)  # the laptop's invitation of shed
    prefill = overheard.copy()
    prefill.entries["2"] = Entry(Kind.CALL, "mallory", "stranger")  # dev's call (seq 0, shed's 1)
    Sealer("stranger", KEYS["stranger"].sign, verify).seal(p, prefill, {})
    [drop] = dev.handle(Arrived(p.with_data(air_data.encode(prefill)), "stranger"), NOW)
    assert drop.verdict is Verdict.UNINVITED and "a seal of stranger" in drop.detail
    claimed = overheard.copy()
    invite(p, claimed, "stranger", "stranger")
    claimed.entries["2"] = Entry(Kind.CALL, "mallory", "stranger")
    Sealer("stranger", KEYS["stranger"].sign, verify).seal(p, claimed, {})
    [drop] = dev.handle(Arrived(p.with_data(air_data.encode(claimed)), "stranger"), NOW)
    assert drop.verdict is Verdict.UNINVITED and p.id not in dev
    # The real copy: shed runs its call and sends it on, sealed; dev takes it and runs its own.
    [calls] = shed.handle(Arrived(to_shed.envelope, "laptop"), NOW)
    assert isinstance(calls, CallServices)
    [to_dev] = shed.handle(CallsDone(p.id, {calls.requests[0].key: CallResult.success("s")}), NOW)
    assert isinstance(to_dev, SendCopy) and to_dev.target == "dev"
    [calls] = dev.handle(Arrived(to_dev.envelope, "shed"), NOW)
    assert isinstance(calls, CallServices) and calls.requests[0].args == ["s"]


def test_a_sent_record_nobody_sealed_is_refused() -> None:
    """Anyone could otherwise add sent records, which stop peers sending the particle on."""
    laptop, dev = core("laptop", trusted=()), core("dev")
    p = signed(RELAYED)
    [to_shed] = laptop.handle(Arrived(p, local=True), NOW)
    data = air_data.decode(to_shed.envelope.data)
    data.sent["2"] = "nobody"  # dev's call, so that shed would never send the particle on to dev
    [drop] = dev.handle(Arrived(p.with_data(air_data.encode(data)), "stranger"), NOW)
    assert drop.verdict is Verdict.UNSEALED and "sent record of '2' (to nobody) is not sealed" in drop.detail


def test_an_unreachable_peer_fails_its_calls_with_error_14() -> None:
    dev = core()
    p = signed('(xor (call "far" ("op" "noop") []) (call %init_peer_id% ("errorHandlingSrv" "error") [%last_error%]))')
    [send] = dev.handle(Arrived(p), NOW)
    assert isinstance(send, SendCopy) and send.target == "far" and send.call_keys
    assert NOW < send.give_up_ms < NOW + p.ttl_ms
    [back] = dev.handle(SendFailed(p.id, "far", send.call_keys, "no address"), NOW)
    assert isinstance(back, SendCopy) and back.target == "laptop"
    entry = air_data.decode(back.envelope.data).entries[send.call_keys[0]]
    assert entry.peer == "dev" and entry.value[0] == 14


FAN_OUT = ('(seq (par (call "dev" ("op" "identity") ["d"] a) (call "shed" ("op" "identity") ["s"] b)) '
           '(call %init_peer_id% ("callbackSrv" "response") [a b]))')


def test_only_the_peer_that_sent_a_call_on_may_report_it_unreachable() -> None:
    """dev, asked only for its own call, told the laptop that shed was unreachable (under
    dev's own seal): the laptop took it, and refused shed's real answer as a conflict."""
    laptop = core("laptop", trusted=())
    p = signed(FAN_OUT)
    sends = {a.target: a for a in laptop.handle(Arrived(p, local=True), NOW) if isinstance(a, SendCopy)}
    [shed_key] = sends["shed"].call_keys
    lie = {shed_key: Entry(Kind.CALL_FAILED, [14, "peer shed is unreachable: no address"], "dev")}
    [drop] = laptop.handle(Arrived(forged_copy(p, lie, sealer_name="dev"), "dev"), NOW)
    assert drop.verdict is Verdict.FORGED and "dev reports unreachable a call this peer sent on" in drop.detail
    shed = core("shed")
    [calls] = shed.handle(Arrived(sends["shed"].envelope, "laptop"), NOW)
    [answer] = shed.handle(CallsDone(p.id, {calls.requests[0].key: CallResult.success("s")}), NOW)
    assert laptop.handle(Arrived(answer.envelope, "shed"), NOW) == []  # taken: waits for dev's
    assert laptop.data(p.id).entries[shed_key].value == "s"


def test_the_peer_that_sent_a_call_on_reports_it_unreachable_to_the_init_peer() -> None:
    # dev forwards shed's call (the laptop did not): its error 14 is the laptop's to take.
    laptop = core("laptop", trusted=())
    p = signed('(xor (seq (call "dev" ("op" "identity") ["d"] a) (call "shed" ("op" "identity") [a] b)) '
               '(call %init_peer_id% ("errorHandlingSrv" "error") [%last_error%]))')
    [to_dev] = laptop.handle(Arrived(p, local=True), NOW)
    dev = core()
    [calls] = dev.handle(Arrived(to_dev.envelope, "laptop"), NOW)
    [to_shed] = dev.handle(CallsDone(p.id, {calls.requests[0].key: CallResult.success("d")}), NOW)
    [back] = dev.handle(SendFailed(p.id, "shed", to_shed.call_keys, "no address"), NOW)
    assert back.target == "laptop"
    [handler] = laptop.handle(Arrived(back.envelope, "dev"), NOW)  # taken: the xor's error handler runs
    assert isinstance(handler, CallServices) and handler.requests[0].service == "errorHandlingSrv"
    assert laptop.data(p.id).entries[to_shed.call_keys[0]].value[0] == 14


def test_a_copy_gives_up_after_the_delivery_timeout_or_on_a_busy_peer_before_the_error_reserve() -> None:
    """`give_up_ms`: a target with no sign of life; `busy_until_ms`: one answering other
    requests meanwhile, until the deadline less the reserve for error 14's way back."""
    dev = core(delivery_timeout_ms=10_000, error_reserve_ms=5_000)
    p = signed('(call "far" ("op" "noop") [])', ttl_ms=60_000)
    [send] = dev.handle(Arrived(p), NOW)
    assert (send.give_up_ms, send.busy_until_ms) == (NOW + 10_000, NOW + 60_000 - 5_000)
    short = signed('(call "far" ("op" "noop") [])', ttl_ms=8_000)  # the reserve: a fifth of it
    [send] = dev.handle(Arrived(short), NOW)
    assert (send.give_up_ms, send.busy_until_ms) == (NOW + 8_000 - 1_600,) * 2
    [send] = dev.handle(Arrived(signed('(call "far" ("op" "noop") [])', ttl_ms=8_000)), NOW + 7_000)
    assert send.give_up_ms == send.busy_until_ms == NOW + 8_000  # within the reserve: all of it


def test_a_stranger_is_rate_limited_and_gets_only_a_share() -> None:
    dev = core(new_burst=3, new_per_s=1, max_particles=8)
    verdicts = [a.verdict for i in range(5) for a in dev.handle(Arrived(signed('(null)', "stranger")), NOW)]
    assert verdicts == [Verdict.RATE_LIMITED, Verdict.RATE_LIMITED]
    assert len(dev) == 3
    # A second later, one more token; the trusted laptop never waits for one.
    assert dev.handle(Arrived(signed('(null)', "stranger")), NOW + 1000) == []
    for _ in range(10):
        dev.handle(Arrived(signed('(null)', "laptop")), NOW + 1000)
    assert len(dev) == 8


def test_a_full_replay_table_refuses_new_particles_instead_of_forgetting() -> None:
    dev = core(max_finished=4, max_particles=2)
    for _ in range(6):
        dev.handle(Arrived(signed('(null)')), NOW)  # idle ones are evicted into the table
    assert dev.finished_ids == 4
    [drop] = dev.handle(Arrived(signed('(null)')), NOW)
    assert drop.verdict is Verdict.OVERLOADED and "finished particle ids" in drop.detail
    dev.handle(Tick(), NOW + 3_600_000)  # past their deadlines: the ids may go now
    assert dev.finished_ids == 0 and dev.handle(Arrived(signed('(null)')), NOW + 3_600_000) == []


def test_a_strangers_particle_is_bounded_in_work_then_given_up() -> None:
    dev = core(stranger_particle_steps=3000, stranger_run_steps=2000)
    spin = '(seq (call "dev" ("op" "array") [1 2 3 4 5 6 7 8 9 10] xs) (fold xs a (seq (fold xs b (seq (fold xs c (seq (null) (next c))) (next b))) (next a))))'
    p = signed(spin, "stranger")
    [calls] = dev.handle(Arrived(p), NOW)
    actions = dev.handle(CallsDone(p.id, {calls.requests[0].key: CallResult.success(list(range(10)))}), NOW)
    assert isinstance(actions[0], ScriptFailed) and actions[0].ret_code == 20100  # one run's share
    actions = dev.handle(Arrived(p.with_data(b"")), NOW)
    assert [type(a) for a in actions] in ([Duplicate],)
    assert dev.handle(Tick(), NOW + 11_000) == [Forgotten(p.id, "a stranger's particle left idle")]


def test_the_particle_budget_ends_a_particle() -> None:
    dev = core(particle_steps=40)
    p = signed('(seq (call "dev" ("op" "array") [] xs) (fold xs x (seq (call "dev" ("op" "noop") []) (next x))))')
    [calls] = dev.handle(Arrived(p), NOW)
    actions = dev.handle(CallsDone(p.id, {calls.requests[0].key: CallResult.success(list(range(100)))}), NOW)
    for _ in range(100):
        if not actions or not isinstance(actions[0], CallServices):
            break
        actions = dev.handle(CallsDone(p.id, {r.key: CallResult.success({}) for r in actions[0].requests}), NOW)
    assert isinstance(actions[0], Dropped) and actions[0].verdict is Verdict.OVER_BUDGET
    assert actions[-1] == Forgotten(p.id, "over its budget") and p.id not in dev


def test_decoded_weight_not_bytes_bounds_what_is_held() -> None:
    dev = core(max_held_bytes=50_000)
    script = '(call "dev" ("op" "noop") [])'
    p = signed(script, "stranger")
    bulky = Data({"9": Entry(Kind.CALL, [[]] * 2000, "stranger")})  # ~4 KB on the wire, 2,000 values
    Sealer("stranger", KEYS["stranger"].sign, verify).seal(p, bulky, {})
    raw = air_data.encode(bulky)
    assert len(raw) < 5000
    [drop] = dev.handle(Arrived(p.with_data(raw)), NOW)
    assert drop.verdict is Verdict.OVERLOADED


def test_strangers_hold_at_most_their_share_of_the_data() -> None:
    """NODE_STRANGER_SHARE bounds the held data too: busy strangers' particles cannot take
    the room that trusted peers' particles need."""
    dev = core(max_held_bytes=100_000)

    def bulky(init: str) -> list[Any]:  # ~30 KB of weight, a call pending on dev (so not idle)
        p = signed('(call "dev" ("op" "noop") [])', init)
        data = Data({"9": Entry(Kind.CALL, [[]] * 400, init)})
        Sealer(init, KEYS[init].sign, verify).seal(p, data, {})
        return dev.handle(Arrived(p.with_data(air_data.encode(data))), NOW)

    assert [type(a) for a in bulky("stranger")] == [CallServices]
    assert [type(a) for a in bulky("stranger")] == [CallServices]
    [drop] = bulky("stranger")  # 90 KB would be over the strangers' 75 KB
    assert drop.verdict is Verdict.OVERLOADED and "bytes of data" in drop.detail
    assert [type(a) for a in bulky("laptop")] == [CallServices]  # the rest is the laptop's


def test_a_strangers_data_is_bounded_in_items_before_it_is_decoded() -> None:
    dev = core(stranger_data_items=1000)
    p = signed('(call "dev" ("op" "noop") [])', "stranger")
    bulky = Data({"9": Entry(Kind.CALL, list(range(2000)), "stranger")})
    Sealer("stranger", KEYS["stranger"].sign, verify).seal(p, bulky, {})
    [drop] = dev.handle(Arrived(p.with_data(air_data.encode(bulky))), NOW)
    assert drop.verdict is Verdict.MALFORMED and "more than 1000 CBOR items" in drop.detail
    laptops = signed('(call "dev" ("op" "noop") [])', "laptop")  # a trusted peer's may hold more
    bulky = Data({"9": Entry(Kind.CALL, list(range(2000)), "laptop")})
    Sealer("laptop", KEYS["laptop"].sign, verify).seal(laptops, bulky, {})
    actions = dev.handle(Arrived(laptops.with_data(air_data.encode(bulky))), NOW)
    assert not any(isinstance(a, Dropped) for a in actions)


def test_strangers_ids_past_their_share_never_lock_a_trusted_peer_out_of_the_replay_table() -> None:
    dev = core(max_finished=6, max_particles=8, new_burst=100)
    for _ in range(6):  # the strangers' share of the particles: 6 of 8
        dev.handle(Arrived(signed('(null)', "stranger")), NOW)
    dev.handle(Tick(), NOW + 11_000)  # left idle: given up, their ids join the table
    assert dev.finished_ids == 6  # the table is full, past the strangers' share of it (4.5)
    [drop] = dev.handle(Arrived(signed('(null)', "stranger")), NOW + 11_000)
    assert drop.verdict is Verdict.OVERLOADED
    for _ in range(2):  # the ids past the strangers' share do not count against the laptop
        assert dev.handle(Arrived(signed('(null)', "laptop")), NOW + 11_000) == []


def test_a_forged_particle_claiming_a_trusted_id_evicts_nothing() -> None:
    dev = core(max_particles=2)
    held = [signed('(null)') for _ in range(2)]
    for p in held:
        dev.handle(Arrived(p), NOW)
    real = signed('(call "dev" ("op" "noop") [])')
    forged = SimParticle(real.id, "laptop", NOW, real.ttl_ms, '(call "dev" ("srv" "remove") ["x"])', real.signature)
    [drop] = dev.handle(Arrived(forged), NOW)
    assert drop.verdict is Verdict.BAD_SIGNATURE
    assert all(p.id in dev for p in held)  # the idle particles were not given up for it


def test_an_unsealed_copy_evicts_nothing() -> None:
    dev = core(max_held_bytes=600)
    held = [signed('(null)') for _ in range(2)]
    p = signed(CALL_BACK)
    for q in [*held, p]:
        dev.handle(Arrived(q), NOW)
    # A copy of p whose data would need the room the idle particles hold -- but is forged.
    copy = forged_copy(p, {"1": Entry(Kind.CALL, "evil" * 200, "laptop")}, sealer_name="shed")
    [drop] = dev.handle(Arrived(copy, "shed"), NOW)
    assert drop.verdict is Verdict.UNSEALED
    assert all(q.id in dev for q in held)


def test_a_new_particle_refused_for_its_seals_or_as_a_stray_report_evicts_nothing() -> None:
    """Room for a new particle is made only once its data proved sealed and not a failure
    report (a report is never held): a refused first copy gives up nobody's idle particle."""
    dev = core(max_particles=2)
    held = [signed('(null)') for _ in range(2)]
    for q in held:
        dev.handle(Arrived(q), NOW)
    unsealed = forged_copy(signed(CALL_BACK), {"1": Entry(Kind.CALL, "evil", "laptop")}, sealer_name="shed")
    [drop] = dev.handle(Arrived(unsealed, "shed"), NOW)
    assert drop.verdict is Verdict.UNSEALED
    report = forged_copy(signed(CALL_BACK), {FAILURE_KEY: Entry(Kind.FAILURE, [1, "no", ""], "shed")}, "shed")
    [drop] = dev.handle(Arrived(report, "shed"), NOW)  # dev is not its init peer
    assert drop.verdict is Verdict.BAD_REPORT
    assert all(q.id in dev for q in held)


def test_the_resume_point_counts_in_the_weight_and_goes_when_there_is_no_room_for_it() -> None:
    """A fold of local calls: its runs resume (air/resume.py), and that state is weighed with
    the particle's data. A node with no room for it drops it (the runs replay instead): the
    same calls, the same outcome, and the weight held stays within the limit."""
    script = '(seq (call "dev" ("op" "array") [] xs) (fold xs x (seq (call "dev" ("op" "noop") [x]) (next x))))'

    def drive(dev: ParticleCore) -> tuple[int, list[Any], list[Any]]:
        p = signed(script)
        [calls] = dev.handle(Arrived(p), NOW)
        actions = dev.handle(CallsDone(p.id, {calls.requests[0].key: CallResult.success(list(range(60)))}), NOW)
        most, made = 0, []
        while actions and isinstance(actions[0], CallServices):
            most = max(most, dev.held_bytes)
            made += [r.args for r in actions[0].requests]
            actions = dev.handle(CallsDone(p.id, {r.key: CallResult.success(None) for r in actions[0].requests}), NOW)
        return max(most, dev.held_bytes), made, actions

    replaying = core()
    replaying.incremental = False  # no resume points: what the data alone weighs
    data_only, made, outcome = drive(replaying)
    assert data_only > 60 * const.DATA_ITEM_WEIGHT_BYTES  # what the runs recorded counts
    resumed, made_resumed, outcome_resumed = drive(core())
    assert resumed > data_only and (made_resumed, outcome_resumed) == (made, outcome)
    tight = core(max_held_bytes=data_only)  # room for the data, none for a resume point
    assert drive(tight) == (data_only, made, outcome)
    assert len(made) == 60


def test_what_later_copies_add_is_weighed_not_only_the_largest_copy() -> None:
    """A stranger's copies of its particle, each adding one 100 KB entry at a key no
    instruction visits, sealed by fresh identities of its own: the merged data grows with
    each, and once the strangers' share of the room is full the next is refused (before,
    only the largest copy counted: 300 such copies held 300 MB)."""
    dev = core(max_held_bytes=1_000_000)
    p = signed("(null)", init="stranger")
    verdicts = []
    invitations = Data()
    for n in range(20):
        who = KEYS.setdefault(f"sock{n}", KeyPair.generate()) and f"sock{n}"
        invite(p, invitations, "stranger", who)  # the stranger's seals nest, as a peer's do
        data = invitations.copy()
        data.entries[f"junk{n}"] = Entry(Kind.CALL, "x" * 100_000, who)
        Sealer(who, KEYS[who].sign, verify).seal(p, data, {})
        copy = p.with_data(air_data.encode(data))
        actions = dev.handle(Arrived(copy, "stranger"), NOW + n)
        verdicts.append(actions[0].verdict if actions and isinstance(actions[0], Dropped) else None)
        assert dev.held_bytes <= 0.75 * 1_000_000
    assert verdicts[:5] == [None] * 5 and Verdict.OVERLOADED in verdicts


def test_what_runs_record_is_weighed() -> None:
    """A stranger's particle whose runs build hundreds of canons of a 1,024-value stream from
    a copy of a few kilobytes (2,200 of them held 20 MB a particle, none of it counted): the
    canons count in its weight, and past the room the particle is given up."""
    script = (
        '(seq (seq (call %init_peer_id% ("getDataSrv" "a") [] a) (call %init_peer_id% ("getDataSrv" "b") [] b))'
        ' (seq (fold a i (seq (ap i $s) (next i))) (fold b j (seq (canon "dev" $s #c) (next j)))))'
    )
    p = signed(script, init="stranger")
    inputs = {"2": Entry(Kind.CALL, list(range(1024)), "stranger"), "3": Entry(Kind.CALL, list(range(200)), "stranger")}
    roomy = core(max_held_bytes=64_000_000)
    assert roomy.handle(Arrived(forged_copy(p, inputs, "stranger"), "stranger"), NOW) == []
    assert roomy.held_bytes > 200 * 16 * 1024  # the canons' weight
    tight = core(max_held_bytes=2_000_000)
    [dropped, forgotten] = tight.handle(Arrived(forged_copy(p, inputs, "stranger"), "stranger"), NOW)
    assert isinstance(dropped, Dropped) and dropped.verdict is Verdict.OVERLOADED
    assert isinstance(forgotten, Forgotten) and "outgrew" in forgotten.why
    assert tight.held_bytes == 0 and p.id not in tight


def junk_copy(p: SimParticle, names: list[str], trusted_name: str | None = None, via: str = "shed") -> SimParticle:
    """A copy of `p` with an entry at a key no instruction visits for each of `names`, each
    sealed by a fresh identity of that name (and one by `trusted_name`, if given). The
    particle's init peer sent it to `via`, and `via` to the fresh identities: a participant
    that invites identities of its own."""
    data = Data()
    if names:
        invite(p, data, p.init_peer_id, via)
        invite(p, data, via, *names)
    for who in [*names, *([trusted_name] if trusted_name else [])]:
        KEYS.setdefault(who, KeyPair.generate())
        data.entries[f"junk-{who}"] = Entry(Kind.CALL, 0, who)
        Sealer(who, KEYS[who].sign, verify).seal(p, data, {})
    return p.with_data(air_data.encode(data))


def test_seals_of_untrusted_peers_in_copies_of_a_trusted_particle_are_checked_at_a_bounded_rate() -> None:
    """A stranger who read a laptop's particle off the LAN sends copies of it with thousands
    of seals of fresh identities: each an Ed25519 check, outside the strangers' lane (5,000
    cost 0.45 s of CPU a copy). They now take tokens from one bucket, all of a copy's or none:
    a copy that asks more than it holds is refused before any is checked."""
    checked: list[str] = []

    def counting(peer: str, message: bytes, signature: bytes) -> bool:
        checked.append(peer)
        return verify(peer, message, signature)

    dev = ParticleCore(
        "dev", Sealer("dev", KEYS["dev"].sign, counting),
        lambda p: verify(p.init_peer_id, p.signing_bytes(), p.signature),
        limits=CoreLimits.from_const(untrusted_seals_per_s=4, untrusted_seals_burst=8),
        trusted={"laptop"}.__contains__,
    )
    def untrusted_checked() -> list[str]:
        return [peer for peer in checked if peer != "laptop"]  # the laptop's invitation of shed

    p = signed(CALL_BACK)
    [drop] = dev.handle(Arrived(junk_copy(p, [f"fresh{i}" for i in range(8)]), "stranger"), NOW)
    assert drop.verdict is Verdict.OVERLOADED and "asks 9 seals" in drop.detail and "8 may be" in drop.detail
    assert checked == [] and p.id not in dev  # (shed's seal and the 8 fresh identities')
    [calls] = dev.handle(Arrived(junk_copy(p, [f"fresh{i}" for i in range(7)]), "stranger"), NOW)
    assert isinstance(calls, CallServices) and len(untrusted_checked()) == 8
    one_more = junk_copy(p, ["fresh7"])  # shed's seal of another invitation, and fresh7's
    [drop] = dev.handle(Arrived(one_more, "stranger"), NOW)
    assert drop.verdict is Verdict.OVERLOADED and len(untrusted_checked()) == 8
    assert dev.handle(Arrived(one_more, "stranger"), NOW + 500) == []  # a token a quarter second
    assert len(untrusted_checked()) == 10
    # The trusted peer's own seals, and seals checked before, take no token.
    assert dev.handle(Arrived(junk_copy(p, [], trusted_name="laptop"), "laptop"), NOW + 500) == []
    again = junk_copy(p, ["fresh7"])
    assert dev.handle(Arrived(again, "stranger"), NOW + 500) == [Duplicate(p.id, "stranger")]
    # Nor do they in particles this peer started, or in strangers' (their lane bounds them).
    laptop = core("laptop", trusted=(), untrusted_seals_burst=1)
    own = signed(CALL_BACK)
    laptop.handle(Arrived(own, local=True), NOW)
    assert laptop.handle(Arrived(junk_copy(own, ["fresh0", "fresh1"]), "dev"), NOW) == []
    theirs = signed("(null)", init="stranger")
    stranger_copy = junk_copy(theirs, ["fresh0", "fresh1"])
    assert core(untrusted_seals_burst=1).handle(Arrived(stranger_copy, "x"), NOW) == []


def test_a_proven_sender_vouches_for_its_own_signature_and_seals_only() -> None:
    """A hop tag proved who sent a copy (edge_agent/hop.py): its init peer's signature needs
    no check if that peer sent it, nor the sender's own seals; everyone else's still do, and
    a seal of the sender's over another peer's entry is refused as ever."""
    checked: list[str] = []

    def counting(peer: str, message: bytes, signature: bytes) -> bool:
        checked.append(peer)
        return verify(peer, message, signature)

    def counting_particle(p: SimParticle) -> bool:
        checked.append(f"signature of {p.init_peer_id}")
        return verify(p.init_peer_id, p.signing_bytes(), p.signature)

    def dev() -> ParticleCore:
        sealer = Sealer("dev", KEYS["dev"].sign, counting)
        return ParticleCore("dev", sealer, counting_particle, trusted={"laptop"}.__contains__)

    script = '(seq (call %init_peer_id% ("getDataSrv" "x") [] x) (call "dev" ("op" "identity") [x]))'
    p = signed(script)
    inputs = forged_copy(p, {"1": Entry(Kind.CALL, "hello", "laptop")}, sealer_name="laptop")
    [calls] = dev().handle(Arrived(inputs, "laptop", proven=True), NOW)
    assert isinstance(calls, CallServices) and calls.requests[0].args == ["hello"]
    assert checked == []
    [calls] = dev().handle(Arrived(inputs, "laptop"), NOW)  # no proof: both checked
    assert isinstance(calls, CallServices) and checked == ["signature of laptop", "laptop"]
    checked.clear()
    [calls] = dev().handle(Arrived(inputs, "shed", proven=True), NOW)  # a relay's proof
    assert isinstance(calls, CallServices) and checked == ["signature of laptop", "laptop"]
    data = air_data.decode(inputs.data)
    invite(p, data, "laptop", "shed")
    data.entries["junk"] = Entry(Kind.CALL, "evil", "laptop")  # shed's seal over the laptop's entry
    data.seals.append(Seal("shed", ("junk",), bytes(64)))
    [drop] = dev().handle(Arrived(p.with_data(air_data.encode(data)), "shed", proven=True), NOW)
    assert drop.verdict is Verdict.UNSEALED and "a seal of shed covers entry 'junk' of laptop" in drop.detail

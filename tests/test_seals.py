"""Seals: each peer signs the entries and sent records it wrote; a copy is taken only if their writers did."""

from __future__ import annotations

import cbor2
import pytest

from edge_agent import const, particle
from edge_agent.air.data import Data, Entry, Kind, Seal, decode, encode, merge
from edge_agent.air.errors import DataError
from edge_agent.identity import KeyPair
from edge_agent.seals import SEAL_DOMAIN, Sealer, SealError, entry_digest, seal_message

ALICE, BOB = KeyPair.generate(), KeyPair.generate()
PID = particle.Particle.create(ALICE, "(null)", id="6f1c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f")
"""The particle the seals below are made in (a seal names its id and its init peer's signature)."""


def sealer(keys: KeyPair, verified: list[str] | None = None) -> Sealer:
    def verify(peer: str, message: bytes, signature: bytes) -> bool:
        if verified is not None:
            verified.append(peer)
        return particle.verify_signature(peer, message, signature)

    return Sealer(keys.peer_id, keys.sign, verify)


def bobs_data() -> Data:
    data = Data({"0": Entry(Kind.CALL, "hi", BOB.peer_id), "1/a": Entry(Kind.AP, 3, BOB.peer_id, "$s", 0)})
    assert sealer(BOB).seal(PID, data, {})
    return decode(encode(data))  # as it arrives


def test_a_sealed_copy_is_taken_and_its_seal_survives_the_wire() -> None:
    data = bobs_data()
    assert [s.peer for s in data.seals] == [BOB.peer_id] and data.seals[0].keys == ("0", "1/a")
    sealer(ALICE).check(PID, data, None)


def test_an_entry_claiming_another_producer_is_refused() -> None:
    data = bobs_data()
    data.entries["2"] = Entry(Kind.CALL, "forged", ALICE.peer_id)  # bob writes as alice
    with pytest.raises(SealError, match="did not seal it"):
        sealer(ALICE).check(PID, data, None)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda e: setattr(e, "value", "changed"),
        lambda e: setattr(e, "kind", Kind.CALL_FAILED) or setattr(e, "value", [1, "x"]),
        lambda e: setattr(e, "stream", "$other"),
    ],
    ids=["value", "kind", "stream"],
)
def test_an_altered_entry_breaks_its_seal(tamper) -> None:  # type: ignore[no-untyped-def]
    data = bobs_data()
    tamper(data.entries["1/a"])
    with pytest.raises(SealError, match="does not match"):
        sealer(ALICE).check(PID, data, None)


def test_sent_records_are_sealed_by_whoever_wrote_them() -> None:
    """A sent record stops others sending the particle on, and invites its target
    (edge_agent/invitations.py): it is sealed with the entries of the peer that wrote it."""
    data = Data({"0": Entry(Kind.CALL, "hi", BOB.peer_id)}, sent={"1": ALICE.peer_id, "2": BOB.peer_id})
    assert sealer(BOB).seal(PID, data, {})
    assert data.seals[0].keys == ("0",) and data.seals[0].sent == ("1", "2")
    arrived = decode(encode(data))
    assert arrived.seals == data.seals
    sealer(ALICE).check(PID, arrived, None)
    arrived.sent["1"] = "carol"  # sent on to someone else
    with pytest.raises(SealError, match="does not match"):
        sealer(ALICE).check(PID, arrived, None)


def test_a_sent_record_nobody_sealed_is_refused_unless_held_already() -> None:
    data = bobs_data()
    data.sent["9"] = "carol"
    with pytest.raises(SealError, match="sent record of '9' .to carol. is not sealed by anyone"):
        sealer(ALICE).check(PID, data, None)
    sealer(ALICE).check(PID, data, Data(sent={"9": "carol"}))


def test_a_peer_seals_the_sent_records_no_other_seal_covers_and_its_seals_nest() -> None:
    """Sent records in the data that another peer's seal covers are that peer's; those no
    seal covers were written here (a copy is taken only with each one it adds sealed)."""
    data = Data(sent={"1": BOB.peer_id})
    assert sealer(ALICE).seal(PID, data, {})  # alice sent it to bob: a seal of a sent record alone
    data.sent["2"] = "carol"
    data.entries["3"] = Entry(Kind.CALL, 7, BOB.peer_id)
    assert sealer(BOB).seal(PID, data, {})
    [alices, bobs] = data.seals
    assert alices.sent == ("1",) and bobs.sent == ("2",) and bobs.keys == ("3",)
    assert not sealer(BOB).seal(PID, data, {})  # nothing new
    data.sent["4"] = "dave"
    assert sealer(BOB).seal(PID, data, {})
    assert [s.sent for s in data.seals] == [("1",), ("2", "4")]  # bob's newer seal contains the older
    sealer(ALICE).check(PID, decode(encode(data)), None)


def test_a_seal_is_bound_to_its_particle() -> None:
    """Not only to its id: a stranger's particle that takes the id (a particle id crosses
    the LAN in the clear) with another script must not pass off bob's value as the result
    of some other call (the init peer's signature covers the script)."""
    data = bobs_data()
    other_id = particle.Particle.create(ALICE, "(null)", id=PID.id.replace("6f", "70"))
    squatter = KeyPair.generate()
    same_id = particle.Particle.create(squatter, '(call %init_peer_id% ("op" "identity") ["x"] r)', id=PID.id)
    for other in (other_id, same_id):
        with pytest.raises(SealError, match="does not match"):
            sealer(ALICE).check(other, data, None)
    sealer(ALICE).check(PID, data, None)


def test_a_seal_over_someone_elses_entries_is_refused() -> None:
    data = Data({"0": Entry(Kind.CALL, "hi", ALICE.peer_id)})
    listing = [("0", entry_digest("0", data.entries["0"]))]
    data.seals = [Seal(BOB.peer_id, ("0",), BOB.sign(seal_message(PID, BOB.peer_id, listing)))]
    with pytest.raises(SealError, match="covers entry '0' of"):
        sealer(ALICE).check(PID, data, None)


def test_the_message_is_domain_separated_from_particle_signatures() -> None:
    message = seal_message(PID, BOB.peer_id, [])
    assert message.startswith(SEAL_DOMAIN) and not message.startswith(b"\xa6")  # a particle signs a CBOR map


def test_a_seal_is_verified_once_and_entries_held_already_need_none() -> None:
    verified: list[str] = []
    alice = sealer(ALICE, verified)
    first = bobs_data()
    alice.check(PID, first, None)
    alice.check(PID, bobs_data(), None)  # another copy, a new signature? Ed25519 is deterministic: the same
    assert verified == [BOB.peer_id]
    held = merge(Data(), first)
    alice.check(PID, first, held)
    assert verified == [BOB.peer_id]


def test_our_seal_grows_with_our_entries_and_replaces_the_old_one() -> None:
    bob = sealer(BOB)
    data = Data({"0": Entry(Kind.CALL, "hi", BOB.peer_id)})
    digests: dict[str, bytes] = {}
    assert bob.seal(PID, data, digests)
    assert not bob.seal(PID, data, digests)  # nothing new
    data.entries["5"] = Entry(Kind.CALL, 2, BOB.peer_id)
    assert bob.seal(PID, data, digests)
    assert [s.keys for s in data.seals] == [("0", "5")]
    sealer(ALICE).check(PID, decode(encode(data)), None)


def test_merging_keeps_the_larger_of_nested_seals() -> None:
    bob = sealer(BOB)
    small = Data({"0": Entry(Kind.CALL, "hi", BOB.peer_id)})
    bob.seal(PID, small, {})
    large = small.copy()
    large.entries["5"] = Entry(Kind.CALL, 2, BOB.peer_id)
    bob.seal(PID, large, {})
    assert [s.keys for s in merge(small, large).seals] == [("0", "5")]
    assert [s.keys for s in merge(large, small).seals] == [("0", "5")]


def test_a_new_seal_over_entries_we_hold_digests_only_what_is_new(monkeypatch: pytest.MonkeyPatch) -> None:
    from edge_agent import seals

    bob, alice = sealer(BOB), sealer(ALICE)
    first = Data({str(i): Entry(Kind.CALL, i, BOB.peer_id) for i in range(50)})
    bob.seal(PID, first, {})
    held, digests = merge(Data(), decode(encode(first))), {}
    alice.check(PID, decode(encode(first)), None)
    second = first.copy()
    second.entries["new"] = Entry(Kind.CALL, "x", BOB.peer_id)
    bob.seal(PID, second, {})  # bob re-seals all 51 of his entries
    counted: list[str] = []
    real = seals.entry_digest
    monkeypatch.setattr(seals, "entry_digest", lambda key, entry: counted.append(key) or real(key, entry))
    alice.check(PID, decode(encode(second)), held, digests)
    assert len(counted) == 51  # the first time: held entries' digests go into the cache
    third = second.copy()
    third.entries["newer"] = Entry(Kind.CALL, "y", BOB.peer_id)
    bob.seal(PID, third, {})
    counted.clear()
    alice.check(PID, decode(encode(third)), merge(held, decode(encode(second))), digests)
    assert counted == ["new", "newer"]  # "new" was not held when it came; the 50 are cached
    tampered = decode(encode(third))
    tampered.entries["7"].value = 700  # a held entry rewritten: its cached digest is not used
    with pytest.raises(SealError, match="does not match"):
        sealer(ALICE).check(PID, tampered, held, dict(digests))


def test_an_entry_under_several_seals_is_digested_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from edge_agent import seals

    # Two seals of bob that do not nest (he forgot the particle and produced again), both
    # over entry "0": a stranger can make it a large one.
    one = Data({"0": Entry(Kind.CALL, "x" * 1000, BOB.peer_id), "1": Entry(Kind.CALL, 1, BOB.peer_id)})
    two = Data({"0": Entry(Kind.CALL, "x" * 1000, BOB.peer_id), "2": Entry(Kind.CALL, 2, BOB.peer_id)})
    sealer(BOB).seal(PID, one, {})
    sealer(BOB).seal(PID, two, {})
    both = decode(encode(merge(one, two)))
    assert [s.keys for s in both.seals] == [("0", "1"), ("0", "2")]
    counted: list[str] = []
    real = seals.entry_digest
    monkeypatch.setattr(seals, "entry_digest", lambda key, entry: counted.append(key) or real(key, entry))
    sealer(ALICE).check(PID, both, None)
    assert sorted(counted) == ["0", "1", "2"]


def _with_seal_rows(data: Data, rows: list[object], padding: int = 0) -> bytes:
    obj = cbor2.loads(encode(data))
    obj["g"] = rows
    obj["p"] += [f"nobody-{i}" for i in range(padding)]  # peers that produced nothing
    return cbor2.dumps(obj)


def test_seals_that_only_multiply_the_checks_are_refused_as_they_are_decoded() -> None:
    data = bobs_data()
    row = cbor2.loads(encode(data))["g"][0]
    with pytest.raises(DataError, match="one seal twice"):
        decode(_with_seal_rows(data, [row, row]))
    with pytest.raises(DataError, match="must cover an entry or a sent record"):
        decode(_with_seal_rows(data, [[row[0], [], row[2], []]]))
    with pytest.raises(DataError, match="must refer to sent records"):
        decode(_with_seal_rows(data, [[row[0], [0], row[2], [0]]]))  # bob's data has none
    with pytest.raises(DataError, match=r"must be \[peer, \[entry numbers\], signature, \[sent"):
        decode(_with_seal_rows(data, [row[:3]]))  # a seal of version 2
    apart = [[row[0], [i % 2], bytes([i]) * 64, []] for i in range(const.MAX_SEALS_PER_PEER + 1)]
    with pytest.raises(DataError, match=f"more than {const.MAX_SEALS_PER_PEER} seals of peer"):
        decode(_with_seal_rows(data, apart, padding=10))
    decode(_with_seal_rows(data, apart[:-1]))  # as many as merges may keep: decoded (and checked later)


def _ap_by(keys: KeyPair, value: object) -> Data:
    """A copy in which `keys`' peer recorded (and sealed) the ap "1/a" itself."""
    data = Data({"1/a": Entry(Kind.AP, value, keys.peer_id, "$s", 0)})
    assert sealer(keys).seal(PID, data, {})
    return decode(encode(data))


def test_an_ap_recorded_by_two_peers_passes_on_with_both_seals() -> None:
    # Two peers ran the same ap before either saw the other's copy: a merge keeps one copy
    # (bob's here) and both seals, and a third peer must still take what it sends on.
    merged = decode(encode(merge(_ap_by(BOB, 3), _ap_by(ALICE, 3))))
    assert merged.entries["1/a"].peer == BOB.peer_id and len(merged.seals) == 2
    sealer(KeyPair.generate()).check(PID, merged, None)


def test_a_seal_over_another_peers_ap_must_sign_the_same_value() -> None:
    bobs = _ap_by(BOB, 4)
    bobs.seals += _ap_by(ALICE, 3).seals  # alice's seal signed 3: it matches no copy of this ap
    sealer(KeyPair.generate()).check(PID, _ap_by(BOB, 4), None)
    with pytest.raises(SealError, match=f"seal of {ALICE.peer_id} does not match"):
        sealer(KeyPair.generate()).check(PID, bobs, None)
    calls = Data({"0": Entry(Kind.CALL, "hi", BOB.peer_id)})
    listing = [("0", entry_digest("0", Entry(Kind.CALL, "hi", ALICE.peer_id)))]
    calls.seals = [Seal(ALICE.peer_id, ("0",), ALICE.sign(seal_message(PID, ALICE.peer_id, listing)))]
    with pytest.raises(SealError, match="covers entry '0' of"):  # only an ap runs anywhere
        sealer(KeyPair.generate()).check(PID, calls, None)

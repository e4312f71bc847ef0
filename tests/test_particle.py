"""The particle envelope: codec, signature, freshness (edge_agent/particle.py)."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import replace

import cbor2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge_agent import const, particle
from edge_agent.errors import LocalError, RemoteError
from edge_agent.identity import KeyPair
from edge_agent.particle import (
    BadSignature,
    DropReason,
    Expired,
    FromTheFuture,
    InvalidParticle,
    Malformed,
    Particle,
    ParticleError,
    TooLarge,
    UnsupportedVersion,
    check_fresh,
    decode,
    encode,
)

MAX = const.MAX_PARTICLE_BYTES
CLIENT = KeyPair.from_seed(hashlib.sha256(b"aqua-oracle-peer:client").digest())
NODE_A = KeyPair.from_seed(hashlib.sha256(b"aqua-oracle-peer:nodeA").digest())
PID = "3c9b1f9e-0b1a-4c5e-9d8f-6a7b8c9d0e1f"
TS = 1_700_000_000_000

FUZZ = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def golden() -> Particle:
    return Particle.create(
        CLIENT, "(null)", b"\x01\x02", ttl_ms=7000, timestamp_ms=TS, id=PID
    )


def fields_of(p: Particle) -> dict[int, object]:
    return cbor2.loads(encode(p))


def raw_of(fields: dict[int, object]) -> bytes:
    return cbor2.dumps(fields, canonical=True)


# --- the wire layout, byte for byte -------------------------------------------------------

GOLDEN_HEX = (
    "a8000101782433633962316639652d306231612d346335652d396438662d366137623863396430653166"
    "027834313244334b6f6f5742484538393945524643315458534a4c716f734834623537537a7371326871"
    "3154446b704731364d72443368031b0000018bcfe5680004191b580566286e756c6c290658406b074859"
    "e6a39a15921b2c48dfa04648d7925ec1701f2b0cb05837ddb0f572dd6f88574654bbe407bcc120338129"
    "fa4161d0ad64a2ab468f7e266244bdeca30307420102"
)


def test_signing_bytes_are_the_deterministic_map_of_keys_0_to_5() -> None:
    """Built by hand from RFC 8949 heads, independent of cbor2."""
    pid = CLIENT.peer_id.encode()
    expected = (
        b"\xa6"  # map(6)
        + b"\x00\x01"  # 0: version 1
        + b"\x01\x78\x24" + PID.encode()  # 1: text(36) id
        + b"\x02\x78\x34" + pid  # 2: text(52) init peer id
        + b"\x03\x1b" + TS.to_bytes(8, "big")  # 3: uint64 timestamp
        + b"\x04\x19" + (7000).to_bytes(2, "big")  # 4: uint16 ttl
        + b"\x05\x66(null)"  # 5: text(6) script
    )
    assert golden().signing_bytes() == expected


def test_encoding_is_byte_for_byte_stable() -> None:
    p = golden()
    raw = encode(p)
    assert raw.hex() == GOLDEN_HEX
    assert raw == p.encode()
    # keys 6 and 7 follow the signed part: signature (bytes 64), data (bytes 2)
    assert raw.endswith(b"\x06\x58\x40" + p.signature + b"\x07\x42\x01\x02")
    assert decode(raw, max_bytes=MAX) == p


def test_golden_signature_verifies() -> None:
    decode(bytes.fromhex(GOLDEN_HEX), max_bytes=MAX).verify()


# --- create, verify, with_data ------------------------------------------------------------


def test_create_defaults() -> None:
    p = Particle.create(CLIENT, "(null)")
    assert p.init_peer_id == CLIENT.peer_id
    assert str(uuid.UUID(p.id)) == p.id and uuid.UUID(p.id).version == 4
    assert p.ttl_ms == const.DEFAULT_PARTICLE_TTL_MS
    assert p.data == b"" and p.version == particle.FORMAT_VERSION
    assert abs(p.timestamp_ms - __import__("time").time() * 1000) < 60_000
    p.verify()


def test_data_is_not_signed() -> None:
    p = golden().with_data(b"grown by another peer")
    p.verify()
    assert decode(encode(p), max_bytes=MAX).data == b"grown by another peer"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        (particle.K_ID, "3c9b1f9e-0b1a-4c5e-9d8f-6a7b8c9d0e10"),
        (particle.K_INIT_PEER_ID, NODE_A.peer_id),
        (particle.K_TIMESTAMP, TS + 1),
        (particle.K_TTL, 7001),
        (particle.K_SCRIPT, "(null) "),
    ],
)
def test_tampering_a_signed_field_breaks_the_signature(key: int, value: object) -> None:
    fields = fields_of(golden())
    fields[key] = value
    p = decode(raw_of(fields), max_bytes=MAX)
    with pytest.raises(BadSignature) as info:
        p.verify()
    assert info.value.reason is DropReason.BAD_SIGNATURE
    assert isinstance(info.value, RemoteError)


def test_signature_of_another_peer_is_rejected() -> None:
    mine = golden()
    forged = Particle.create(NODE_A, "(null)", ttl_ms=7000, timestamp_ms=TS, id=PID)
    with pytest.raises(BadSignature):
        replace(mine, signature=forged.signature).verify()
    with pytest.raises(BadSignature):
        replace(mine, signature=bytes(64)).verify()


@given(
    script=st.text(max_size=300),
    data=st.binary(max_size=300),
    ttl=st.integers(1, const.MAX_PARTICLE_TTL_MS),
    ts=st.integers(0, 2**64 - 1),
)
@FUZZ
def test_round_trip(script: str, data: bytes, ttl: int, ts: int) -> None:
    p = Particle.create(NODE_A, script, data, ttl_ms=ttl, timestamp_ms=ts)
    q = decode(encode(p), max_bytes=MAX)
    assert q == p
    q.verify()


def test_repr_shows_sizes_not_contents() -> None:
    p = Particle.create(CLIENT, "(call %init_peer_id% (\"secret\" \"x\") [])", b"\xff" * 10)
    text = repr(p)
    assert "secret" not in text and p.id in text and "10 bytes" in text


# --- local construction errors are ours ---------------------------------------------------


def test_local_construction_errors_are_local() -> None:
    with pytest.raises(InvalidParticle) as info:
        Particle.create(CLIENT, "x" * (const.MAX_SCRIPT_BYTES + 1))
    assert info.value.reason is DropReason.TOO_LARGE
    assert isinstance(info.value, LocalError) and not isinstance(info.value, RemoteError)
    with pytest.raises(InvalidParticle, match="ttl_ms is 0"):
        Particle.create(CLIENT, "(null)", ttl_ms=0)
    with pytest.raises(InvalidParticle, match="UUID"):
        Particle.create(CLIENT, "(null)", id="not-a-uuid")
    with pytest.raises(InvalidParticle, match="surrogate"):
        Particle.create(CLIENT, "\ud800")
    with pytest.raises(InvalidParticle, match="data must be bytes"):
        Particle.create(CLIENT, "(null)", "text")  # type: ignore[arg-type]
    with pytest.raises(InvalidParticle, match="timestamp_ms"):
        Particle.create(CLIENT, "(null)", timestamp_ms=-1)


def test_script_limit_counts_utf8_bytes() -> None:
    ok = "é" * (const.MAX_SCRIPT_BYTES // 2)
    Particle.create(CLIENT, ok)
    with pytest.raises(InvalidParticle, match="bytes, over the limit"):
        Particle.create(CLIENT, ok + "é")


# --- decode: clear errors for bad input ---------------------------------------------------


def _with(**changes: object) -> bytes:
    fields = fields_of(golden())
    for name, value in changes.items():
        key = {v: k for k, v in particle._FIELD_NAMES.items()}[name]
        if value is _DELETE:
            del fields[key]
        else:
            fields[key] = value
    return raw_of(fields)


_DELETE = object()
GOOD = encode(golden())


@pytest.mark.parametrize(
    ("raw", "error", "needle"),
    [
        (b"", Malformed, "empty"),
        (b"\xff", Malformed, "indefinite"),
        (b"\x80", Malformed, "CBOR map"),
        (b"\x1c", Malformed, "reserved"),
        (GOOD[:-1], Malformed, "declares 2 bytes"),
        (GOOD[:1], Malformed, "truncated"),
        (GOOD[:40], Malformed, "declares 36 bytes"),
        (GOOD + b"\x00", Malformed, "after the end"),
        (b"\xbf\x00\x01\xff", Malformed, "indefinite"),
        (b"\xb8\xff" + b"\x00" * 10, Malformed, "255 entries"),
        (b"\xa1\x61a\x01", Malformed, "unsigned integers"),
        (b"\xa1\x08\x01", Malformed, "unknown field 8"),
        (b"\xa2\x05\x60\x05\x60", Malformed, "appears twice"),
        (b"\xa1\x07\x81" * 1 + b"\x00", Malformed, "nested"),
        (b"\xa1\x07" + b"\x81" * 100_000 + b"\x00", Malformed, "nested"),
        (b"\xa1\x05\xd8\x23\x63a+b", Malformed, "tags"),
        (b"\xa1\x07\x5b" + b"\xff" * 8, Malformed, "declares 18446744073709551615 bytes"),
        (b"\xa1\x05\x62\xc3\x28", Malformed, "not valid CBOR"),  # invalid UTF-8
        (b"\xa1\x00\x02", UnsupportedVersion, "version 2"),
        (_with(version=0), UnsupportedVersion, "version 0"),
        (_with(version="1"), Malformed, "version must be an unsigned integer"),
        (_with(data=_DELETE), Malformed, r"missing field\(s\): data"),
        (_with(id="3C9B1F9E-0B1A-4C5E-9D8F-6A7B8C9D0E1F"), Malformed, "canonical"),
        (_with(id="{3c9b1f9e-0b1a-4c5e-9d8f-6a7b8c9d0e1f}"), Malformed, "canonical"),
        (_with(id=b"\x00" * 16), Malformed, "id must be a text UUID"),
        (_with(init_peer_id="QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N"), Malformed,
         "init_peer_id: .*only Ed25519"),
        (_with(timestamp_ms=1.5), Malformed, "timestamp_ms must be an unsigned integer"),
        (_with(timestamp_ms=-5), Malformed, "timestamp_ms -5 is out of range"),
        (_with(ttl_ms=True), Malformed, "ttl_ms must be an unsigned integer, got a boolean"),
        (_with(ttl_ms=0), Malformed, "ttl_ms is 0"),
        (_with(ttl_ms=2**32), Malformed, "out of range"),
        (_with(ttl_ms=const.MAX_PARTICLE_TTL_MS + 1), Malformed, "over this peer's limit"),
        (_with(script=b"(null)"), Malformed, "script must be text"),
        (_with(script="x" * (const.MAX_SCRIPT_BYTES + 1)), TooLarge, "script is"),
        (_with(signature=b"\x00" * 63), Malformed, "signature is 63 bytes"),
        (_with(signature=None), Malformed, "signature must be bytes, got null"),
        (_with(data="text"), Malformed, "data must be bytes"),
    ],
)
def test_bad_input_is_a_clear_particle_error(raw: bytes, error: type, needle: str) -> None:
    with pytest.raises(error, match=needle) as info:
        decode(raw, max_bytes=MAX)
    assert type(info.value) is error
    assert isinstance(info.value, ParticleError) and isinstance(info.value, RemoteError)
    assert info.value.reason is error.reason


def test_size_is_checked_before_anything_is_decoded(monkeypatch: pytest.MonkeyPatch) -> None:
    def must_not_run(*a: object, **k: object) -> object:
        raise AssertionError("decoded before the size check")

    monkeypatch.setattr(particle, "_scan", must_not_run)
    monkeypatch.setattr(particle.cbor2, "loads", must_not_run)
    with pytest.raises(TooLarge, match=f"{len(GOOD)} bytes, over the limit of {len(GOOD) - 1}"):
        decode(GOOD, max_bytes=len(GOOD) - 1)
    with pytest.raises(TooLarge):
        decode(b"\x81" * (MAX + 1), max_bytes=MAX)


def test_exactly_max_bytes_is_accepted() -> None:
    assert decode(GOOD, max_bytes=len(GOOD)) == golden()


def test_custom_max_ttl() -> None:
    raw = _with(ttl_ms=7000)
    decode(raw, max_bytes=MAX, max_ttl_ms=7000)
    with pytest.raises(Malformed, match="limit of 6999"):
        decode(raw, max_bytes=MAX, max_ttl_ms=6999)


@pytest.mark.parametrize("exc", [RecursionError, MemoryError, ValueError, OverflowError,
                                 KeyError, TypeError, SystemError])
def test_any_cbor2_failure_becomes_malformed(monkeypatch: pytest.MonkeyPatch, exc: type) -> None:
    def boom(raw: bytes) -> object:
        raise exc("boom")

    monkeypatch.setattr(particle.cbor2, "loads", boom)
    with pytest.raises(Malformed, match="not valid CBOR"):
        decode(GOOD, max_bytes=MAX)


def test_accepts_bytes_like_and_refuses_other_types() -> None:
    assert decode(bytearray(GOOD), max_bytes=MAX) == golden()
    assert decode(memoryview(GOOD), max_bytes=MAX) == golden()
    with pytest.raises(TypeError):
        decode(GOOD.hex(), max_bytes=MAX)  # type: ignore[arg-type]


# --- decode never lets anything else escape -----------------------------------------------


def _decode_outcome(raw: bytes) -> None:
    try:
        p = decode(raw, max_bytes=MAX)
    except ParticleError as exc:
        assert str(exc)
        assert isinstance(exc.reason, DropReason)
        return
    # Whatever decodes is a well-formed particle that encodes back to itself.
    assert decode(encode(p), max_bytes=MAX) == p


@given(st.binary(max_size=512))
@FUZZ
def test_random_bytes(raw: bytes) -> None:
    _decode_outcome(raw)


@given(st.binary(max_size=64))
@FUZZ
def test_random_bytes_after_a_map_head(tail: bytes) -> None:
    # Random bytes rarely start with a map head; these reach the field scanner.
    for head in (b"\xa8", b"\xa1", b"\xa8\x00\x01"):
        _decode_outcome(head + tail)


@st.composite
def mutations(draw: st.DrawFn) -> bytes:
    raw = bytearray(GOOD)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "set", "cut", "insert", "delete"]))
        i = draw(st.integers(0, max(len(raw) - 1, 0)))
        if kind == "flip" and raw:
            raw[i] ^= 1 << draw(st.integers(0, 7))
        elif kind == "set" and raw:
            raw[i] = draw(st.integers(0, 255))
        elif kind == "cut":
            del raw[i:]
        elif kind == "insert":
            raw[i:i] = draw(st.binary(min_size=1, max_size=9))
        elif kind == "delete":
            del raw[i:i + draw(st.integers(1, 8))]
    return bytes(raw)


@given(mutations())
@FUZZ
def test_mutated_particles(raw: bytes) -> None:
    _decode_outcome(raw)


cbor_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**64), 2**64 - 1) | st.floats()
    | st.text(max_size=40) | st.binary(max_size=40),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.integers(0, 9) | st.text(max_size=3), children, max_size=4),
    max_leaves=12,
)


@given(st.dictionaries(st.integers(0, 9), cbor_values, max_size=10))
@FUZZ
def test_maps_with_random_values(fields: dict[int, object]) -> None:
    _decode_outcome(cbor2.dumps(fields))


@given(st.sampled_from(sorted(particle._FIELD_NAMES)), cbor_values)
@FUZZ
def test_one_field_replaced_by_anything(key: int, value: object) -> None:
    fields = fields_of(golden())
    fields[key] = value
    _decode_outcome(cbor2.dumps(fields))


# --- freshness ----------------------------------------------------------------------------


def test_check_fresh_boundaries() -> None:
    p = golden()  # lives [TS, TS + 7000) on a perfect clock
    check_fresh(p, TS, 0)
    check_fresh(p, TS + 6999, 0)
    with pytest.raises(Expired, match="expired 0 ms ago") as info:
        check_fresh(p, TS + 7000, 0)
    assert info.value.reason is DropReason.EXPIRED
    check_fresh(p, TS + 7999, 1000)
    with pytest.raises(Expired):
        check_fresh(p, TS + 8000, 1000)
    with pytest.raises(FromTheFuture, match="1 ms ahead") as info2:
        check_fresh(p, TS - 1, 0)
    assert info2.value.reason is DropReason.FROM_THE_FUTURE
    check_fresh(p, TS - 1000, 1000)
    with pytest.raises(FromTheFuture):
        check_fresh(p, TS - 1001, 1000)


# --- the drop reasons ---------------------------------------------------------------------


def test_drop_reasons_are_counter_names() -> None:
    values = [r.value for r in DropReason]
    assert len(set(values)) == len(values)
    for r in DropReason:
        assert r.value == r.name.lower() and r.value.isidentifier()
        assert f"drops.{r}" == f"drops.{r.value}"
    for name in ("TOO_LARGE", "MALFORMED", "BAD_SIGNATURE", "EXPIRED",
                 "FROM_THE_FUTURE", "UNSUPPORTED_VERSION"):
        assert name in DropReason.__members__
    # The codec's reasons only: what a node decides (replay, overloaded...) is core.Verdict.
    assert "REPLAY" not in DropReason.__members__


def test_each_error_has_its_own_reason() -> None:
    classes = [particle.TooLarge, Malformed, UnsupportedVersion, BadSignature, Expired,
               FromTheFuture]
    assert len({c.reason for c in classes}) == len(classes)
    assert all(issubclass(c, ParticleError) and issubclass(c, RemoteError) for c in classes)



_GOOD = {"version": 1, "id": str(uuid.UUID(int=7)), "init_peer_id": KeyPair.from_seed(bytes(32)).peer_id,
         "timestamp_ms": 1, "ttl_ms": 1, "script": "(null)", "signature": bytes(64), "data": b""}
_FIELD_VALUES = {  # each field: the good value, or one of its ways to be wrong (or right)
    "version": st.sampled_from([2, 0, True, "1", None]),
    "id": st.sampled_from([str(uuid.UUID(int=7)).upper(), "x" * 36, 5, ""]),
    "init_peer_id": st.sampled_from(["12D3KooW", "", 3, b"12D3"]),
    "timestamp_ms": st.sampled_from([0, 2**64 - 1, 2**64, -1, 1.5, True]),
    "ttl_ms": st.sampled_from([0, 2**32 - 1, 2**32, -5, "9"]),
    "script": st.text(max_size=8) | st.sampled_from(["é" * 4, "\ud800", "x" * (const.MAX_SCRIPT_BYTES + 1)]),
    "signature": st.sampled_from([bytes(63), bytearray(64), "s" * 64]),
    "data": st.sampled_from([b"\x00", bytearray(1), "d", None]),
}


@given(st.fixed_dictionaries({k: st.just(_GOOD[k]) | v for k, v in _FIELD_VALUES.items()}))
def test_the_quick_field_check_passes_only_what_the_field_by_field_one_passes(values: dict) -> None:
    p = object.__new__(Particle)  # unchecked, as the checks see it
    for name, value in values.items():
        object.__setattr__(p, name, value)
    one_by_one = particle._header_problem(p) or particle._times_problem(p) or particle._payload_problem(p)
    if particle._fields_fine(p):
        assert one_by_one is None
    assert particle._field_problem(p) == one_by_one
    if all(type(v) is type(_GOOD[k]) and v == _GOOD[k] for k, v in values.items()):
        assert particle._fields_fine(p)

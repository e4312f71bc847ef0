"""Access rules and fleet membership certificates (edge_agent/access.py): pure, no I/O."""

from __future__ import annotations

import uuid

import cbor2
import pytest

from edge_agent import const, particle, seals
from edge_agent.access import (
    DEFAULT_ACCESS,
    MEMBERSHIP_DOMAIN,
    AccessKind,
    AccessRule,
    BadMembership,
    Membership,
    decode_memberships,
    encode_memberships,
    membership_message,
    valid_membership,
)
from edge_agent.identity import KeyPair, verify
from edge_agent.net import proof

LAPTOP = KeyPair.from_seed(b"\x01" * 32)
OTHER = KeyPair.from_seed(b"\x02" * 32)
KITCHEN = KeyPair.from_seed(b"\x03" * 32).peer_id
GARAGE = KeyPair.from_seed(b"\x04" * 32).peer_id
NOW = 1_800_000_000_000


# --- access rules -------------------------------------------------------------------------------


def test_rules_parse_from_words_lists_and_comma_separated_ids() -> None:
    assert AccessRule.parse("public") == AccessRule(AccessKind.PUBLIC)
    assert AccessRule.parse(" trusted ") == DEFAULT_ACCESS == AccessRule(AccessKind.TRUSTED)
    listed = AccessRule(AccessKind.PEERS, frozenset({KITCHEN, GARAGE}))
    assert AccessRule.parse(f"{KITCHEN}, {GARAGE}") == listed
    assert AccessRule.parse([GARAGE, KITCHEN, KITCHEN]) == listed
    assert listed.text == ",".join(sorted([KITCHEN, GARAGE]))
    assert AccessRule.parse(listed.text) == listed  # the text round-trips
    assert DEFAULT_ACCESS.text == "trusted"


@pytest.mark.parametrize(
    "value",
    ["", "everyone", "Public", f"{KITCHEN},", [], [KITCHEN, 42], None, 7, {"peers": [KITCHEN]},
     [KITCHEN] * (const.ACCESS_MAX_PEERS + 1)],
)
def test_anything_else_is_refused_with_what_a_rule_looks_like(value: object) -> None:
    with pytest.raises(ValueError, match='access must be "public", "trusted" or 1-64 peer ids'):
        AccessRule.parse(value)


def test_a_rule_lists_peers_exactly_when_it_is_a_list() -> None:
    with pytest.raises(ValueError):
        AccessRule(AccessKind.PEERS)
    with pytest.raises(ValueError):
        AccessRule(AccessKind.PUBLIC, frozenset({KITCHEN}))


# --- membership certificates --------------------------------------------------------------------


def test_a_certificate_is_signed_by_its_enroller_and_round_trips() -> None:
    cert = Membership.issue(LAPTOP, KITCHEN, NOW)
    assert (cert.member, cert.by, cert.expires_ms) == (KITCHEN, LAPTOP.peer_id, NOW)
    assert cert.verifies(verify)
    assert Membership.from_json(cert.to_json()) == cert
    assert decode_memberships(encode_memberships([cert, cert])) == [cert, cert]
    # Every field is covered by the signature.
    for changed in ({"member": GARAGE}, {"expires_ms": NOW + 1}, {"by": OTHER.peer_id}):
        assert not Membership.from_json({**cert.to_json(), **changed}).verifies(verify)


def test_the_signed_bytes_cannot_pass_for_a_particle_a_seal_or_an_address_proof() -> None:
    message = membership_message(KITCHEN, LAPTOP.peer_id, NOW)
    assert message.startswith(MEMBERSHIP_DOMAIN)
    assert not 0xA0 <= message[0] <= 0xBF  # a particle's signing bytes are one CBOR map
    p = particle.Particle.create(LAPTOP, "(null)", ttl_ms=1000, timestamp_ms=NOW, id=str(uuid.uuid4()))
    assert 0xA0 <= p.signing_bytes()[0] <= 0xBF
    for other in (seals.SEAL_DOMAIN, proof.PROOF_CONTEXT):
        assert not message.startswith(other) and not other.startswith(MEMBERSHIP_DOMAIN)
        common = next(i for i, (a, b) in enumerate(zip(message, other, strict=False)) if a != b)
        assert b"\x00" not in other[:common]  # they differ before either prefix ends


@pytest.mark.parametrize(
    ("obj", "match"),
    [
        ([], "a map of member, by, expires_ms and sig"),
        ({"member": KITCHEN}, "a map of member"),
        ({"member": KITCHEN, "by": KITCHEN, "expires_ms": 0, "sig": "00" * 64}, "positive integer"),
        ({"member": KITCHEN, "by": KITCHEN, "expires_ms": True, "sig": "00" * 64}, "positive integer"),
        ({"member": KITCHEN, "by": KITCHEN, "expires_ms": 1, "sig": "00" * 63}, "128 hex digits"),
        ({"member": KITCHEN, "by": KITCHEN, "expires_ms": 1, "sig": "zz" * 64}, "certificate"),
        ({"member": "nobody", "by": KITCHEN, "expires_ms": 1, "sig": "00" * 64}, "certificate"),
        ({"member": KITCHEN, "by": KITCHEN, "expires_ms": 1, "sig": "00" * 64, "x": 1}, "a map"),
    ],
)
def test_a_malformed_certificate_says_what_is_wrong(obj: object, match: str) -> None:
    with pytest.raises(BadMembership, match=match):
        Membership.from_json(obj)


@pytest.mark.parametrize(
    ("payload", "match"),
    [
        (b"\xff", "not CBOR"),
        (cbor2.dumps({"member": KITCHEN}), "not a list"),
        (cbor2.dumps([1] * (const.MEMBERSHIP_MAX_CERTIFICATES + 1)), "at most 4"),
        (b"\x80" * (const.MEMBERSHIP_MAX_ANSWER_BYTES + 1), "at most 2048"),
        (cbor2.dumps([{"member": KITCHEN}]), "a map of member"),
    ],
)
def test_an_answer_is_bounded_before_it_is_decoded(payload: bytes, match: str) -> None:
    with pytest.raises(BadMembership, match=match):
        decode_memberships(payload)


def test_a_valid_membership_names_the_caller_is_unexpired_and_signed_by_a_trusted_peer() -> None:
    good = Membership.issue(LAPTOP, KITCHEN, NOW + 1)
    trusted = {LAPTOP.peer_id}.__contains__
    assert valid_membership([good], KITCHEN, trusted, NOW, verify) == good
    assert valid_membership([good], GARAGE, trusted, NOW, verify) is None  # someone else's
    assert valid_membership([good], KITCHEN, trusted, NOW + 1, verify) is None  # expired
    assert valid_membership([good], KITCHEN, {OTHER.peer_id}.__contains__, NOW, verify) is None
    foreign = Membership.issue(OTHER, KITCHEN, NOW + 1)
    forged = Membership(KITCHEN, LAPTOP.peer_id, NOW + 1, foreign.signature)
    assert valid_membership([foreign, forged], KITCHEN, trusted, NOW, verify) is None
    assert valid_membership([foreign, forged, good], KITCHEN, trusted, NOW, verify) == good

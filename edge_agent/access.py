"""Who may call what: a service's access rule, and the fleet membership certificate (pure).

Every deployed service has an access rule, set at deploy:

- ``public``: any peer may call it;
- ``trusted`` (the default): the peers in this device's trust list, and the devices those
  peers enrolled in their fleet (below);
- a list of peer ids: exactly those peers.

The device itself is always admitted. The caller is a particle's init peer, which the
particle's signature proves.

A *membership certificate* says "device M belongs to the fleet of peer B until time T": B's
Ed25519 signature over

    MEMBERSHIP_DOMAIN || len member || member || len by || by || expires_ms (8 bytes, big end.)

(each length 2 bytes, big endian). A trusted laptop B signs one for a device M and stores it
on M (`srv.enroll`); M shows it to other devices (`GET /membership`), and a device that
trusts B admits M to its ``trusted`` services until T. A certificate names its member, so it
is no secret: whoever shows it, it admits only particles that M signed. The domain prefix
starts with 0x65 (a CBOR text head), so it can never pass for a particle's signing bytes (a
CBOR map), and it differs from the seals' (``edge-agent/seal/v3``) and the address proofs'
(``edge-agent address proof v1``) prefixes before their first NUL.

This module does no I/O: the store keeps a device's own certificates, and
`edge_agent.services.fleet` fetches and caches other devices'.
"""

from __future__ import annotations

import enum
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import cbor2

from edge_agent import const
from edge_agent.cborutil import CBORError, loads_one
from edge_agent.errors import RemoteError
from edge_agent.identity import SIGNATURE_BYTES, InvalidPeerId, KeyPair, validate_peer_id

__all__ = [
    "DEFAULT_ACCESS",
    "MEMBERSHIP_DOMAIN",
    "AccessKind",
    "AccessRule",
    "BadMembership",
    "Membership",
    "decode_memberships",
    "encode_memberships",
    "membership_message",
    "valid_membership",
]

MEMBERSHIP_DOMAIN = b"edge-agent/membership/v1\x00"

Verify = Callable[[str, bytes, bytes], bool]
"""verify(peer_id, message, signature) -> whether `peer_id`'s key signed `message`."""


class AccessKind(enum.Enum):
    PUBLIC = "public"
    TRUSTED = "trusted"
    PEERS = "peers"


@dataclass(frozen=True, slots=True)
class AccessRule:
    """Who may call one service: anyone, the trusted peers and their fleet, or listed peers."""

    kind: AccessKind
    peers: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if (self.kind is AccessKind.PEERS) != bool(self.peers):
            raise ValueError("an access rule lists peers exactly when its kind is PEERS")

    @classmethod
    def parse(cls, value: Any) -> AccessRule:
        """A rule from ``"public"``, ``"trusted"``, ``"ID,ID,..."`` or a list of peer ids;
        `ValueError` says what a rule looks like."""
        if isinstance(value, str):
            word = value.strip()
            if word in (AccessKind.PUBLIC.value, AccessKind.TRUSTED.value):
                return cls(AccessKind(word))
            items: list[Any] = [p.strip() for p in word.split(",")] if word else []
        elif isinstance(value, list | tuple):
            items = list(value)
        else:
            raise ValueError(_USAGE)
        if not items or len(items) > const.ACCESS_MAX_PEERS:
            raise ValueError(_USAGE)
        for item in items:
            if not isinstance(item, str):
                raise ValueError(_USAGE)
            try:
                validate_peer_id(item)
            except InvalidPeerId as exc:
                raise ValueError(f"{_USAGE}: {exc}") from None
        return cls(AccessKind.PEERS, frozenset(items))

    @property
    def text(self) -> str:
        """The rule as `--access` and services.json spell it (peer ids sorted)."""
        if self.kind is AccessKind.PEERS:
            return ",".join(sorted(self.peers))
        return self.kind.value


_USAGE = (
    f'access must be "public", "trusted" or 1-{const.ACCESS_MAX_PEERS} peer ids '
    '(12D3KooW..., comma-separated or a list)'
)

DEFAULT_ACCESS = AccessRule(AccessKind.TRUSTED)


class BadMembership(RemoteError):
    """A membership certificate that is malformed (not one that fails to verify)."""


def membership_message(member: str, by: str, expires_ms: int) -> bytes:
    """The bytes `by` signs to enroll `member` in its fleet until `expires_ms`."""
    parts = (member.encode(), by.encode())
    return (
        MEMBERSHIP_DOMAIN
        + b"".join(struct.pack(">H", len(p)) + p for p in parts)
        + struct.pack(">Q", expires_ms)
    )


@dataclass(frozen=True, slots=True)
class Membership:
    """A certificate: `by` enrolled `member` in its fleet until `expires_ms` (ms since the epoch)."""

    member: str
    by: str
    expires_ms: int
    signature: bytes

    @classmethod
    def issue(cls, keypair: KeyPair, member: str, expires_ms: int) -> Membership:
        """`keypair`'s certificate for `member` (`ValueError` for a bad peer id or time)."""
        validate_peer_id(member)
        if type(expires_ms) is not int or not 0 < expires_ms < 2**63:
            raise ValueError("expires_ms is a positive integer (ms since the epoch)")
        message = membership_message(member, keypair.peer_id, expires_ms)
        return cls(member, keypair.peer_id, expires_ms, keypair.sign(message))

    def verifies(self, verify: Verify) -> bool:
        """Whether the signature is `by`'s over this certificate."""
        return verify(self.by, membership_message(self.member, self.by, self.expires_ms), self.signature)

    def to_json(self) -> dict[str, Any]:
        """The JSON-like form (srv.enroll's argument, the state dir, GET /membership)."""
        return {
            "member": self.member,
            "by": self.by,
            "expires_ms": self.expires_ms,
            "sig": self.signature.hex(),
        }

    @classmethod
    def from_json(cls, obj: Any) -> Membership:
        """A certificate from `to_json`'s form; `BadMembership` says what is wrong (it does
        not check the signature or the time: `valid_membership` does)."""
        if not isinstance(obj, dict) or set(obj) != {"member", "by", "expires_ms", "sig"}:
            raise BadMembership("a membership certificate is a map of member, by, expires_ms and sig")
        member, by, expires, sig = obj["member"], obj["by"], obj["expires_ms"], obj["sig"]
        if type(expires) is not int or not 0 < expires < 2**63:
            raise BadMembership("expires_ms is a positive integer (ms since the epoch)")
        if not isinstance(sig, str) or len(sig) != 2 * SIGNATURE_BYTES:
            raise BadMembership(f"sig is {2 * SIGNATURE_BYTES} hex digits")
        try:
            signature = bytes.fromhex(sig)
            validate_peer_id(member)
            validate_peer_id(by)
        except (ValueError, InvalidPeerId) as exc:
            raise BadMembership(f"a membership certificate: {exc}") from None
        return cls(member, by, expires, signature)


def valid_membership(
    certificates: Iterable[Membership],
    member: str,
    trusted: Callable[[str], bool],
    now_ms: int,
    verify: Verify,
) -> Membership | None:
    """The first certificate that enrolls `member` until after `now_ms`, signed by a peer
    `trusted` admits; None if there is none. Signatures are checked last (the dear part)."""
    for cert in certificates:
        if cert.member == member and cert.expires_ms > now_ms and trusted(cert.by) and cert.verifies(verify):
            return cert
    return None


def encode_memberships(certificates: Iterable[Membership]) -> bytes:
    """The answer to GET /membership: a CBOR array of certificates in their JSON-like form."""
    return cbor2.dumps([c.to_json() for c in certificates])


def decode_memberships(payload: bytes) -> list[Membership]:
    """The certificates in an answer to GET /membership (at most
    `const.MEMBERSHIP_MAX_CERTIFICATES`); `BadMembership` if it is not one (bounded first)."""
    if len(payload) > const.MEMBERSHIP_MAX_ANSWER_BYTES:
        raise BadMembership(
            f"a {len(payload)}-byte answer; one is at most {const.MEMBERSHIP_MAX_ANSWER_BYTES}"
        )
    try:
        items = loads_one(payload)
    except CBORError as exc:
        raise BadMembership(f"the answer is not CBOR: {exc}") from None
    if not isinstance(items, list) or len(items) > const.MEMBERSHIP_MAX_CERTIFICATES:
        raise BadMembership(
            f"the answer is not a list of at most {const.MEMBERSHIP_MAX_CERTIFICATES} certificates"
        )
    return [Membership.from_json(item) for item in items]

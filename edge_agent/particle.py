"""The particle envelope: model, CBOR codec, init-peer signature and freshness (pure).

A particle carries an AIR script between peers (design.md §3). This module turns bytes from
the network into a `Particle` or a `ParticleError` that says why not -- for any byte string,
never another exception -- and back. It does no I/O, reads no clock (callers pass ``now_ms``)
and treats ``data`` (the AIR data log) as opaque bytes: `edge_agent.air` encodes it.

Wire format, version 1: one CBOR map (RFC 8949) with small unsigned integer keys::

    0  version        uint   always 1; any other value is rejected before the rest is read
    1  id             text   a UUID in canonical form (36 chars, lower-case hex, hyphens)
    2  init_peer_id   text   Ed25519 libp2p peer id of the peer that started it ("12D3KooW...")
    3  timestamp_ms   uint   when the init peer started it, ms since the Unix epoch (< 2**64)
    4  ttl_ms         uint   lifetime after timestamp_ms, ms (1 .. the receiver's max ttl)
    5  script         text   the AIR script, UTF-8, at most const.MAX_SCRIPT_BYTES bytes
    6  signature      bytes  64-byte Ed25519 signature by init_peer_id (below)
    7  data           bytes  the AIR data, opaque here

All eight keys are required and no other key is allowed: an unsigned extension field would be
a place to tamper. Only definite lengths, no tags, no nested arrays or maps, no duplicate keys
and no bytes after the map are accepted. `encode` writes the keys in ascending order with
shortest-form heads (RFC 8949 §4.2.1, core deterministic encoding), so encoding is
byte-for-byte reproducible.

Signature: the init peer signs the deterministic CBOR encoding of the map of keys 0-5 (all but
signature and data) -- `signing_bytes`. So the script, the id, the times and the format version
cannot be changed on the way, while every peer may grow the data. Whoever reuses a key pair
to sign other messages must make them distinguishable from such a map (e.g. a prefix).

Checks on receipt, cheapest first: `decode` (size, then shape, then fields), then
`check_fresh` (needs the clock), then `Particle.verify` (one Ed25519 verification).
"""

from __future__ import annotations

import enum
import functools
import re
import time
import uuid
from dataclasses import dataclass, fields
from typing import Any, ClassVar

import cbor2

from edge_agent import cborutil, const, identity
from edge_agent.errors import LocalError, RemoteError

__all__ = [
    "FORMAT_VERSION",
    "BadSignature",
    "DropReason",
    "Expired",
    "FromTheFuture",
    "InvalidParticle",
    "Malformed",
    "Particle",
    "ParticleError",
    "TooLarge",
    "UnsupportedVersion",
    "check_fresh",
    "decode",
    "encode",
    "is_signed",
    "signing_bytes",
    "verify_signature",
]

FORMAT_VERSION = 1
"""The envelope format this module reads and writes (key 0)."""

K_VERSION, K_ID, K_INIT_PEER_ID, K_TIMESTAMP, K_TTL, K_SCRIPT, K_SIGNATURE, K_DATA = range(8)
_FIELD_NAMES = {
    K_VERSION: "version",
    K_ID: "id",
    K_INIT_PEER_ID: "init_peer_id",
    K_TIMESTAMP: "timestamp_ms",
    K_TTL: "ttl_ms",
    K_SCRIPT: "script",
    K_SIGNATURE: "signature",
    K_DATA: "data",
}
_U64_LIMIT = 1 << 64
_U32_LIMIT = 1 << 32
_UUID_CHARS = 36


class DropReason(enum.StrEnum):
    """Why a peer dropped a particle. The values are stable counter and log names."""

    TOO_LARGE = "too_large"
    """The encoded particle, or its script, is over the limit."""
    MALFORMED = "malformed"
    """Not a well-formed version-1 envelope: bad CBOR, missing/extra/mistyped field."""
    UNSUPPORTED_VERSION = "unsupported_version"
    """Envelope format version other than `FORMAT_VERSION`."""
    BAD_SIGNATURE = "bad_signature"
    """The init peer's signature does not match (forged or tampered)."""
    EXPIRED = "expired"
    """timestamp + ttl (+ clock skew allowance) is in the past."""
    FROM_THE_FUTURE = "from_the_future"
    """The timestamp is further ahead than the clock skew allowance."""


class ParticleError(RemoteError):
    """A particle from the network is dropped; `reason` names the counter to increment."""

    reason: ClassVar[DropReason] = DropReason.MALFORMED


class TooLarge(ParticleError):
    reason = DropReason.TOO_LARGE


class Malformed(ParticleError):
    reason = DropReason.MALFORMED


class UnsupportedVersion(ParticleError):
    reason = DropReason.UNSUPPORTED_VERSION


class BadSignature(ParticleError):
    reason = DropReason.BAD_SIGNATURE


class Expired(ParticleError):
    reason = DropReason.EXPIRED


class FromTheFuture(ParticleError):
    reason = DropReason.FROM_THE_FUTURE


_ERROR_FOR_REASON: dict[DropReason, type[ParticleError]] = {
    DropReason.TOO_LARGE: TooLarge,
    DropReason.MALFORMED: Malformed,
    DropReason.UNSUPPORTED_VERSION: UnsupportedVersion,
}


class InvalidParticle(LocalError, ValueError):
    """A `Particle` was built locally with a bad field (our bug or a person's input).

    `decode` turns the same problems in received bytes into `ParticleError`s instead.
    """

    def __init__(self, message: str, reason: DropReason = DropReason.MALFORMED) -> None:
        super().__init__(message)
        self.reason = reason


def signing_bytes(
    *, version: int, id: str, init_peer_id: str, timestamp_ms: int, ttl_ms: int, script: str
) -> bytes:
    """The exact bytes the init peer signs: deterministic CBOR of the map of keys 0-5."""
    return cborutil.dumps(
        {
            K_VERSION: version,
            K_ID: id,
            K_INIT_PEER_ID: init_peer_id,
            K_TIMESTAMP: timestamp_ms,
            K_TTL: ttl_ms,
            K_SCRIPT: script,
        },
        # The keys go in ascending order and the values are ints and strings, so cbor2's
        # default output is already deterministic (canonical=True would only sort again).
    )


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class Particle:
    """A signed particle; every field is checked on construction (`InvalidParticle`).

    Build new ones with `Particle.create`, read received ones with `decode`; a peer that
    grows the data makes a copy with `with_data`, which keeps the signature valid.
    """

    id: str
    init_peer_id: str
    timestamp_ms: int
    ttl_ms: int
    script: str
    signature: bytes
    data: bytes = b""
    version: int = FORMAT_VERSION

    def __post_init__(self) -> None:
        _check_fields(self)

    @classmethod
    def create(
        cls,
        keypair: identity.KeyPair,
        script: str,
        data: bytes = b"",
        *,
        ttl_ms: int = const.DEFAULT_PARTICLE_TTL_MS,
        timestamp_ms: int | None = None,
        id: str | None = None,
    ) -> Particle:
        """A new particle started and signed by `keypair`.

        `timestamp_ms` defaults to the wall clock and `id` to a random UUID (v4); pass both
        for reproducible particles. Bad arguments raise `InvalidParticle`.
        """
        if timestamp_ms is None:
            timestamp_ms = time.time_ns() // 1_000_000
        if id is None:
            id = str(uuid.uuid4())
        if isinstance(data, bytearray | memoryview):
            data = bytes(data)
        # Built unsigned first, so that bad arguments are reported as such (InvalidParticle)
        # and not as whatever signing_bytes would make of them.
        unsigned = cls(
            id=id,
            init_peer_id=keypair.peer_id,
            timestamp_ms=timestamp_ms,
            ttl_ms=ttl_ms,
            script=script,
            signature=bytes(identity.SIGNATURE_BYTES),
            data=data,
        )
        return unsigned._copy(signature=keypair.sign(unsigned.signing_bytes()))

    @property
    def deadline_ms(self) -> int:
        """When the particle expires on a clock in step with the init peer's, ms."""
        return self.timestamp_ms + self.ttl_ms

    def signing_bytes(self) -> bytes:
        """What the init peer signed (see the module docstring)."""
        return signing_bytes(
            version=self.version,
            id=self.id,
            init_peer_id=self.init_peer_id,
            timestamp_ms=self.timestamp_ms,
            ttl_ms=self.ttl_ms,
            script=self.script,
        )

    def verify(self) -> None:
        """Check the init peer's signature; `BadSignature` if it does not match."""
        if not _verify(self.init_peer_id, self.signing_bytes(), self.signature):
            raise BadSignature(
                f"particle {self.id}: signature does not match init peer {self.init_peer_id} "
                f"(forged, or the script/id/timestamp/ttl was changed on the way)"
            )

    def with_data(self, data: bytes) -> Particle:
        """A copy with new data; the signature stays valid since data is not signed."""
        if not isinstance(data, bytes | bytearray | memoryview):
            raise InvalidParticle(f"data must be bytes, got {_kind(data)}")
        return self._copy(data=bytes(data))

    def _copy(self, **changes: Any) -> Particle:
        """A copy with `changes`, which the caller has checked: the other fields were
        checked when `self` was made, and are not checked again (a peer makes a copy for
        every next peer)."""
        copy = object.__new__(Particle)
        for name in _FIELDS:
            object.__setattr__(copy, name, changes[name] if name in changes else getattr(self, name))
        return copy

    def encode(self) -> bytes:
        """The wire form; same as `encode(self)`."""
        return encode(self)

    def __repr__(self) -> str:
        # Scripts and data can be a megabyte: a repr that lands in a log line shows sizes.
        return (
            f"Particle(id={self.id!r}, init_peer_id={self.init_peer_id!r}, "
            f"timestamp_ms={self.timestamp_ms}, ttl_ms={self.ttl_ms}, "
            f"script=<{len(self.script)} chars>, data=<{len(self.data)} bytes>)"
        )


def _field_problem(p: Particle) -> tuple[DropReason, str] | None:
    """The first problem with a particle's fields, or None. Field by field, in envelope
    order; for each, its type first, then its range."""
    if _fields_fine(p):
        return None
    return _header_problem(p) or _times_problem(p) or _payload_problem(p)


def _fields_fine(p: Particle) -> bool:
    """The checks below at once, for the usual particle (ASCII script); False: they say what."""
    script, stamp, ttl, pid = p.script, p.timestamp_ms, p.ttl_ms, p.id
    if not (type(p.version) is int and p.version == FORMAT_VERSION and type(p.init_peer_id) is str
            and type(pid) is str and len(pid) == _UUID_CHARS and _is_canonical_uuid(pid)
            and type(stamp) is int and 0 <= stamp < _U64_LIMIT and type(ttl) is int and 0 < ttl < _U32_LIMIT
            and type(script) is str and script.isascii() and len(script) <= const.MAX_SCRIPT_BYTES
            and type(p.signature) is bytes and len(p.signature) == identity.SIGNATURE_BYTES
            and type(p.data) is bytes):
        return False
    try:
        return _public_key(p.init_peer_id) is not None
    except identity.InvalidPeerId:
        return False


def _header_problem(p: Particle) -> tuple[DropReason, str] | None:
    """Version, id and init peer id."""
    if type(p.version) is not int:
        return DropReason.MALFORMED, f"version must be an unsigned integer, got {_kind(p.version)}"
    if p.version != FORMAT_VERSION:
        return (
            DropReason.UNSUPPORTED_VERSION,
            f"envelope version {p.version} is not supported (this peer speaks {FORMAT_VERSION})",
        )
    if type(p.id) is not str:
        return DropReason.MALFORMED, f"id must be a text UUID, got {_kind(p.id)}"
    if len(p.id) != _UUID_CHARS or not _is_canonical_uuid(p.id):
        return DropReason.MALFORMED, f"id {_clip(p.id)!r} is not a UUID in canonical form"
    if type(p.init_peer_id) is not str:
        return DropReason.MALFORMED, f"init_peer_id must be text, got {_kind(p.init_peer_id)}"
    try:
        _check_peer_id(p.init_peer_id)
    except identity.InvalidPeerId as exc:
        return DropReason.MALFORMED, f"init_peer_id: {exc}"
    return None


def _times_problem(p: Particle) -> tuple[DropReason, str] | None:
    """Timestamp and time to live."""
    for name, value, limit in (
        ("timestamp_ms", p.timestamp_ms, _U64_LIMIT),
        ("ttl_ms", p.ttl_ms, _U32_LIMIT),
    ):
        if type(value) is not int:
            return DropReason.MALFORMED, f"{name} must be an unsigned integer, got {_kind(value)}"
        if not 0 <= value < limit:
            return DropReason.MALFORMED, f"{name} {value} is out of range 0..{limit - 1}"
    if p.ttl_ms == 0:
        return DropReason.MALFORMED, "ttl_ms is 0: the particle would be expired at birth"
    return None


def _payload_problem(p: Particle) -> tuple[DropReason, str] | None:
    """Script, signature and data."""
    if type(p.script) is not str:
        return DropReason.MALFORMED, f"script must be text, got {_kind(p.script)}"
    try:
        script_bytes = len(p.script.encode("utf-8"))
    except UnicodeEncodeError:
        return DropReason.MALFORMED, "script is not valid Unicode (it has a lone surrogate)"
    if script_bytes > const.MAX_SCRIPT_BYTES:
        return (
            DropReason.TOO_LARGE,
            f"script is {script_bytes} bytes, over the limit of {const.MAX_SCRIPT_BYTES}",
        )
    if type(p.signature) is not bytes:
        return DropReason.MALFORMED, f"signature must be bytes, got {_kind(p.signature)}"
    if len(p.signature) != identity.SIGNATURE_BYTES:
        return (
            DropReason.MALFORMED,
            f"signature is {len(p.signature)} bytes; an Ed25519 signature has 64",
        )
    if type(p.data) is not bytes:
        return DropReason.MALFORMED, f"data must be bytes, got {_kind(p.data)}"
    return None


_FIELDS = tuple(f.name for f in fields(Particle))


@functools.lru_cache(maxsize=const.PEER_ID_CACHE_SIZE)
def _public_key(peer_id: str) -> bytes:
    """The key inside a valid peer id (`InvalidPeerId` if it is not one), remembered for the
    ids seen last: few peers start particles, and base58 decoding is most of the cost of
    decoding one."""
    return identity.parse_peer_id(peer_id)


def _check_peer_id(peer_id: str) -> None:
    _public_key(peer_id)


def _verify(peer_id: str, message: bytes, signature: bytes) -> bool:
    """`identity.verify`, with the public key from `_public_key`."""
    return identity.verify_with_key(_public_key(peer_id), message, signature)


def verify_signature(peer_id: str, message: bytes, signature: bytes) -> bool:
    """Whether `peer_id`'s key signed `message`; False (not an error) for a malformed id,
    since the id comes from the network."""
    try:
        return _verify(peer_id, message, signature)
    except identity.InvalidPeerId:
        return False


def is_signed(p: Particle) -> bool:
    """Whether the init peer's signature matches (`Particle.verify` without the exception)."""
    return _verify(p.init_peer_id, p.signing_bytes(), p.signature)


def _check_fields(p: Particle) -> None:
    problem = _field_problem(p)
    if problem is not None:
        raise InvalidParticle(problem[1], problem[0])


_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _is_canonical_uuid(text: str) -> bool:
    """Whether `text` is what ``str(uuid.UUID(text))`` gives back: lower-case hex, hyphens
    in the 8-4-4-4-12 places (checked on every decode, so a regex, not a UUID object)."""
    return _CANONICAL_UUID.fullmatch(text) is not None


def _kind(value: object) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a float",
        str: "text",
        bytes: "bytes",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


# --- encoding ----------------------------------------------------------------------------


def encode(particle: Particle) -> bytes:
    """The particle as deterministic CBOR (the layout in the module docstring)."""
    return cborutil.dumps(
        {
            K_VERSION: particle.version,
            K_ID: particle.id,
            K_INIT_PEER_ID: particle.init_peer_id,
            K_TIMESTAMP: particle.timestamp_ms,
            K_TTL: particle.ttl_ms,
            K_SCRIPT: particle.script,
            K_SIGNATURE: particle.signature,
            K_DATA: particle.data,
        },
        # Ascending keys, no floats: deterministic as written (see signing_bytes).
    )


# --- decoding ----------------------------------------------------------------------------


def decode(
    raw: bytes, *, max_bytes: int, max_ttl_ms: int = const.MAX_PARTICLE_TTL_MS
) -> Particle:
    """A particle from untrusted bytes, or a `ParticleError` saying why not.

    The size is checked before anything else, then the CBOR structure by a small scanner
    (so cbor2 never sees deep nesting, tags, or lengths beyond the input), then cbor2
    decodes, then every field is checked. The signature is *not* checked: call `verify`
    after `check_fresh`. Only a non-bytes argument (our bug) raises something else.
    """
    if isinstance(raw, memoryview):
        size = raw.nbytes
    elif isinstance(raw, bytes | bytearray):
        size = len(raw)
    else:
        raise TypeError(f"decode() takes bytes, got {type(raw).__name__}")
    if size > max_bytes:
        raise TooLarge(f"particle is {size} bytes, over the limit of {max_bytes}")
    raw = bytes(raw)
    _scan(raw)
    try:
        fields = cbor2.loads(raw)
    except Exception as exc:  # cbor2 5.x and 6.x raise various types; none may escape
        raise Malformed(f"not valid CBOR: {_clip(str(exc), 120)}") from None
    if not isinstance(fields, dict):  # pragma: no cover - _scan allows only a map
        raise Malformed("not a CBOR map")
    return _from_fields(fields, max_ttl_ms)


def _from_fields(fields: dict[Any, Any], max_ttl_ms: int) -> Particle:
    version = fields.get(K_VERSION)
    if type(version) is int and version != FORMAT_VERSION:
        # Another version may have other fields: do not complain about them.
        raise UnsupportedVersion(
            f"envelope version {version} is not supported (this peer speaks {FORMAT_VERSION})"
        )
    missing = [_FIELD_NAMES[k] for k in _FIELD_NAMES if k not in fields]
    if missing:
        raise Malformed(f"missing field(s): {', '.join(missing)}")
    try:
        particle = Particle(
            version=fields[K_VERSION],
            id=fields[K_ID],
            init_peer_id=fields[K_INIT_PEER_ID],
            timestamp_ms=fields[K_TIMESTAMP],
            ttl_ms=fields[K_TTL],
            script=fields[K_SCRIPT],
            signature=fields[K_SIGNATURE],
            data=fields[K_DATA],
        )
    except InvalidParticle as exc:
        raise _ERROR_FOR_REASON.get(exc.reason, Malformed)(str(exc)) from None
    if particle.ttl_ms > max_ttl_ms:
        raise Malformed(f"ttl_ms {particle.ttl_ms} is over this peer's limit of {max_ttl_ms}")
    return particle


def _scan(raw: bytes) -> None:
    """Reject anything but a flat CBOR map of uint keys to scalars, before cbor2 runs.

    This bounds cbor2's work: at most `const.MAX_PARTICLE_MAP_ENTRIES` items, no nesting
    (cbor2 5.x recurses in C and hits RecursionError), no tags (cbor2 builds regexes,
    decimals, dates, ... from them), and no length larger than the bytes that follow (cbor2
    5.x allocates a declared length up front). Indefinite lengths are refused too: our
    encoder never writes them.
    """
    end = len(raw)
    if end == 0:
        raise Malformed("empty input")
    major, count, pos = _head(raw, 0)
    if major != 5:
        raise Malformed(f"a particle is a CBOR map, got CBOR major type {major}")
    if count > const.MAX_PARTICLE_MAP_ENTRIES:
        raise Malformed(f"map has {count} entries; a particle has {len(_FIELD_NAMES)}")
    seen = 0  # a bit per field
    for _ in range(count):
        if pos < end and raw[pos] < 24:  # a small unsigned integer, as every key is: no call
            key, pos = raw[pos], pos + 1
        else:
            major, key, pos = _head(raw, pos)
            if major != 0:
                raise Malformed(f"map keys are unsigned integers, got CBOR major type {major}")
        if key not in _FIELD_NAMES:
            raise Malformed(f"unknown field {key} (fields are 0-{len(_FIELD_NAMES) - 1})")
        if seen >> key & 1:
            raise Malformed(f"field {key} ({_FIELD_NAMES[key]}) appears twice")
        seen |= 1 << key
        name = _FIELD_NAMES[key]
        major, arg, pos = _head(raw, pos, name)
        if key == K_VERSION and major == 0 and arg != FORMAT_VERSION:
            # Deterministic encoding puts the version first: another version may have other
            # fields, so say "unsupported" rather than complain about them.
            raise UnsupportedVersion(
                f"envelope version {arg} is not supported (this peer speaks {FORMAT_VERSION})"
            )
        if major in (2, 3):  # byte or text string: the payload must be there
            if arg > end - pos:
                raise Malformed(f"{name}: declares {arg} bytes, only {end - pos} follow")
            pos += arg
        elif major in (4, 5):
            raise Malformed(f"{name}: nested arrays and maps are not allowed")
        elif major == 6:
            raise Malformed(f"{name}: CBOR tags are not allowed")
        # majors 0, 1, 7: the head is the whole item
    if pos != end:
        raise Malformed(f"{end - pos} byte(s) after the end of the particle map")


def _head(raw: bytes, pos: int, where: str = "particle") -> tuple[int, int, int]:
    """(major type, argument, position after the head) of the CBOR item at `pos`."""
    if pos >= len(raw):
        raise Malformed(f"{where}: truncated (input ends at byte {pos})")
    initial = raw[pos]
    major, info = initial >> 5, initial & 0x1F
    pos += 1
    if info < 24:
        return major, info, pos
    if info <= 27:
        size = 1 << (info - 24)
        if pos + size > len(raw):
            raise Malformed(f"{where}: truncated (input ends inside an item head)")
        return major, int.from_bytes(raw[pos:pos + size], "big"), pos + size
    if info == 31:
        raise Malformed(f"{where}: indefinite-length items and 'break' are not allowed")
    raise Malformed(f"{where}: reserved CBOR additional information {info}")


# --- freshness ---------------------------------------------------------------------------


def check_fresh(particle: Particle, now_ms: int, skew_ms: int) -> None:
    """Raise `Expired` or `FromTheFuture` unless the particle is alive at `now_ms`.

    Clocks of two peers may differ by up to `skew_ms` either way, so a particle lives from
    `timestamp_ms - skew_ms` until `deadline_ms + skew_ms` (exclusive) on our clock.
    """
    if particle.timestamp_ms > now_ms + skew_ms:
        raise FromTheFuture(
            f"particle {particle.id} is stamped {particle.timestamp_ms - now_ms} ms ahead of "
            f"this peer's clock (allowance {skew_ms} ms): check the clocks (NTP)"
        )
    if now_ms >= particle.deadline_ms + skew_ms:
        raise Expired(
            f"particle {particle.id} expired {now_ms - particle.deadline_ms} ms ago "
            f"(ttl {particle.ttl_ms} ms, allowance {skew_ms} ms)"
        )

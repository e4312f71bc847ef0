"""Ed25519 identities and libp2p peer ids ("12D3KooW..."), so ids match Fluence and libp2p.

A peer id embeds its public key: it is base58btc of the identity multihash of the protobuf
``PublicKey{Type: Ed25519, Data: <32 bytes>}``. So a peer id alone verifies a signature, and
no key directory is needed. This module is pure: it does no file I/O (`edge_agent.store`
keeps the key file), no network, and never puts key material in a repr or a log line.

Ed25519 is libsodium's, through PyNaCl: on the machines we measured it verifies twice as fast
as OpenSSL's (through cryptography) and costs 2 MB resident instead of 9.5 (docs/install.md).
"""

from __future__ import annotations

import base64
import binascii
import os
from typing import Any

from nacl import bindings as sodium
from nacl.exceptions import BadSignatureError

from edge_agent import base58, const
from edge_agent.errors import EdgeAgentError, LocalError

__all__ = [
    "InvalidKey",
    "InvalidPeerId",
    "KeyPair",
    "parse_peer_id",
    "peer_id_from_public_key",
    "validate_peer_id",
    "verify",
    "verify_with_key",
]

SEED_BYTES = 32
"""An Ed25519 private key is a 32-byte seed (RFC 8032 §5.1.5)."""

PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64

# libp2p peer id of an Ed25519 key (libp2p specs, peer-ids/peer-ids.md): identity multihash
# (code 0x00, length 0x24 = 36) of the protobuf PublicKey message: field 1 KeyType = 1
# (Ed25519) -> 0x08 0x01; field 2 bytes of length 32 -> 0x12 0x20.
_MULTIHASH_IDENTITY_PREFIX = b"\x00\x24"
_PROTOBUF_ED25519_PREFIX = b"\x08\x01\x12\x20"
_PEER_ID_PREFIX = _MULTIHASH_IDENTITY_PREFIX + _PROTOBUF_ED25519_PREFIX
_PEER_ID_BYTES = len(_PEER_ID_PREFIX) + PUBLIC_KEY_BYTES
_PKCS8_ED25519_PREFIX = bytes.fromhex("302e020100300506032b657004220420")
"""DER of a PKCS#8 v1 Ed25519 private key up to its 32-byte seed (RFC 8410 §7): the whole
file `to_pem` and ``openssl genpkey -algorithm ed25519`` write, but for the seed."""
_PEM_HEAD, _PEM_FOOT = b"-----BEGIN PRIVATE KEY-----", b"-----END PRIVATE KEY-----"


class InvalidPeerId(EdgeAgentError, ValueError):
    """A string is not an Ed25519 peer id in the libp2p form.

    It sits at the root of the error tree because this module cannot know who wrote the
    string: the particle codec turns it into a `RemoteError`, config into a `ConfigError`.
    """


class InvalidKey(LocalError, ValueError):
    """Private key bytes (from our own key file or a caller) are not a usable Ed25519 key."""


def _b58decode(text: str) -> bytes:
    try:
        return base58.decode(text)
    except base58.BadCharacter as exc:
        raise InvalidPeerId(
            f"peer id {_shorten(text)!r} has {exc.character!r}, which is not a base58btc character"
        ) from None


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def peer_id_from_public_key(public_key: bytes) -> str:
    """The libp2p peer id ("12D3KooW...") of a raw 32-byte Ed25519 public key."""
    if not isinstance(public_key, bytes | bytearray | memoryview) or len(public_key) != 32:
        raise ValueError("an Ed25519 public key is exactly 32 bytes")
    return base58.encode(_PEER_ID_PREFIX + bytes(public_key))


def parse_peer_id(peer_id: str) -> bytes:
    """The 32-byte Ed25519 public key inside `peer_id`; `InvalidPeerId` says why if none.

    The length is bounded before base58 decoding (which is quadratic in the input), and only
    the canonical encoding is accepted, so one key has exactly one peer id string.
    """
    if not isinstance(peer_id, str):
        raise InvalidPeerId(f"a peer id is a string, got {type(peer_id).__name__}")
    if not peer_id:
        raise InvalidPeerId("the peer id is empty")
    if len(peer_id) > const.MAX_PEER_ID_CHARS:
        raise InvalidPeerId(
            f"peer id {_shorten(peer_id)!r} is {len(peer_id)} characters long; "
            f"an Ed25519 peer id has 52 (it starts with 12D3KooW)"
        )
    raw = _b58decode(peer_id)
    if len(raw) != _PEER_ID_BYTES or not raw.startswith(_PEER_ID_PREFIX):
        if raw[:1] == b"\x12":
            kind = "a SHA-256 multihash (an RSA or other long key, e.g. Qm...)"
        elif raw[:2] == b"\x00\x25":
            kind = "a secp256k1 or ECDSA key (e.g. 16Uiu2...)"
        else:
            kind = "not an Ed25519 identity multihash"
        raise InvalidPeerId(
            f"peer id {peer_id!r} is {kind}; only Ed25519 peer ids (12D3KooW...) are supported"
        )
    if base58.encode(raw) != peer_id:  # pragma: no cover - base58 is canonical once the length is
        raise InvalidPeerId(f"peer id {peer_id!r} is not in canonical base58btc form")
    return raw[len(_PEER_ID_PREFIX):]


def validate_peer_id(peer_id: str) -> str:
    """`peer_id` itself if it is a valid Ed25519 peer id, else `InvalidPeerId`."""
    parse_peer_id(peer_id)
    return peer_id


def verify(peer_id: str, message: bytes, signature: bytes) -> bool:
    """Whether `signature` is `peer_id`'s Ed25519 signature of `message`.

    The public key comes from the peer id itself. A malformed peer id raises
    `InvalidPeerId` (so a caller cannot mistake "who?" for "forged"); a signature of the
    wrong length or type is simply not valid.
    """
    return verify_with_key(parse_peer_id(peer_id), message, signature)


def verify_with_key(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Whether `signature` is the Ed25519 signature of `message` by the raw 32-byte
    `public_key`; 32 bytes that are no curve point (or a small-order one) verify nothing."""
    if not isinstance(signature, bytes | bytearray) or len(signature) != SIGNATURE_BYTES:
        return False
    try:
        sodium.crypto_sign_open(bytes(signature) + bytes(message), public_key)
    except BadSignatureError:
        return False
    return True


class KeyPair:
    """An Ed25519 key pair and its peer id. Equal key pairs have equal peer ids.

    The repr shows the peer id only; the private key leaves the object only through
    `private_bytes()` / `to_pem()`, which the store calls to write the key file.
    """

    __slots__ = ("_seed", "_secret", "_public", "_peer_id")

    _seed: bytes
    _secret: bytes  # libsodium's 64-byte signing key: the seed, then the public key
    _public: bytes
    _peer_id: str

    def __init__(self, seed: bytes) -> None:
        """Use `generate`, `from_seed`, `from_private_bytes` or `from_pem`."""
        if type(seed) is not bytes or len(seed) != SEED_BYTES:
            raise InvalidKey("an Ed25519 seed is exactly 32 bytes")
        public, secret = sodium.crypto_sign_seed_keypair(seed)
        object.__setattr__(self, "_seed", seed)
        object.__setattr__(self, "_secret", secret)
        object.__setattr__(self, "_public", public)
        object.__setattr__(self, "_peer_id", peer_id_from_public_key(public))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("KeyPair is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("KeyPair is immutable")

    def __reduce__(self) -> str | tuple[Any, ...]:
        # Pickling would copy the secret into places we do not control (queues, logs, core
        # files of other processes): pass `private_bytes()` explicitly where really needed.
        raise TypeError("KeyPair cannot be pickled; pass private_bytes() explicitly")

    @classmethod
    def generate(cls) -> KeyPair:
        """A new random key pair (its seed from the OS's CSPRNG)."""
        return cls(os.urandom(SEED_BYTES))

    @classmethod
    def from_seed(cls, seed: bytes) -> KeyPair:
        """The key pair of a 32-byte Ed25519 seed (RFC 8032 private key)."""
        if not isinstance(seed, bytes | bytearray | memoryview):
            raise InvalidKey(f"an Ed25519 seed is bytes, got {type(seed).__name__}")
        seed = bytes(seed)
        if len(seed) != SEED_BYTES:
            raise InvalidKey(f"an Ed25519 seed is exactly 32 bytes, got {len(seed)}")
        return cls(seed)

    @classmethod
    def from_private_bytes(cls, data: bytes) -> KeyPair:
        """A key pair from 32 bytes (the seed) or 64 bytes (seed + public key, the
        libsodium / libp2p layout; the public half must match the seed)."""
        if not isinstance(data, bytes | bytearray | memoryview):
            raise InvalidKey(f"private key bytes expected, got {type(data).__name__}")
        data = bytes(data)
        if len(data) == SEED_BYTES:
            return cls.from_seed(data)
        if len(data) == SEED_BYTES + PUBLIC_KEY_BYTES:
            pair = cls.from_seed(data[:SEED_BYTES])
            if pair.public_bytes != data[SEED_BYTES:]:
                raise InvalidKey("the 64-byte private key's public half does not match its seed")
            return pair
        raise InvalidKey(f"an Ed25519 private key is 32 or 64 bytes, got {len(data)}")

    @classmethod
    def from_pem(cls, pem: bytes) -> KeyPair:
        """A key pair from an unencrypted PKCS#8 PEM: what `to_pem` writes, and what
        ``openssl genpkey -algorithm ed25519`` and ``openssl pkey`` make of an Ed25519 key."""
        seed = _pkcs8_seed(pem)
        if seed is None:
            raise InvalidKey(
                "not an unencrypted PKCS#8 PEM Ed25519 private key "
                "(`openssl pkey -in KEY -out key.pem` converts an Ed25519 key to that form)"
            )
        return cls.from_seed(seed)

    def to_pem(self) -> bytes:
        """The private key as unencrypted PKCS#8 PEM, readable by ``openssl pkey``. Secret.

        Byte for byte what OpenSSL and cryptography write (tests/test_identity.py)."""
        der = base64.b64encode(_PKCS8_ED25519_PREFIX + self.private_bytes())
        return _PEM_HEAD + b"\n" + der + b"\n" + _PEM_FOOT + b"\n"

    def private_bytes(self) -> bytes:
        """The 32-byte seed. Secret: write it only to a 0600 file, never to a log."""
        return self._seed

    @property
    def public_bytes(self) -> bytes:
        """The raw 32-byte Ed25519 public key."""
        return self._public

    @property
    def peer_id(self) -> str:
        """The libp2p peer id, "12D3KooW..."."""
        return self._peer_id

    def sign(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature of `message` (deterministic, RFC 8032)."""
        return sodium.crypto_sign(bytes(message), self._secret)[:SIGNATURE_BYTES]

    def agree(self, peer_public_key: bytes) -> bytes | None:
        """The X25519 secret this key shares with the peer whose raw Ed25519 public key is
        given (both converted as libsodium converts them for crypto_box); None if that key is
        no usable point (a small-order one would make the secret guessable). Secret."""
        try:
            theirs = sodium.crypto_sign_ed25519_pk_to_curve25519(bytes(peer_public_key))
            ours = sodium.crypto_sign_ed25519_sk_to_curve25519(self._secret)
            shared = sodium.crypto_scalarmult(ours, theirs)
        except (RuntimeError, ValueError, TypeError):  # libsodium refused the point
            return None
        return None if shared == bytes(len(shared)) else shared

    def __repr__(self) -> str:
        return f"KeyPair(peer_id={self._peer_id!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, KeyPair):
            return NotImplemented
        return self._public == other._public

    def __hash__(self) -> int:
        return hash(self._public)


def _pkcs8_seed(pem: object) -> bytes | None:
    """The seed of a PEM that is exactly a PKCS#8 v1 Ed25519 key; None for anything else."""
    if not isinstance(pem, bytes):
        return None
    text = pem.strip()
    if not (text.startswith(_PEM_HEAD) and text.endswith(_PEM_FOOT)):
        return None
    body = b"".join(text[len(_PEM_HEAD) : -len(_PEM_FOOT)].split())
    try:
        der = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        return None
    prefix = _PKCS8_ED25519_PREFIX
    if len(der) != len(prefix) + SEED_BYTES or not der.startswith(prefix):
        return None
    return der[len(prefix) :]

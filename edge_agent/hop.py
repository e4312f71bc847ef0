"""Hop tags: proof, for a few microseconds, of which peer sent a copy (pure, no I/O).

A copy carries its init peer's signature and its producers' seals, which any peer can check
with Ed25519 -- about 50 µs each on the x86 machine we measured, more on a Pi's slower
cores. Which peer *sent* the copy on is not signed at all. When a copy comes straight
from the peer that signed or sealed it (the laptop's particle to a device; the device's
answer back), that peer can prove it was the sender for much less: both ends already hold
Ed25519 keys, and convert them to X25519 (as libsodium's crypto_box does) to agree on a
secret without exchanging anything. From it, each direction gets its own key

    key(A -> B) = BLAKE2b-256(key = X25519(A, B),
                              "edge-agent/hop/v1" || 0 || A's public key || B's public key)

and A tags the bytes of each copy it sends B with BLAKE2b-128 under key(A -> B) (the
`HOP_TAG_OPTION` CoAP option; `edge_agent.net`). B checks the tag of a copy whose `from=`
hint names A, and if it holds, the copy came from A, byte for byte: A's own signature over
the envelope and A's own seals need no Ed25519 check (`core`). Nothing else changes: a copy
without a tag, or whose tag does not hold, is checked as before.

A tag proves the sender, not freshness: a copy sent again by anyone who saw it is the same
copy, which merging already takes as a duplicate. A tag for B holds for nobody else (each
ordered pair of peers has its own key), so a copy cannot be passed off to a third peer as
A's. Agreeing on a secret costs one X25519 (~80 µs here), done once per peer and kept for
`HOP_MAX_PEERS` peers; a node agrees only with the peers it would trust a proof from
(`edge_agent.node` decides).
"""

from __future__ import annotations

import hashlib
import hmac
from collections import OrderedDict

from edge_agent import const
from edge_agent.identity import InvalidPeerId, KeyPair, parse_peer_id

__all__ = ["HOP_TAG_BYTES", "HopKeys"]

HOP_TAG_BYTES = 16
"""BLAKE2b-128: forging one takes 2^128 tries, each a datagram to the receiver."""

_DOMAIN = b"edge-agent/hop/v1\x00"


class HopKeys:
    """This peer's keys with its recent peers, both directions, in bounded memory."""

    def __init__(self, keypair: KeyPair, max_peers: int = const.HOP_MAX_PEERS) -> None:
        if max_peers < 1:
            raise ValueError(f"max_peers must be positive, got {max_peers}")
        self._keypair = keypair
        self._max_peers = max_peers
        self._keys: OrderedDict[str, tuple[bytes, bytes] | None] = OrderedDict()  # id -> (out, in)

    def __len__(self) -> int:
        return len(self._keys)

    def tag(self, peer_id: str, body: bytes) -> bytes | None:
        """The tag that proves to `peer_id` that we sent `body`; None if no key can be
        agreed with it (not a peer id, or a key that is no usable point)."""
        keys = self._pair(peer_id)
        return None if keys is None else _mac(keys[0], body)

    def sent_by(self, peer_id: str, body: bytes, tag: bytes) -> bool:
        """Whether `tag` proves that `peer_id` sent us `body`."""
        if len(tag) != HOP_TAG_BYTES:
            return False
        keys = self._pair(peer_id)
        return keys is not None and hmac.compare_digest(_mac(keys[1], body), tag)

    def _pair(self, peer_id: str) -> tuple[bytes, bytes] | None:
        if peer_id in self._keys:
            self._keys.move_to_end(peer_id)
            return self._keys[peer_id]
        keys = self._agree(peer_id)
        self._keys[peer_id] = keys
        while len(self._keys) > self._max_peers:
            self._keys.popitem(last=False)
        return keys

    def _agree(self, peer_id: str) -> tuple[bytes, bytes] | None:
        try:
            theirs = parse_peer_id(peer_id)
        except InvalidPeerId:
            return None
        shared = self._keypair.agree(theirs)
        if shared is None:
            return None
        ours = self._keypair.public_bytes
        return _direction(shared, ours, theirs), _direction(shared, theirs, ours)


def _direction(shared: bytes, sender: bytes, receiver: bytes) -> bytes:
    return hashlib.blake2b(_DOMAIN + sender + receiver, key=shared, digest_size=32).digest()


def _mac(key: bytes, body: bytes) -> bytes:
    return hashlib.blake2b(body, key=key, digest_size=HOP_TAG_BYTES).digest()

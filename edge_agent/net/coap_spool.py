"""Bounded reassembly of Block1 uploads (RFC 7959 §2.5): blocks in, one body out (pure).

aiocoap's own Block1 spool keeps every half-finished upload for 93 s with no limit on its
size or on how many there are, so a stranger could fill a small device's memory with
uploads it never finishes. This spool caps the body size, the number of uploads in progress
and the bytes they hold together, and forgets an upload whose sender went quiet. Each upload
has an owner (its source address): one owner may hold at most `max_per_owner` uploads, and
the last `reserved` slots are for priority senders only (the node's trusted and known
peers), so slow strangers cannot take every slot from a known peer; likewise the bytes that
strangers' uploads hold together leave room for one upload of the largest size (and the
budget holds at least two). When the slots a new
upload may take are all held, an upload that went quiet for `stalled_s` gives its slot up
(a sender that gave up mid-way must not hold it for the whole idle timeout). It does no I/O and
knows nothing of aiocoap: `coap_resources` maps its errors to CoAP responses. The clock is
injected, so tests need no sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from edge_agent import const
from edge_agent.errors import RemoteError

__all__ = [
    "BadBlock",
    "Block1Spool",
    "BlockError",
    "Busy",
    "Incomplete",
    "TooLarge",
]

_BERT_SZX = 7
"""Block size exponent 7 is reserved on UDP (RFC 8323 §6 uses it for BERT over TCP)."""


class BlockError(RemoteError):
    """A block was refused; the sender's upload (if any) is forgotten."""


class TooLarge(BlockError):
    """The body (announced by Size1, or reached by the blocks) is over `limit` bytes."""

    def __init__(self, message: str, limit: int) -> None:
        super().__init__(message)
        self.limit = limit


class Incomplete(BlockError):
    """A block that does not continue an upload in progress (RFC 7959 §2.9.2: 4.08)."""


class BadBlock(BlockError):
    """A block whose size or number makes no sense (RFC 7959 §2.2: 4.00)."""


class Busy(BlockError):
    """Too many uploads in progress, or too many bytes held: try again shortly (5.03)."""


@dataclass(slots=True)
class _Upload:
    body: bytearray
    last_seen: float
    owner: Hashable
    priority: bool


class Block1Spool:
    """Reassembles Block1 uploads keyed by sender (and Request-Tag), within fixed bounds.

    `feed` takes one block and returns the whole body once the last block is in, or None
    while more are expected; it raises a `BlockError` for a block it refuses.
    """

    def __init__(
        self,
        *,
        max_bytes: int,
        max_uploads: int = const.COAP_BLOCK1_MAX_ASSEMBLIES,
        budget_bytes: int = const.COAP_BLOCK1_BUDGET_BYTES,
        idle_timeout_s: float = const.COAP_BLOCK1_IDLE_TIMEOUT_S,
        stalled_s: float = const.COAP_BLOCK1_STALLED_S,
        max_per_owner: int = const.COAP_BLOCK1_MAX_PER_SENDER,
        reserved: int = const.COAP_BLOCK1_RESERVED,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_bytes < 1 or max_uploads < 1 or idle_timeout_s <= 0 or max_per_owner < 1:
            raise ValueError(
                "max_bytes, max_uploads, max_per_owner and idle_timeout_s must be positive"
            )
        self.max_bytes = max_bytes
        self.max_uploads = max_uploads
        self.max_per_owner = max_per_owner
        # Strangers always get at least one slot, whatever the reserve says.
        self.reserved = min(max(reserved, 0), max_uploads - 1)
        # Strangers' uploads leave room for a priority sender's largest one: strangers kept
        # open with a block every 24 s had the whole budget, and a trusted laptop got 5.03.
        # One upload of the largest allowed size always fits for either, whatever the budget.
        self.budget_bytes = max(budget_bytes, 2 * max_bytes)
        self.stranger_budget_bytes = self.budget_bytes - max_bytes
        self.idle_timeout_s = idle_timeout_s
        self.stalled_s = stalled_s
        self._clock = clock
        self._uploads: dict[Hashable, _Upload] = {}
        self._owners: dict[Hashable, int] = {}
        self._held = 0
        self._held_by_strangers = 0

    def __len__(self) -> int:
        """Uploads in progress."""
        return len(self._uploads)

    @property
    def bytes_held(self) -> int:
        """Bytes held by the uploads in progress."""
        return self._held

    def feed(
        self,
        key: Hashable,
        *,
        number: int,
        more: bool,
        size_exponent: int,
        payload: bytes,
        size1: int | None = None,
        owner: Hashable = None,
        priority: bool = False,
    ) -> bytes | None:
        """Take block `number` of the upload `key`; the whole body when it is the last one.

        `size1` is the total size the sender announced (RFC 7959 §4), checked at once so an
        oversized upload is refused on its first block. `owner` (the source address) and
        `priority` matter when a block starts an upload: see the module docstring.
        """
        now = self._clock()
        self._expire(now)
        if size_exponent >= _BERT_SZX or size_exponent < 0:
            self._drop(key)
            raise BadBlock(f"block size exponent {size_exponent} is not allowed over UDP")
        size = 1 << (size_exponent + 4)
        start = number * size
        end = start + len(payload)
        if more and len(payload) != size:
            self._drop(key)
            raise BadBlock(
                f"block {number} carries {len(payload)} bytes, but a block that is not the "
                f"last must carry exactly its size ({size})"
            )
        if not more and len(payload) > size:
            self._drop(key)
            raise BadBlock(f"last block {number} carries {len(payload)} bytes, over {size}")
        if size1 is not None and size1 > self.max_bytes:
            self._drop(key)
            raise TooLarge(
                f"announced size {size1} bytes is over the limit of {self.max_bytes}",
                self.max_bytes,
            )
        if end > self.max_bytes:
            self._drop(key)
            raise TooLarge(
                f"upload reaches {end} bytes, over the limit of {self.max_bytes}", self.max_bytes
            )

        if number == 0:
            self._drop(key)  # a new first block restarts the upload (RFC 7959 §2.5)
            if not more:
                return bytes(payload)
            self._make_room(owner, priority, size1)
            self._uploads[key] = _Upload(bytearray(), now, owner, priority)
            self._owners[owner] = self._owners.get(owner, 0) + 1
        upload = self._uploads.get(key)
        if upload is None:
            raise Incomplete(f"block {number} arrived, but no upload is in progress")
        if start != len(upload.body):
            self._drop(key)
            raise Incomplete(
                f"block {number} starts at byte {start}, but {len(upload.body)} bytes have "
                f"arrived so far"
            )
        if self._held + len(payload) > self.budget_bytes:
            self._drop(key)
            raise Busy(f"uploads in progress already hold {self._held} bytes")
        if not upload.priority and self._held_by_strangers + len(payload) > self.stranger_budget_bytes:
            self._drop(key)
            raise Busy(
                f"uploads in progress already hold {self._held_by_strangers} bytes; the rest is "
                f"kept for priority senders"
            )
        upload.body += payload
        upload.last_seen = now
        self._held += len(payload)
        self._held_by_strangers += 0 if upload.priority else len(payload)
        if more:
            return None
        self._drop(key)
        return bytes(upload.body)

    def clear(self) -> None:
        """Forget every upload in progress."""
        self._uploads.clear()
        self._owners.clear()
        self._held = 0
        self._held_by_strangers = 0

    def uploads_of(self, owner: Hashable) -> int:
        """Uploads in progress from `owner`."""
        return self._owners.get(owner, 0)

    def _make_room(self, owner: Hashable, priority: bool, size1: int | None) -> None:
        if len(self._uploads) >= (self.max_uploads if priority else self.max_uploads - self.reserved):
            self._evict_stalled(None)
        if not priority and self._owners.get(owner, 0) >= self.max_per_owner:
            self._evict_stalled(owner)
        if len(self._uploads) >= self.max_uploads:
            raise Busy(f"{len(self._uploads)} uploads are in progress already")
        if not priority and len(self._uploads) >= self.max_uploads - self.reserved:
            raise Busy(
                f"{len(self._uploads)} uploads are in progress; the remaining slots are kept "
                f"for priority senders"
            )
        if not priority and self._owners.get(owner, 0) >= self.max_per_owner:
            raise Busy(f"{self.max_per_owner} uploads from this address are in progress already")
        if size1 is not None and self._held + size1 > self.budget_bytes:
            raise Busy(
                f"uploads in progress hold {self._held} bytes; {size1} more do not fit now"
            )
        if not priority and size1 is not None and (
            self._held_by_strangers + size1 > self.stranger_budget_bytes
        ):
            raise Busy(
                f"uploads in progress hold {self._held_by_strangers} bytes; {size1} more do not "
                f"fit now (the rest is kept for priority senders)"
            )

    def _drop(self, key: Hashable) -> None:
        upload = self._uploads.pop(key, None)
        if upload is not None:
            self._held -= len(upload.body)
            self._held_by_strangers -= 0 if upload.priority else len(upload.body)
            left = self._owners.pop(upload.owner, 1) - 1
            if left:
                self._owners[upload.owner] = left

    def _evict_stalled(self, owner: Hashable | None) -> None:
        """Drop the upload (of `owner`, if given) that went quiet longest, if it is stalled:
        its sender most likely gave up on it mid-way (its time for this address ran out on a
        busy LAN, issue 12), and a new upload waits for the slot."""
        quiet = [(u.last_seen, k) for k, u in self._uploads.items() if owner is None or u.owner == owner]
        if quiet:
            last_seen, key = min(quiet, key=lambda item: item[0])
            if self._clock() - last_seen >= self.stalled_s:
                self._drop(key)

    def _expire(self, now: float) -> None:
        stale = [k for k, u in self._uploads.items() if now - u.last_seen >= self.idle_timeout_s]
        for key in stale:
            self._drop(key)

"""Our GET answers that take more than one block, served from copies kept within bounds
(RFC 7959 §2.4).

An answer larger than a block (/status, /logs) is rendered once, at block 0, and its later
blocks are cut from a copy kept for that requester. aiocoap does the same, but keeps every
copy for MAX_TRANSMIT_WAIT (93 s), one per requesting endpoint and set of options, without a
bound: a stranger sending ``GET /status?x=<n>`` with a new n each time made a device keep
thousands (7.9 MB for 3,000 requests; tens of MB a minute with a large status). Here at most
`COAP_BLOCK2_KEPT_ANSWERS` copies of at most `COAP_BLOCK2_KEPT_BYTES` together are kept, each
for `COAP_BLOCK2_KEEP_S`, the oldest going first, and priority senders (this host, trusted
peers' hosts) have a share of their own: strangers' requests never push out the laptop's.
A later block whose copy is gone is answered 4.08 Request Entity Incomplete: the reader must
ask from block 0 again (our client reports the answer as broken off).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass

import aiocoap
from aiocoap.numbers.codes import Code
from aiocoap.optiontypes import BlockOption

from edge_agent import const_observe as K
from edge_agent.net.coap_common import CoapReply, remote_of

__all__ = ["Block2Answers"]

_LARGEST_SZX = 6
"""1024-byte blocks, the largest without BERT (which is for TCP; RFC 8323)."""


@dataclass(slots=True)
class _Kept:
    """The copies kept for one class of requesters (strangers, or priority senders)."""

    answers: OrderedDict[Hashable, tuple[float, aiocoap.Message]]
    size: int = 0


class Block2Answers:
    """The kept copies of one server's answers (`answer`)."""

    def __init__(
        self,
        *,
        max_answers: int = K.COAP_BLOCK2_KEPT_ANSWERS,
        max_bytes: int = K.COAP_BLOCK2_KEPT_BYTES,
        keep_s: float = K.COAP_BLOCK2_KEEP_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_answers = max_answers
        self.max_bytes = max_bytes
        self.keep_s = keep_s
        self._clock = clock
        self._kept = {False: _Kept(OrderedDict()), True: _Kept(OrderedDict())}

    def __len__(self) -> int:
        return sum(len(kept.answers) for kept in self._kept.values())

    async def answer(
        self, request: aiocoap.Message, render: Callable[[], Awaitable[aiocoap.Message]], priority: bool
    ) -> aiocoap.Message:
        """The answer to `request`: `render()`'s whole if it fits the block asked for (or one
        datagram), else the block asked for, cut from a kept copy after block 0."""
        block = request.opt.block2
        number = block.block_number if block is not None else 0
        szx = min(block.size_exponent, _LARGEST_SZX) if block is not None else _LARGEST_SZX
        size = 1 << (szx + 4)
        key = _key(request)
        kept = self._kept[priority]
        if number == 0:
            whole = await render()
            if len(whole.payload) <= size or not whole.code.is_successful():
                return whole
            self._keep(kept, key, whole)
        else:
            whole = self._find(kept, key)
        if number * size >= len(whole.payload):
            raise CoapReply(Code.BAD_REQUEST, f"block {number} is past the end of the answer")
        end = (number + 1) * size
        response = whole.copy(payload=whole.payload[number * size : end])
        response.opt.block2 = BlockOption.BlockwiseTuple(number, end < len(whole.payload), szx)
        if number == 0:
            response.opt.size2 = len(whole.payload)
        return response

    def _find(self, kept: _Kept, key: Hashable) -> aiocoap.Message:
        self._expire(kept)
        found = kept.answers.get(key)
        if found is None:
            raise CoapReply(
                Code.REQUEST_ENTITY_INCOMPLETE,
                "the answer these blocks were cut from is no longer kept; ask for block 0 again",
            )
        return found[1]

    def _keep(self, kept: _Kept, key: Hashable, whole: aiocoap.Message) -> None:
        old = kept.answers.pop(key, None)
        if old is not None:
            kept.size -= len(old[1].payload)
        if len(whole.payload) > self.max_bytes:
            return  # its later blocks get 4.08
        kept.answers[key] = (self._clock() + self.keep_s, whole)
        kept.size += len(whole.payload)
        self._expire(kept)
        while len(kept.answers) > self.max_answers or kept.size > self.max_bytes:
            _, (_, oldest) = kept.answers.popitem(last=False)
            kept.size -= len(oldest.payload)

    def _expire(self, kept: _Kept) -> None:
        now = self._clock()
        while kept.answers:
            key, (until, whole) = next(iter(kept.answers.items()))
            if until > now:
                return
            del kept.answers[key]
            kept.size -= len(whole.payload)


def _key(request: aiocoap.Message) -> Hashable:
    """Whose answer this is: the requester's endpoint, and the options that choose it."""
    opt = request.opt
    return (remote_of(request.remote), tuple(opt.uri_path), tuple(opt.uri_query), opt.accept)

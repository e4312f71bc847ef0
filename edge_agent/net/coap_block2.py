"""A Block2 response (RFC 7959 §2.4) read one block at a time, within a size limit.

aiocoap's own assembly asks for every block the server offers, with no limit, copying the
body so far at each one, and takes BERT blocks (size exponent 7, TCP only: RFC 8323 §6) over
UDP. The size limit was checked only on the whole body: a peer answering a 256-byte GET /id
had us pull 800 blocks (2.5 MB) within the proof's one second, and a module fetch has
minutes. Here the body stops growing at `max_bytes`: the block that would pass it ends the
transfer.
"""

from __future__ import annotations

import aiocoap
from aiocoap.optiontypes import BlockOption

from edge_agent.net.coap_common import RequestFailed

__all__ = ["request_within"]

_BERT_SZX = 7


async def request_within(
    ctx: aiocoap.Context, message: aiocoap.Message, max_bytes: int, where: str
) -> aiocoap.Message:
    """The response to `message`, its Block2 blocks (if any) fetched in turn and joined;
    `RequestFailed` once the body would pass `max_bytes`, or for blocks out of order, of a
    size the block option does not allow, or from a resource that changed meanwhile
    (another ETag). aiocoap's errors pass through."""
    response = await ctx.request(message, handle_blockwise=False).response
    block2 = response.opt.block2
    if block2 is None:
        return response
    _check(block2, 0, response.payload, where)
    size2 = response.opt.size2  # the whole body's size, if the server says (RFC 7959 §4)
    if size2 is not None and size2 > max_bytes:
        raise RequestFailed(f"{where} sent a {size2}-byte answer, over the limit of {max_bytes}")
    body = bytearray(response.payload)
    etag = response.opt.etag
    while block2.more:
        if len(body) >= max_bytes:
            raise _too_large(where, max_bytes)
        ask = BlockOption.BlockwiseTuple(len(body) // block2.size, False, block2.size_exponent)
        request = message.copy(payload=b"", mid=None, token=None, block2=ask, block1=None, observe=None)
        request.remote = response.remote
        block = await ctx.request(request, handle_blockwise=False).response
        block2 = block.opt.block2
        if block2 is None or not block.code.is_successful():
            raise RequestFailed(f"{where} broke off a blockwise answer ({block.code.dotted})",
                                code=block.code.dotted)
        _check(block2, ask.block_number, block.payload, where)
        if block.opt.etag != etag:
            raise RequestFailed(f"{where}: the resource changed during a blockwise answer")
        if len(body) + len(block.payload) > max_bytes:
            raise _too_large(where, max_bytes)
        body += block.payload
    response.payload = bytes(body)
    response.opt.block2 = None
    return response


def _check(block2: BlockOption.BlockwiseTuple, number: int, payload: bytes, where: str) -> None:
    if block2.size_exponent >= _BERT_SZX:
        raise RequestFailed(f"{where} sent a BERT block (size exponent 7), which UDP does not allow")
    if block2.block_number != number:
        raise RequestFailed(f"{where} sent block {block2.block_number} where block {number} was asked")
    if not block2.is_valid_for_payload_size(len(payload)):
        raise RequestFailed(
            f"{where} sent a block of {len(payload)} bytes that its Block2 option does not allow"
        )


def _too_large(where: str, max_bytes: int) -> RequestFailed:
    return RequestFailed(f"{where} sent a blockwise answer longer than the limit of {max_bytes} bytes")

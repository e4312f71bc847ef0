"""Block2 answers to our GETs, read one block at a time within the caller's size limit: a real
aiocoap server on loopback for the answers a peer gives, and a raw UDP responder for the
answers a hostile one gives (blocks without end, BERT blocks, blocks out of order)."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from typing import Any

import aiocoap
import pytest
from aiocoap.numbers.codes import Code
from aiocoap.numbers.types import Type

from edge_agent.net.coap import ReadOnlyResource, RequestFailed
from tests.support.coap import LOCAL, client, run, started

BODY = bytes(range(256)) * 20  # 5,120 bytes: six blocks of 1 KiB


class Big(ReadOnlyResource):
    async def render_get(self, request: aiocoap.Message) -> aiocoap.Message:
        return aiocoap.Message(code=Code.CONTENT, payload=BODY)


def test_a_blockwise_answer_is_joined_up_to_the_limit() -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            server = await started(stack, bind=LOCAL)
            server.add_resource(("big",), Big())
            c = await client(stack)
            got = await c.request((LOCAL, server.port), "GET", ("big",), max_bytes=len(BODY))
            assert got.code == "2.05" and got.payload == BODY
            with pytest.raises(RequestFailed, match=f"limit of {len(BODY) - 1}"):
                await c.request((LOCAL, server.port), "GET", ("big",), max_bytes=len(BODY) - 1)

    run(main())


class Hostile(asyncio.DatagramProtocol):
    """Answers every GET with a block of `size_exponent`, numbered `number(asked)`, always
    with more to come."""

    def __init__(self, size_exponent: int, number: Any = lambda asked: asked) -> None:
        self.szx, self.number = size_exponent, number
        self.served = 0

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: Any) -> None:
        request = aiocoap.Message.decode(data)
        asked = request.opt.block2.block_number if request.opt.block2 is not None else 0
        answer = aiocoap.Message(code=Code.CONTENT, payload=b"x" * (16 << self.szx))
        answer.mtype, answer.mid, answer.token = Type.ACK, request.mid, request.token
        answer.opt.block2 = (self.number(asked), True, self.szx)
        self.served += 1
        self.transport.sendto(answer.encode(), addr)


@pytest.mark.parametrize(
    ("responder", "error", "served"),
    [
        (lambda: Hostile(6), "longer than the limit of 4096 bytes", 4),  # 4 KiB taken, then it stops
        (lambda: Hostile(7), "BERT block", 1),
        (lambda: Hostile(6, number=lambda asked: asked + 5), "sent block 5 where block 0", 1),
        (lambda: Hostile(6, number=lambda asked: 0), "sent block 0 where block 1", 2),
    ],
    ids=["without-end", "bert", "out-of-order", "repeated"],
)
def test_a_hostile_blockwise_answer_ends_the_request(responder: Any, error: str, served: int) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        transport, hostile = await loop.create_datagram_endpoint(responder, local_addr=(LOCAL, 0))
        try:
            async with AsyncExitStack() as stack:
                c = await client(stack)
                port = transport.get_extra_info("sockname")[1]
                with pytest.raises(RequestFailed, match=error):
                    await c.request((LOCAL, port), "GET", ("id",), max_bytes=4096, timeout=5)
                assert hostile.served == served
        finally:
            transport.close()

    run(main())

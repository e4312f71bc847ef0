"""Answers larger than a block, kept within bounds for their later blocks
(edge_agent/net/coap_block2_answers.py): a real CoapServer on loopback, asked over UDP by
hand-built datagrams (a stranger varying its query) and by our own client."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from typing import Any

import aiocoap
import cbor2

from edge_agent import const_observe as K
from edge_agent.net.coap import CoapServer
from tests.support.coap import UdpPeer, client, datagram, run, started, uint

GET = int(aiocoap.GET)
URI_QUERY, BLOCK2 = 15, 23
STATUS = {"peers": [f"12D3KooW{i:044d}" for i in range(90)]}  # about 4.8 KB: five blocks
WHOLE = cbor2.dumps(STATUS)


def block2(number: int, szx: int = 6) -> tuple[int, bytes]:
    return BLOCK2, uint(number << 4 | szx)


async def ask(
    udp: UdpPeer, transport: Any, server: CoapServer, query: str, number: int, mid: int
) -> aiocoap.Message:
    options = [(URI_QUERY, query.encode()), block2(number)]
    return await udp.ask(transport, server.port, datagram(GET, ("status",), options=options, mid=mid))


def test_a_stranger_varying_its_query_keeps_only_a_bounded_number_of_answers() -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            server = await started(stack, status=lambda: STATUS, priority=lambda remote: False)
            transport, udp = await UdpPeer.open(stack)
            for i in range(200):
                first = await ask(udp, transport, server, f"x={i}", 0, mid=i + 1)
                assert first.code == aiocoap.CONTENT and first.opt.size2 == len(WHOLE)
                assert first.opt.block2.more and first.payload == WHOLE[:1024]
            assert len(server._answers) == K.COAP_BLOCK2_KEPT_ANSWERS  # aiocoap kept all 200
            old = await ask(udp, transport, server, "x=0", 1, mid=1000)
            assert old.code == aiocoap.REQUEST_ENTITY_INCOMPLETE and b"block 0 again" in old.payload
            recent = await ask(udp, transport, server, "x=199", 4, mid=1001)
            assert recent.code == aiocoap.CONTENT and recent.payload == WHOLE[4096:]
            assert not recent.opt.block2.more
            past = await ask(udp, transport, server, "x=199", 5, mid=1002)
            assert past.code == aiocoap.BAD_REQUEST

    run(main(), timeout=60)


def test_a_flood_of_strangers_does_not_push_out_a_priority_senders_answer() -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            laptop_transport, laptop = await UdpPeer.open(stack)
            laptop_port = laptop_transport.get_extra_info("sockname")[1]
            ours = lambda remote: remote[1] == laptop_port  # noqa: E731
            server = await started(stack, status=lambda: STATUS, priority=ours)
            transport, stranger = await UdpPeer.open(stack)
            first = await ask(laptop, laptop_transport, server, "", 0, mid=1)
            for i in range(3 * K.COAP_BLOCK2_KEPT_ANSWERS):
                await ask(stranger, transport, server, f"x={i}", 0, mid=i + 1)
            rest = [await ask(laptop, laptop_transport, server, "", n, mid=10 + n) for n in range(1, 5)]
            assert first.payload + b"".join(r.payload for r in rest) == WHOLE

    run(main(), timeout=60)


def test_our_client_reads_a_status_of_many_blocks_whole() -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            server = await started(stack, status=lambda: STATUS)
            c = await client(stack)
            got = await asyncio.gather(*(c.get_status(("127.0.0.1", server.port)) for _ in range(3)))
            assert got == [STATUS] * 3

    run(main(), timeout=60)

"""`coap_compat.literal_remote` builds the remote aiocoap's own resolution gives, without its thread."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import aiocoap
import pytest

from edge_agent.net.coap import CoapClient
from edge_agent.net.coap_compat import literal_remote
from tests.support.coap import LOCAL, run, started


async def _resolved(ctx: aiocoap.Context, host: str, port: int) -> Any:
    """What aiocoap makes of "host:port" (its executor thread and route check)."""
    for requests in ctx.request_interfaces:
        messages = getattr(getattr(requests, "token_interface", None), "message_interface", None)
        if messages is not None and hasattr(messages, "determine_remote"):
            literal = f"[{host}]" if ":" in host else host
            message = aiocoap.Message(code=aiocoap.GET, uri=f"coap://{literal}:{port}/id")
            return await messages.determine_remote(message)
    raise AssertionError("no UDP transport")


@asynccontextmanager
async def udp6_context() -> AsyncIterator[aiocoap.Context]:
    """A server context on a free port, with udp6 as the agent's."""
    ctx = await aiocoap.Context.create_server_context(None, bind=("::", 0))
    try:
        yield ctx
    finally:
        await ctx.shutdown()


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "::ffff:127.0.0.1", "0:0:0:0:0:0:0:1"])
def test_the_remote_is_the_one_aiocoap_resolves(host: str) -> None:
    async def go() -> None:
        async with udp6_context() as ctx:
            ours = literal_remote(ctx, host, 5683)
            theirs = await _resolved(ctx, host, 5683)
            assert ours is not None
            assert ours == theirs and hash(ours) == hash(theirs)
            assert ours.sockaddr == theirs.sockaddr
            assert ours.pktinfo == theirs.pktinfo
            assert ours.interface is theirs.interface
            assert ours.hostinfo == theirs.hostinfo

    asyncio.run(go())


def test_a_zone_becomes_the_scope_and_the_outgoing_interface() -> None:
    async def go() -> None:
        async with udp6_context() as ctx:
            index = socket.if_nametoindex("lo")
            by_name = literal_remote(ctx, "fe80::1%lo", 5683)
            by_index = literal_remote(ctx, f"fe80::1%{index}", 5683)
            assert by_name is not None and by_index is not None
            assert by_name.sockaddr == by_index.sockaddr == ("fe80::1", 5683, 0, index)
            assert by_name.pktinfo == by_index.pktinfo and by_name.pktinfo is not None
            assert by_name.hostinfo == "[fe80::1%lo]:5683" or by_name.hostinfo.startswith("[fe80::1%")

    asyncio.run(go())


def test_names_and_unknown_zones_are_left_to_aiocoap() -> None:
    async def go() -> None:
        async with udp6_context() as ctx:
            assert literal_remote(ctx, "localhost", 5683) is None
            assert literal_remote(ctx, "fe80::1%no-such-interface0", 5683) is None
            assert literal_remote(ctx, "300.1.1.1", 5683) is None
            assert literal_remote(object(), "127.0.0.1", 5683) is None  # no UDP transport

    asyncio.run(go())


@pytest.mark.parametrize("shared", [False, True], ids=["own context", "server's context"])
def test_a_first_request_to_a_new_address_asks_no_resolver_thread(shared: bool) -> None:
    """The point of it: a new peer's first exchange needs no executor thread (which waits
    for the GIL while the loop is busy)."""

    async def go() -> None:
        async with AsyncExitStack() as stack:
            server = await started(stack)
            loop = asyncio.get_running_loop()
            used: list[object] = []
            original = loop.getaddrinfo

            async def counted(*args: Any, **kwargs: Any) -> Any:
                used.append(args)
                return await original(*args, **kwargs)

            loop.getaddrinfo = counted  # type: ignore[method-assign]
            c = CoapClient(server=server if shared else None)
            await c.start()
            stack.push_async_callback(c.stop)
            assert (await c.get_status((LOCAL, server.port)))["version"]
            assert used == []

    run(go())

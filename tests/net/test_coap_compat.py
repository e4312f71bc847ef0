"""The aiocoap versions the private hooks support, that each hook finds its target, and that
the bounded duplicate table holds under a flood of confirmable requests on loopback."""

from __future__ import annotations

import asyncio
import gc
from contextlib import AsyncExitStack
from typing import Any

import aiocoap
import aiocoap.numbers.constants
import aiocoap.resource
import pytest
from aiocoap.numbers.codes import Code

from edge_agent.net import coap_compat
from edge_agent.net.coap import CoapServer
from edge_agent.net.coap_dedup import DuplicateTable
from tests.support.coap import CBOR, LOCAL, Inbox, UdpPeer, client, datagram, make_particle, run, soon, started

GET, POST = int(aiocoap.GET), int(aiocoap.POST)


def test_the_installed_aiocoap_is_a_supported_one() -> None:
    low, high = coap_compat.SUPPORTED
    version = coap_compat.installed_version()
    assert low <= version < high, f"aiocoap {version} is outside {coap_compat.SUPPORTED}"
    assert ".".join(map(str, version)) in coap_compat.VERIFIED


def test_the_supported_range_is_the_one_pyproject_declares() -> None:
    from pathlib import Path

    pyproject = (Path(__file__).parents[2] / "pyproject.toml").read_text()
    low, high = coap_compat.SUPPORTED
    declared = f'"aiocoap>={".".join(map(str, low))},<{".".join(map(str, high))}"'
    assert declared in pyproject


def test_every_hook_finds_its_target() -> None:
    assert coap_compat.missing_hooks() == []

    async def main() -> None:
        async with CoapServer(on_inbox=Inbox(), bind=LOCAL, port=0) as server:
            assert server.hooks == {"guard_datagrams", "bound_duplicates", "resend_after_stale_errors",
                                    "count_retransmissions", "drop_responses_to_given_up_requests",
                                    "unregister_without_cycles"}
            assert coap_compat.local_port(server.context) == server.port
            assert coap_compat.process_wide_hooks() == [  # for every context, ours or not
                "cache_multicast_checks", "drop_responses_to_given_up_requests", "unregister_without_cycles"
            ]

    run(main())


def test_hooks_say_so_when_the_layout_is_unknown() -> None:
    class Elsewhere:
        request_interfaces: list[object] = []

    ctx = Elsewhere()
    assert not coap_compat.bound_duplicates(ctx, DuplicateTable())  # type: ignore[arg-type]
    assert not coap_compat.guard_datagrams(  # type: ignore[arg-type]
        ctx, admit=lambda data, address: True, on_error=lambda address, exc: None
    )
    assert coap_compat.recent_requests(ctx) == 0  # type: ignore[arg-type]
    assert not coap_compat.resend_after_stale_errors(ctx)  # type: ignore[arg-type]
    assert not coap_compat.count_retransmissions(ctx, lambda: None)  # type: ignore[arg-type]
    with pytest.raises(LookupError):
        coap_compat.local_port(ctx)  # type: ignore[arg-type]


def test_plain_render_tasks_needs_the_known_layout() -> None:
    class Elsewhere:
        pass

    assert not coap_compat.plain_render_tasks(Elsewhere())  # type: ignore[arg-type]


MULTICAST_CASES = [
    ("::ffff:127.0.0.1", False), ("::ffff:224.0.1.187", True), ("::1", False),
    ("ff02::fd", True), ("ff05::fd%3", True), ("fe80::1%2", False), ("2001:db8::1", False),
    ("::ffff:239.255.255.250", True), ("::ffff:10.0.0.1", False),
]


@pytest.mark.parametrize(("host", "multicast"), MULTICAST_CASES)
def test_cached_multicast_checks_answer_as_aiocoap_does(host: str, multicast: bool) -> None:
    import ipaddress
    import struct

    from aiocoap.transports.udp6 import UDP6EndpointAddress

    assert coap_compat.cache_multicast_checks()
    assert coap_compat.cache_multicast_checks()  # idempotent
    plain = host.split("%", 1)[0]
    pktinfo = struct.pack("16sI", ipaddress.IPv6Address(plain).packed, 0)
    class Interface:  # aiocoap keeps a weak reference to the receiving interface
        pass

    interface = Interface()
    address = UDP6EndpointAddress((plain, 5683, 0, 0), interface, pktinfo=pktinfo)
    # aiocoap's own answer, by way of the text form, is what the cached one must give
    stock = ipaddress.ip_address(address._plainaddress().split("%", 1)[0]).is_multicast
    stock_locally = ipaddress.ip_address(address._plainaddress_local()).is_multicast
    assert stock == stock_locally == multicast
    assert address.is_multicast is multicast
    assert address.is_multicast_locally is multicast


def test_path_site_hands_an_exact_path_over_unchanged() -> None:
    site = coap_compat.PathSite()
    leaf = aiocoap.resource.Resource()
    site.add_resource(("a", "b"), leaf)
    request = aiocoap.Message(code=Code.GET, uri_path=("a", "b"))
    found, handed = site._find_child_and_pathstripped_message(request)
    assert found is leaf and handed is request  # no copy


async def flood(port: int, senders: list[tuple[asyncio.DatagramTransport, UdpPeer]],
                count: int) -> int:
    """`count` confirmable GETs spread over `senders`, 60 at a time, each batch answered
    before the next; the number answered."""
    answered = 0
    for first in range(0, count, 60):
        for n in range(first, min(first + 60, count)):
            transport, _ = senders[n % len(senders)]
            transport.sendto(datagram(GET, ("status",), mid=n, token=n.to_bytes(2, "big")),
                             (LOCAL, port))
        want = min(first + 60, count)
        for _ in range(500):  # at most 5 s per batch
            if answered + sum(peer.answers.qsize() for _, peer in senders) >= want:
                break
            await asyncio.sleep(0.01)
        answered += sum(len(peer.drain()) for _, peer in senders)
    return answered


def test_the_duplicate_table_stays_bounded_under_a_flood() -> None:
    table = DuplicateTable(max_entries=300, max_per_sender=120)

    async def main() -> None:
        async with AsyncExitStack() as stack:
            server = await started(stack, priority=lambda remote: True, duplicates=table)
            senders = [await UdpPeer.open(stack, f"127.0.3.{n}") for n in range(4)]
            assert await flood(server.port, senders, 3000) == 3000
            assert len(table) == 300 and table.senders <= 4
            assert server.stats()["recent_requests"] == 300
            assert coap_compat.recent_requests(server.context) == 0  # aiocoap's own: unused

    run(main(), timeout=60)


def test_stock_aiocoap_remembers_every_request() -> None:
    """What the bound replaces: aiocoap's own table keeps each request (for 247 s)."""

    async def main() -> None:
        async with AsyncExitStack() as stack:
            site = aiocoap.resource.Site()
            site.add_resource(("status",), _Status())
            ctx = await aiocoap.Context.create_server_context(
                site, bind=(LOCAL, 0), transports=["udp6"]
            )
            stack.push_async_callback(ctx.shutdown)
            senders = [await UdpPeer.open(stack)]
            assert await flood(coap_compat.local_port(ctx), senders, 600) == 600
            assert coap_compat.recent_requests(ctx) == 600

    run(main(), timeout=60)


class _Status(aiocoap.resource.Resource):
    async def render_get(self, request: aiocoap.Message) -> aiocoap.Message:
        return aiocoap.Message(payload=b"ok")


def test_a_duplicate_gets_the_stored_response_and_is_not_processed_twice() -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            inbox = Inbox()
            server = await started(stack, on_inbox=inbox)
            transport, udp = await UdpPeer.open(stack)
            request = datagram(POST, payload=b"\xa0", options=[CBOR], mid=77)
            first = await udp.ask(transport, server.port, request)
            again = await udp.ask(transport, server.port, request)  # a retransmission
            assert first.code == again.code == aiocoap.CHANGED and first.mid == again.mid == 77
            await inbox.wait(1)
            await asyncio.sleep(0.05)
            assert len(inbox.items) == 1 and server.stats()["received"] == 1
            assert server.stats()["duplicates"] == 1

    run(main())


class _Hasty(aiocoap.numbers.constants.TransportTuning):
    ACK_TIMEOUT = 0.05  # a retransmission within a tenth of a second, not two seconds


async def to_a_silent_peer(stack: AsyncExitStack, hook: str) -> tuple[CoapServer, UdpPeer, aiocoap.Message]:
    """A started server with `hook` in place, a UDP peer that reads and never answers, and a
    GET for that peer (not sent yet)."""
    server = await started(stack, on_inbox=Inbox())
    assert hook in server.hooks
    transport, silent = await UdpPeer.open(stack)
    port = transport.get_extra_info("sockname")[1]
    return server, silent, aiocoap.Message(code=Code.GET, uri=f"coap://{LOCAL}:{port}/status")


def test_a_confirmable_message_sent_again_is_counted() -> None:
    """`count_retransmissions`: a request to a socket that never answers goes again after
    ACK_TIMEOUT, and the server (whose context the node's client sends from) counts it."""

    async def main() -> None:
        async with AsyncExitStack() as stack:
            server, silent, message = await to_a_silent_peer(stack, "count_retransmissions")
            message.transport_tuning = _Hasty()
            request = server.context.request(message)
            for _ in range(500):  # bounded: ACK_TIMEOUT is 50-75 ms, the next one twice that
                if server.stats()["retransmitted"] >= 2 and silent.answers.qsize() >= 3:
                    break
                await asyncio.sleep(0.01)
            assert server.stats()["retransmitted"] >= 2, server.stats()
            assert silent.answers.qsize() >= 3  # the first send and two more
            request.response.cancel()

    run(main())


def test_a_response_to_a_request_given_up_in_the_same_turn_is_dropped() -> None:
    """`drop_responses_to_given_up_requests`: a timeout cancels the response future, and
    aiocoap stops the request only in a done callback, a loop turn later. A response handled
    in between met a cancelled future: InvalidStateError through dispatch_message (CI saw
    it on a CLI's stderr). Now it is dropped, as a later one is."""

    async def main() -> None:
        async with AsyncExitStack() as stack:
            server, _, message = await to_a_silent_peer(stack, "drop_responses_to_given_up_requests")
            request = server.context.request(message, handle_blockwise=False)
            await asyncio.sleep(0)
            request.response.cancel()  # our timeout; aiocoap's handler has not run yet
            late = aiocoap.Message(code=Code.CONTENT, payload=b"late")
            request._pipe.add_response(late, is_last=True)  # raised InvalidStateError before
            assert request.response.cancelled()
            await asyncio.sleep(0)

    run(main())


def test_exchanges_leave_nothing_for_the_collector() -> None:
    """`unregister_without_cycles`: each exchange left its pipe, messages, options and (on the
    client) its `Request` in a reference cycle through the handle `Pipe.on_event` gave back,
    freed only by Python's collector (30 of each a particle round trip on a laptop). Real
    particle POSTs on loopback, both sides ours: nothing of theirs is cyclic garbage now."""

    async def main() -> None:
        async with AsyncExitStack() as stack:
            inbox = Inbox()
            server = await started(stack, on_inbox=inbox, bind=LOCAL)
            assert "unregister_without_cycles" in server.hooks
            sender = await client(stack)
            raw = make_particle().encode()
            for _ in range(3):  # warm: caches and the first exchange's lasting objects
                assert (await sender.send_particle((LOCAL, server.port), raw, deadline_ms=soon())).ok
            gc.collect()
            gc.set_debug(gc.DEBUG_SAVEALL)
            try:
                for _ in range(20):
                    result = await sender.send_particle((LOCAL, server.port), raw, deadline_ms=soon())
                    assert result.ok, result
                await asyncio.sleep(0.05)  # aiocoap's done callbacks and task ends
                gc.collect()
                cyclic = [type(o).__module__ + "." + type(o).__qualname__ for o in gc.garbage]
            finally:
                gc.set_debug(0)
                gc.garbage.clear()
            assert len(inbox.items) == 23
            ours = sorted({name for name in cyclic if name.startswith(("aiocoap.", "edge_agent."))})
            assert ours == [], f"{len(cyclic)} objects in cycles: {ours}"

    run(main())


def test_the_unregister_handle_still_unregisters() -> None:
    """The handle `Pipe.on_event` gives back ends the callback's interest as aiocoap's did
    (then the pipe, without interest, ends), also for a callable that cannot be referred to
    weakly, which it holds as before."""
    import logging

    import aiocoap.pipe

    assert coap_compat.unregister_without_cycles()

    class Slotted:  # no __weakref__
        __slots__ = ("events",)

        def __init__(self) -> None:
            self.events: list[object] = []

        def __call__(self, event: object) -> bool:
            self.events.append(event)
            return True

    def plain() -> Any:
        return lambda event: True

    for make in (plain, Slotted):
        pipe = aiocoap.pipe.Pipe(aiocoap.Message(code=Code.GET), logging.getLogger(__name__))
        ended: list[bool] = []
        callback = make()
        stop = pipe.on_event(callback)
        pipe.on_interest_end(lambda: ended.append(True))
        del callback  # the pipe alone holds it now
        gc.collect()
        assert not ended and len(pipe._event_callbacks) == 2  # it, and the interest-end watcher
        stop()
        assert ended == [True]
        stop()  # again: nothing more happens
        assert ended == [True]


def test_decoder_errors_never_reach_the_loop() -> None:
    loop_errors: list[dict[str, object]] = []

    async def main() -> None:
        asyncio.get_running_loop().set_exception_handler(
            lambda loop, context: loop_errors.append(context)
        )
        async with AsyncExitStack() as stack:
            server = await started(stack)
            transport, udp = await UdpPeer.open(stack)
            bad_path = datagram(GET, ("x",))[:-1] + b"\xff"  # Uri-Path not UTF-8
            transport.sendto(bad_path, (LOCAL, server.port))
            answer = await udp.ask(transport, server.port, datagram(GET, ("status",), mid=2))
            assert answer.code == aiocoap.CONTENT
            assert server.stats()["unparsable"] == 1

    run(main())
    assert loop_errors == []

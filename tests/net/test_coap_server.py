"""The CoAP server on loopback: the inbox and its checks, callbacks and overload, lifecycle,
and the bounds per sender (issue 8) -- each against a real aiocoap server, asserting
counters and answers. Hostile input is sent as hand-built datagrams from bare sockets."""

from __future__ import annotations

import asyncio
import logging
import os
import random
import struct
from contextlib import AsyncExitStack
from typing import Any

import aiocoap
import cbor2
import pytest

from edge_agent import const
from edge_agent.cborutil import CBORError, loads_one
from edge_agent.config import parse_config
from edge_agent.net import coap_compat, coap_server
from edge_agent.net.coap import (
    CoapClient,
    CoapServer,
    Inbound,
    NotRunning,
    RefuseCode,
    Refused,
    RequestFailed,
    SenderLimits,
    SendOutcome,
    StartError,
)
from tests.support.coap import (
    ACCEPT,
    CBOR,
    CONTENT_FORMAT,
    LOCAL,
    SIZE1,
    Inbox,
    UdpPeer,
    assert_port_held_alone,
    block1,
    client,
    datagram,
    free_port,
    make_particle,
    run,
    soon,
    started,
    uint,
)

POST, GET = int(aiocoap.POST), int(aiocoap.GET)
NOISE = random.Random(7).randbytes(1200)


def cbor_map(raw: bytes) -> dict[Any, Any]:
    """A precheck that takes CBOR maps only (a stand-in for the node's envelope check)."""
    try:
        value = loads_one(raw)
    except CBORError as exc:
        raise Refused("malformed", f"not CBOR: {exc}") from None
    if not isinstance(value, dict):
        raise Refused("malformed", "not a CBOR map")
    return value


# --- the inbox ------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
def test_a_body_reaches_the_callback_with_bytes_sender_and_what_was_accepted(host: str) -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            inbox = Inbox()
            a = await started(stack, on_inbox=inbox, precheck=lambda raw: len(raw))
            b = await started(stack)  # b sends from its own listening socket
            sender = await client(stack, server=b)
            raw = make_particle(b"hello").encode()
            result = await sender.send_particle(
                (host, a.port), raw, deadline_ms=soon(), sender="me"
            )
            assert result.ok and result.code == "2.04" and result.attempts == 1
            await inbox.wait(1)
            assert inbox.inbound == [Inbound(raw, (host, b.port), "me", len(raw))]
            assert a.stats()["accepted"] == 1

    run(main())


def test_too_large_is_refused_with_413_and_size1() -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            inbox = Inbox()
            server = await started(stack, on_inbox=inbox, max_body_bytes=2048)
            c = await client(stack)
            raw = make_particle(b"z" * 100_000).encode()
            result = await c.send_particle((LOCAL, server.port), raw, deadline_ms=soon())
            assert result.outcome is SendOutcome.REJECTED and result.code == "4.13"
            assert result.attempts == 1 and "too_large" in result.detail
            # one datagram over the limit, no Block1
            transport, udp = await UdpPeer.open(stack)
            answer = await udp.ask(
                transport, server.port, datagram(POST, payload=b"\xa0" * 3000, options=[CBOR]),
            )
            assert answer.code == aiocoap.REQUEST_ENTITY_TOO_LARGE
            assert answer.opt.size1 == 2048
            # announced by Size1 on the first block: refused before anything is spooled
            answer = await udp.ask(
                transport, server.port,
                datagram(POST, payload=b"\xa0" * 1024, mid=2,
                         options=[CBOR, block1(0, True), (SIZE1, uint(1_000_000))]),
            )
            assert answer.code == aiocoap.REQUEST_ENTITY_TOO_LARGE
            assert answer.opt.size1 == 2048
            assert server.stats()["uploads_in_progress"] == 0
            assert server.stats()["rejected"] == {"too_large": 3}
            assert inbox.items == []

    run(main())


def test_hostile_input_gets_clear_errors_and_the_server_keeps_serving(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    cases = [  # (datagram, expected code, text in the diagnostic payload)
        (datagram(POST, payload=NOISE[:300], options=[CBOR]), aiocoap.BAD_REQUEST, ""),
        (datagram(POST, payload=b"\xa1\x00", options=[CBOR]), aiocoap.BAD_REQUEST,
         "malformed"),
        (datagram(POST, payload=b"\x9f" * 500, options=[CBOR]), aiocoap.BAD_REQUEST, ""),
        (datagram(POST, payload=b"hello", options=[(CONTENT_FORMAT, uint(0))]),
         aiocoap.UNSUPPORTED_CONTENT_FORMAT, "Content-Format must be 60"),
        (datagram(POST, payload=b"hello"), aiocoap.UNSUPPORTED_CONTENT_FORMAT, "got none"),
        (datagram(GET), aiocoap.METHOD_NOT_ALLOWED, ""),
        (datagram(POST, payload=b"x" * 1024, options=[CBOR, block1(5, True)]),
         aiocoap.REQUEST_ENTITY_INCOMPLETE, "no upload"),
        (datagram(POST, payload=b"x" * 100, options=[CBOR, block1(0, True)]),
         aiocoap.BAD_REQUEST, "exactly"),
        (datagram(GET, ("status",), b"x" * 1024, options=[block1(0, True)]),
         aiocoap.BAD_REQUEST, "no request body"),
        (datagram(GET, ("status",), options=[(ACCEPT, uint(0))]), aiocoap.NOT_ACCEPTABLE,
         "CBOR"),
        (datagram(POST, ("nothing", "here"), b"x"), aiocoap.NOT_FOUND, ""),
        (datagram(POST, payload=b"x", options=[CBOR, (65001, b"?")]), aiocoap.BAD_OPTION,
         "65001"),
        (datagram(POST, ("nothing",), options=[(1, b"\x01")]), aiocoap.BAD_OPTION, "1 not"),
        (datagram(GET, ("status",), options=[(65002, b"elective")]), aiocoap.CONTENT, ""),
        (datagram(GET, (b"\xff\xfe".decode("latin-1"),)), aiocoap.NOT_FOUND, ""),
    ]

    async def main() -> None:
        async with AsyncExitStack() as stack:
            inbox = Inbox()
            server = await started(stack, on_inbox=inbox, precheck=cbor_map)
            transport, udp = await UdpPeer.open(stack)
            # not CoAP at all (seeded noise: random bytes may decode as a request, and its
            # answer would be taken for the first case's)
            for junk in (b"", b"\x00", b"\xff" * 40, NOISE, b"\x40\x01\x00"):
                transport.sendto(junk, (LOCAL, server.port))
            # a Uri-Path that is not UTF-8: aiocoap's decoder raises, the guard counts it
            transport.sendto(datagram(GET, ("x",))[:-1] + b"\xff", (LOCAL, server.port))
            for mid, (data, code, text) in enumerate(cases, start=10):
                data = data[:2] + struct.pack("!H", mid) + data[4:]
                answer = await udp.ask(transport, server.port, data)
                assert answer.code == code, (mid, answer, answer.payload)
                assert not text or text in answer.payload.decode(), answer.payload
            c = await client(stack)
            raw = make_particle(b"still here").encode()
            assert (await c.send_particle((LOCAL, server.port), raw, deadline_ms=soon())).ok
            await inbox.wait(1)
            assert [r for r, _ in inbox.items] == [raw]
            stats = server.stats()
            assert stats["rejected"]["malformed"] >= 4 and stats["unparsable"] == 1

    run(main())
    refusals = [r for r in caplog.records
                if r.name == coap_server.__name__ and "refused" in r.message]
    assert sum(r.levelno == logging.WARNING for r in refusals) == 1  # then DEBUG
    aiocoap_warnings = [r for r in caplog.records
                        if r.name == coap_compat.AIOCOAP_LOGGER and r.levelno >= logging.WARNING]
    assert len({r.msg for r in aiocoap_warnings}) == len(aiocoap_warnings)


@pytest.mark.parametrize(
    ("code", "answer", "option"),
    [(RefuseCode.BAD_REQUEST, "4.00", None), (RefuseCode.TOO_LARGE, "4.13", "size1"),
     (RefuseCode.BUSY, "5.03", "max_age")],
)
def test_a_precheck_refuses_with_its_counter_and_code(
    code: RefuseCode, answer: str, option: str | None
) -> None:
    def precheck(raw: bytes) -> bytes:
        if raw == b"refuse me":
            raise Refused("replay", "seen that one", code=code)
        return raw

    async def main() -> None:
        async with AsyncExitStack() as stack:
            inbox = Inbox()
            server = await started(stack, on_inbox=inbox, precheck=precheck, max_body_bytes=4096)
            transport, udp = await UdpPeer.open(stack)
            refused = await udp.ask(
                transport, server.port, datagram(POST, payload=b"refuse me", options=[CBOR])
            )
            assert refused.code.dotted == answer
            assert refused.payload == b"replay: seen that one"
            assert refused.opt.size1 == (4096 if option == "size1" else None)
            max_age = refused.opt.max_age if option == "max_age" else None
            assert max_age == (const.COAP_OVERLOAD_MAX_AGE_S if option == "max_age" else None)
            ok = await udp.ask(
                transport, server.port, datagram(POST, payload=b"fine", options=[CBOR], mid=2)
            )
            assert ok.code == aiocoap.CHANGED
            await inbox.wait(1)
            assert server.stats()["rejected"] == {"replay": 1}

    run(main())


def test_a_failing_precheck_is_an_internal_error(caplog: pytest.LogCaptureFixture) -> None:
    def broken(raw: bytes) -> None:
        raise RuntimeError("bug in the node")

    async def main() -> None:
        async with AsyncExitStack() as stack:
            server = await started(stack, precheck=broken)
            c = await client(stack)
            answer = await c.request((LOCAL, server.port), "POST", "particle", b"x",
                                     content_format=60)
            assert answer.code == "5.00" and answer.diagnostic == "internal error"

    run(main())
    assert "the precheck failed" in caplog.text


def test_a_reply_offered_in_time_rides_in_the_response() -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            server: CoapServer | None = None

            async def answer(inbound: Inbound) -> None:
                assert server is not None
                assert server.offer_reply(("id-1", inbound.sender), b"\xa1\x01\x02")
                assert not server.offer_reply(("id-1", inbound.sender), b"again")

            server = await started(
                stack, on_inbox=answer, precheck=lambda raw: "id-1",
                reply_key=lambda accepted, sender: (accepted, sender), reply_wait_s=2.0,
            )
            c = await client(stack)
            result = await c.send_particle(
                (LOCAL, server.port), b"\xa0", deadline_ms=soon(), sender="peer-x"
            )
            assert result.ok and result.reply == b"\xa1\x01\x02"
            plain = await c.send_particle((LOCAL, server.port), b"\xa0", deadline_ms=soon())
            assert plain.ok and plain.reply == b""  # no sender hint: no slot
            assert server.stats()["replied_in_response"] == 1
            assert not server.offer_reply(("id-1", "nobody"), b"x")

    run(main())


def test_a_body_that_gets_no_reply_is_answered_when_its_callback_returns() -> None:
    """Not after `reply_wait_s`: a sender has one exchange with us at a time (NSTART = 1), so
    an idle wait would hold back every later POST of its own (a result coming home)."""

    async def main() -> None:
        async with AsyncExitStack() as stack:
            inbox = Inbox()
            server = await started(
                stack, on_inbox=inbox, precheck=lambda raw: "id-1",
                reply_key=lambda accepted, sender: (accepted, sender), reply_wait_s=600.0,
            )
            c = await client(stack)
            for _ in range(3):
                result = await asyncio.wait_for(c.send_particle(
                    (LOCAL, server.port), b"\xa0", deadline_ms=soon(60_000), sender="peer-x"
                ), 30)
                assert result.ok and result.reply == b"" and result.attempts == 1, result
            await inbox.wait(3)
            assert server.stats()["replied_in_response"] == 0

    run(main())


def test_a_reply_the_node_expects_still_rides_in_the_response_after_its_callback() -> None:
    """`expect_reply`: the node proves the sender's key before it answers (a task of its own,
    after the callback), and the POST waits for that answer."""

    async def main() -> None:
        async with AsyncExitStack() as stack:
            server: CoapServer | None = None
            go = asyncio.Event()
            later: list[asyncio.Task[None]] = []

            async def offer_later(sender: str) -> None:
                await go.wait()
                assert server is not None and server.offer_reply(("id-1", sender), b"\xa1\x01\x02")

            async def answer(inbound: Inbound) -> None:
                assert server is not None and inbound.sender is not None
                assert server.expect_reply(("id-1", inbound.sender))
                later.append(asyncio.ensure_future(offer_later(inbound.sender)))

            server = await started(
                stack, on_inbox=answer, precheck=lambda raw: "id-1",
                reply_key=lambda accepted, sender: (accepted, sender), reply_wait_s=600.0,
            )
            c = await client(stack)
            sending = asyncio.ensure_future(c.send_particle(
                (LOCAL, server.port), b"\xa0", deadline_ms=soon(60_000), sender="peer-x"
            ))
            for _ in range(1000):  # bounded: until the callback returned
                if later:
                    break
                await asyncio.sleep(0.01)
            assert later and server.has_reply_slot(("id-1", "peer-x"))
            go.set()
            result = await asyncio.wait_for(sending, 30)
            assert result.ok and result.reply == b"\xa1\x01\x02", result
            assert not server.expect_reply(("id-1", "peer-x"))  # answered: nothing waits
            await asyncio.gather(*later)

    run(main())


def test_a_stopping_server_answers_the_posts_it_holds_for_a_reply() -> None:
    """A CLI that got its result in a POST and exits at once still acknowledges that POST:
    otherwise its sender, unanswered, would send it again to a closed port."""

    async def main() -> None:
        async with AsyncExitStack() as stack:
            inbox = Inbox()
            server: CoapServer | None = None

            async def expect(inbound: Inbound) -> None:  # a reply is coming (it never does)
                assert server is not None and inbound.sender is not None
                server.expect_reply(("id-1", inbound.sender))
                await inbox(inbound)

            server = CoapServer(
                on_inbox=expect, bind=LOCAL, port=0, precheck=lambda raw: "id-1",
                reply_key=lambda accepted, sender: (accepted, sender), reply_wait_s=30.0,
            )
            await server.start()
            c = await client(stack)
            sending = asyncio.ensure_future(c.send_particle(
                (LOCAL, server.port), b"\xa0", deadline_ms=soon(60_000), sender="peer-x"
            ))
            await inbox.wait(1)
            assert server.has_reply_slot(("id-1", "peer-x"))
            await server.stop()
            result = await asyncio.wait_for(sending, 10)
            assert result.ok and result.code == "2.04" and result.reply == b"", result
            assert result.attempts == 1

    run(main())


def test_overload_answers_503_and_the_sender_retries() -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            release = asyncio.Event()
            seen: list[bytes] = []

            async def slow(inbound: Inbound) -> None:
                seen.append(inbound.raw)
                await release.wait()

            server = await started(
                stack, on_inbox=slow, max_pending=1, limits=SenderLimits(pending_reserved=0)
            )
            c = await client(stack, backoff_max_s=0.2)
            first, second = (make_particle(bytes([i])).encode() for i in range(2))
            assert (await c.send_particle((LOCAL, server.port), first, deadline_ms=soon())).ok
            transport, udp = await UdpPeer.open(stack)
            answer = await udp.ask(
                transport, server.port, datagram(POST, payload=second, options=[CBOR]),
            )
            assert answer.code == aiocoap.SERVICE_UNAVAILABLE
            assert answer.opt.max_age == const.COAP_OVERLOAD_MAX_AGE_S
            assert answer.payload.startswith(b"overloaded:")
            asyncio.get_running_loop().call_later(0.3, release.set)
            result = await c.send_particle((LOCAL, server.port), second, deadline_ms=soon())
            assert result.ok and result.attempts >= 2, result
            assert seen == [first, second]
            assert server.stats()["overloaded"] >= 2

    run(main())


def test_a_failing_callback_is_logged_and_changes_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def explode(inbound: Inbound) -> None:
        raise RuntimeError("node bug")

    async def main() -> None:
        async with AsyncExitStack() as stack:
            server = await started(stack, on_inbox=explode)
            c = await client(stack)
            for _ in range(2):
                raw = make_particle().encode()
                assert (await c.send_particle((LOCAL, server.port), raw, deadline_ms=soon())).ok
            for _ in range(100):  # until both callbacks ran (at most 1 s)
                if server.stats()["pending"] == 0:
                    break
                await asyncio.sleep(0.01)
            assert server.stats()["pending"] == 0

    run(main())
    errors = [r for r in caplog.records
              if r.levelno == logging.ERROR and r.name == coap_server.__name__]
    assert len(errors) == 2 and "on_inbox failed" in errors[0].message


# --- lifecycle ------------------------------------------------------------------------------


def test_lifecycle_is_idempotent_and_single_use() -> None:
    async def main() -> None:
        never = CoapServer(on_inbox=Inbox(), port=0)
        await never.stop()
        with pytest.raises(NotRunning):
            await never.start()

        server = CoapServer(on_inbox=Inbox(), bind=LOCAL, port=0)
        await asyncio.gather(server.start(), server.start())
        port = server.port
        assert port != 0 and repr(server).endswith("running>")
        with pytest.raises(StartError, match="another edge-agent"):
            await CoapServer(on_inbox=Inbox(), bind="::", port=port).start()
        await server.stop()
        await server.stop()
        with pytest.raises(NotRunning):
            server.context  # noqa: B018
        # the port is free again
        async with CoapServer(on_inbox=Inbox(), bind=LOCAL, port=port):
            pass

    run(main())


def test_bad_bind_address_is_a_start_error() -> None:
    async def main() -> None:
        with pytest.raises(StartError, match="coap.bind"):
            await CoapServer(on_inbox=Inbox(), bind="192.0.2.77", port=free_port()).start()

    run(main())


def test_stop_cancels_running_callbacks() -> None:
    async def main() -> None:
        cancelled = asyncio.Event()

        async def forever(inbound: Inbound) -> None:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                cancelled.set()
                raise

        server = CoapServer(on_inbox=forever, port=0)
        await server.start()
        async with CoapClient() as c:
            assert (await c.send_particle((LOCAL, server.port), make_particle().encode(),
                                          deadline_ms=soon())).ok
            assert server.stats()["pending"] == 1
            await server.stop()
            assert cancelled.is_set() and server.stats()["pending"] == 0

    run(main())


def test_from_config() -> None:
    port = free_port()
    config = parse_config(
        f'[coap]\nbind = "127.0.0.1"\nport = {port}\n'
        "[particles]\nmax_bytes = 4096\nmax_ttl_ms = 5000\ndefault_ttl_ms = 5000\n"
        "clock_skew_ms = 0\n"
    )

    async def main() -> None:
        inbox = Inbox()
        async with CoapServer.from_config(config, on_inbox=inbox) as server:
            assert (server.bind, server.port, server.max_body_bytes) == (LOCAL, port, 4096)
            async with CoapClient() as c:
                big = make_particle(b"x" * 5000).encode()
                refused = await c.send_particle((LOCAL, port), big, deadline_ms=soon())
                assert refused.code == "4.13"

    run(main())


def test_default_status_and_a_failing_status_callback() -> None:
    def broken() -> dict[str, Any]:
        raise RuntimeError("bug in the node")

    async def main() -> None:
        async with AsyncExitStack() as stack:
            plain = await started(stack)
            failing = await started(stack, status=broken)
            c = await client(stack)
            status = await c.get_status((LOCAL, plain.port))
            assert set(status) == {"version", "uptime_s", "coap"}
            assert status["coap"]["rate_limited"] == {"requests": 0, "bodies": 0}
            with pytest.raises(RequestFailed) as failed:
                await c.get_status((LOCAL, failing.port))
            assert failed.value.code == "5.00"
            assert (await c.request((LOCAL, failing.port), "GET", ".well-known/core")).success

    run(main())


def test_status_map_round_trips_through_cbor_from_a_raw_request() -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            server = await started(stack, status=lambda: {"k": [1, 2]})
            transport, udp = await UdpPeer.open(stack)
            answer = await udp.ask(transport, server.port, datagram(GET, ("status",)))
            assert answer.code == aiocoap.CONTENT
            assert answer.opt.content_format == 60
            assert cbor2.loads(answer.payload) == {"k": [1, 2]}

    run(main())


@pytest.mark.parametrize("port", [0, "free"], ids=["port 0", "a given port"])
def test_no_other_socket_can_share_the_port(port: Any) -> None:
    """Without SO_REUSEPORT on the server's socket (aiocoap sets it by default): with it,
    another socket of this user could bind the same port -- also one the kernel picks for
    port 0 -- and get some of the datagrams meant for this server."""

    async def main() -> None:
        server = CoapServer(on_inbox=Inbox(), bind=LOCAL, port=free_port() if port == "free" else 0)
        await server.start()
        try:
            assert_port_held_alone(server.port, (LOCAL, "::"))
            assert "AIOCOAP_REUSE_PORT" not in os.environ  # the switch was put back
        finally:
            await server.stop()

    run(main())


def test_servers_started_together_share_their_ports_with_no_other_socket() -> None:
    """The switch stays off while any server binds: aiocoap reads it after awaiting its
    address lookup, so a server whose bind finished first must not put it back under
    another's."""

    async def main() -> None:
        servers = [CoapServer(on_inbox=Inbox(), bind=LOCAL, port=0) for _ in range(4)]
        await asyncio.gather(*(s.start() for s in servers))
        try:
            for server in servers:
                assert_port_held_alone(server.port)
            assert "AIOCOAP_REUSE_PORT" not in os.environ
        finally:
            for server in servers:
                await server.stop()

    run(main())

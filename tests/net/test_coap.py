"""CoAP transport: the bounded Block1 spool (no network), then server and client on loopback.

Hostile input is sent as hand-built datagrams (RFC 7252 §3), not through aiocoap's client,
so the tests see exactly what a stranger could send. Every test runs under a time limit and
stops what it starts.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import struct
import sys
import time
from collections.abc import Callable, Coroutine
from contextlib import AsyncExitStack
from typing import Any

import aiocoap
import cbor2
import pytest

from edge_agent import const, particle
from edge_agent.config import parse_config
from edge_agent.identity import KeyPair
from edge_agent.net import coap
from edge_agent.net.coap import (
    CoapClient,
    CoapReply,
    CoapServer,
    NotRunning,
    ReadOnlyResource,
    RequestFailed,
    SendOutcome,
    StartError,
    UploadResource,
)
from edge_agent.net.coap_spool import BadBlock, Block1Spool, Busy, Incomplete, TooLarge

KEY = KeyPair.from_seed(b"\x07" * 32)
LOCAL = "127.0.0.1"

# CoAP option numbers (RFC 7252 §12.2, RFC 7959 §6)
URI_PATH, CONTENT_FORMAT, ACCEPT, BLOCK1, SIZE1 = 11, 12, 17, 27, 60


def run(coro: Coroutine[Any, Any, Any], timeout: float = 60.0) -> Any:
    """Run `coro` on a fresh loop, failing if it takes longer than `timeout` seconds (a
    bound for a hang, wide enough for a Raspberry Pi: the tests take < 1 s on a PC)."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


def free_port() -> int:
    """A UDP port nothing listens on right now (v4 and v6)."""
    with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(("::", 0))
        return s.getsockname()[1]


def make_particle(
    data: bytes = b"", *, ttl_ms: int = 30_000, timestamp_ms: int | None = None
) -> particle.Particle:
    return particle.Particle.create(
        KEY, '(call %init_peer_id% ("op" "noop") [])', data, ttl_ms=ttl_ms,
        timestamp_ms=timestamp_ms,
    )


def soon(ms: int = 5_000) -> int:
    return int(time.time() * 1000) + ms


class Inbox:
    """An `on_particle` callback that records what arrives."""

    def __init__(self) -> None:
        self.items: list[tuple[bytes, tuple[str, int]]] = []
        self.arrived = asyncio.Event()

    async def __call__(self, raw: bytes, remote: tuple[str, int]) -> None:
        self.items.append((raw, remote))
        self.arrived.set()

    async def wait(self, count: int, timeout: float = 30.0) -> None:
        async def enough() -> None:
            while len(self.items) < count:
                self.arrived.clear()
                await self.arrived.wait()

        await asyncio.wait_for(enough(), timeout)


async def started(stack: AsyncExitStack, **kwargs: Any) -> CoapServer:
    kwargs.setdefault("on_particle", Inbox())
    kwargs.setdefault("bind", "::")
    kwargs.setdefault("port", 0)
    return await stack.enter_async_context(CoapServer(**kwargs))


async def client(stack: AsyncExitStack, **kwargs: Any) -> CoapClient:
    return await stack.enter_async_context(CoapClient(**kwargs))


# --- hand-built datagrams -------------------------------------------------------------------


def datagram(
    code: int,
    path: tuple[str, ...] = ("particle",),
    payload: bytes = b"",
    *,
    options: list[tuple[int, bytes]] = (),  # type: ignore[assignment]
    mid: int = 1,
    token: bytes = b"\x5a",
) -> bytes:
    """A confirmable CoAP request (RFC 7252 §3): header, token, options, payload."""
    opts = sorted([(URI_PATH, p.encode()) for p in path] + list(options), key=lambda o: o[0])
    out = bytearray(struct.pack("!BBH", 0x40 | len(token), code, mid) + token)
    last = 0
    for number, value in opts:
        delta, length = number - last, len(value)
        last = number
        head, ext = 0, b""
        for part, shift in ((delta, 4), (length, 0)):
            if part < 13:
                head |= part << shift
            elif part < 269:
                head |= 13 << shift
                ext += bytes([part - 13])
            else:
                head |= 14 << shift
                ext += struct.pack("!H", part - 269)
        out += bytes([head]) + ext + value
    if payload:
        out += b"\xff" + payload
    return bytes(out)


def uint(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big") if value else b""


def block1(number: int, more: bool, szx: int = 6) -> tuple[int, bytes]:
    return BLOCK1, uint(number << 4 | int(more) << 3 | szx)


class UdpPeer(asyncio.DatagramProtocol):
    """A bare UDP socket for sending hand-built datagrams and reading the answers."""

    def __init__(self) -> None:
        self.answers: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.answers.put_nowait(data)

    @classmethod
    async def open(cls, stack: AsyncExitStack) -> tuple[asyncio.DatagramTransport, UdpPeer]:
        loop = asyncio.get_running_loop()
        transport, peer = await loop.create_datagram_endpoint(cls, local_addr=(LOCAL, 0))
        stack.callback(transport.close)
        return transport, peer

    async def ask(
        self, transport: asyncio.DatagramTransport, port: int, data: bytes
    ) -> aiocoap.Message:
        transport.sendto(data, (LOCAL, port))
        return aiocoap.Message.decode(await asyncio.wait_for(self.answers.get(), 30.0))


# --- Block1 spool (pure) --------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def feed_all(spool: Block1Spool, key: object, body: bytes, szx: int = 2) -> bytes | None:
    size = 1 << (szx + 4)
    blocks = [body[i : i + size] for i in range(0, len(body), size)] or [b""]
    result = None
    for n, chunk in enumerate(blocks):
        result = spool.feed(key, number=n, more=n < len(blocks) - 1, size_exponent=szx,
                            payload=chunk)
    return result


def test_spool_reassembles_and_forgets() -> None:
    spool = Block1Spool(max_bytes=1000)
    body = bytes(range(256)) * 2 + b"tail"
    assert spool.feed("k", number=0, more=True, size_exponent=2, payload=body[:64]) is None
    assert len(spool) == 1 and spool.bytes_held == 64
    assert feed_all(spool, "k", body) == body
    assert len(spool) == 0 and spool.bytes_held == 0


def test_spool_single_block_passes_through_without_holding() -> None:
    spool = Block1Spool(max_bytes=100)
    assert spool.feed("k", number=0, more=False, size_exponent=6, payload=b"abc") == b"abc"
    assert len(spool) == 0


def test_spool_refuses_out_of_order_and_orphans() -> None:
    spool = Block1Spool(max_bytes=1000)
    with pytest.raises(Incomplete):
        spool.feed("k", number=3, more=True, size_exponent=2, payload=b"x" * 64)
    spool.feed("k", number=0, more=True, size_exponent=2, payload=b"x" * 64)
    with pytest.raises(Incomplete):  # a gap: block 1 is missing
        spool.feed("k", number=2, more=True, size_exponent=2, payload=b"x" * 64)
    assert len(spool) == 0 and spool.bytes_held == 0  # the broken upload is gone


def test_spool_restarts_on_a_new_first_block() -> None:
    spool = Block1Spool(max_bytes=1000)
    spool.feed("k", number=0, more=True, size_exponent=2, payload=b"a" * 64)
    spool.feed("k", number=0, more=True, size_exponent=2, payload=b"b" * 64)
    assert spool.bytes_held == 64
    assert spool.feed("k", number=1, more=False, size_exponent=2, payload=b"c") == b"b" * 64 + b"c"


def test_spool_size_limits() -> None:
    spool = Block1Spool(max_bytes=100)
    with pytest.raises(TooLarge) as announced:
        spool.feed("k", number=0, more=True, size_exponent=2, payload=b"x" * 64, size1=101)
    assert announced.value.limit == 100
    spool.feed("k", number=0, more=True, size_exponent=2, payload=b"x" * 64)
    with pytest.raises(TooLarge):
        spool.feed("k", number=1, more=True, size_exponent=2, payload=b"x" * 64)
    assert len(spool) == 0


@pytest.mark.parametrize(
    ("more", "szx", "payload"),
    [(True, 2, b"x" * 63), (True, 2, b"x" * 65), (False, 2, b"x" * 65), (True, 7, b"x" * 1024)],
)
def test_spool_bad_blocks(more: bool, szx: int, payload: bytes) -> None:
    with pytest.raises(BadBlock):
        Block1Spool(max_bytes=10_000).feed(
            "k", number=0, more=more, size_exponent=szx, payload=payload
        )


def test_spool_bounds_uploads_and_expires_idle_ones() -> None:
    clock = FakeClock()
    spool = Block1Spool(max_bytes=1000, max_uploads=2, idle_timeout_s=5, clock=clock)
    for key in ("a", "b"):
        spool.feed(key, number=0, more=True, size_exponent=2, payload=b"x" * 64)
    with pytest.raises(Busy):
        spool.feed("c", number=0, more=True, size_exponent=2, payload=b"x" * 64)
    spool.feed("a", number=1, more=True, size_exponent=2, payload=b"x" * 64)  # a goes on
    clock.now += 5
    spool.feed("c", number=0, more=True, size_exponent=2, payload=b"x" * 64)  # a, b expired
    assert len(spool) == 1 and spool.bytes_held == 64
    with pytest.raises(Incomplete):
        spool.feed("a", number=2, more=False, size_exponent=2, payload=b"x")


def test_spool_byte_budget() -> None:
    spool = Block1Spool(max_bytes=128, budget_bytes=192, max_uploads=10)
    spool.feed("a", number=0, more=True, size_exponent=2, payload=b"x" * 64)
    spool.feed("a", number=1, more=True, size_exponent=2, payload=b"x" * 64)
    with pytest.raises(Busy):  # announced size does not fit what is left
        spool.feed("b", number=0, more=True, size_exponent=2, payload=b"x" * 64, size1=128)
    spool.feed("c", number=0, more=True, size_exponent=2, payload=b"x" * 64)
    with pytest.raises(Busy):
        spool.feed("d", number=0, more=True, size_exponent=2, payload=b"x" * 64)
    assert spool.bytes_held == 192


def test_spool_budget_always_fits_one_maximal_upload() -> None:
    spool = Block1Spool(max_bytes=4096, budget_bytes=100)
    assert spool.budget_bytes == 4096
    assert feed_all(spool, "k", b"y" * 4096, szx=6) == b"y" * 4096


# --- helpers --------------------------------------------------------------------------------


def test_remote_of_unmaps_ipv4_and_names_the_scope() -> None:
    class Remote:
        def __init__(self, sockaddr: tuple[Any, ...]) -> None:
            self.sockaddr = sockaddr

    assert coap.remote_of(Remote(("::ffff:10.1.2.3", 5683, 0, 0))) == ("10.1.2.3", 5683)
    assert coap.remote_of(Remote(("2001:db8::1", 40000, 0, 0))) == ("2001:db8::1", 40000)
    lo = socket.if_indextoname(1)
    assert coap.remote_of(Remote(("fe80::1", 5683, 0, 1))) == (f"fe80::1%{lo}", 5683)
    assert coap.remote_of(Remote(("fe80::1", 5683, 0, 999_999)))[0] == "fe80::1%999999"


def test_requests_address_hosts_without_a_uri() -> None:
    msg = coap._message(("fe80::1%eth0", 5683), aiocoap.POST, ("particle",), b"x", 60, None)
    assert msg.unresolved_remote == "[fe80::1%eth0]:5683"
    assert msg.opt.uri_host is None
    assert coap._message(("10.0.0.2", 7), aiocoap.GET, ("s",), b"", None, 60).unresolved_remote \
        == "10.0.0.2:7"


@pytest.mark.parametrize("address", [("", 5683), ("::1", 0), ("::1", 70000), "::1", None])
def test_client_refuses_bad_addresses(address: Any) -> None:
    async def main() -> None:
        async with CoapClient() as c:
            with pytest.raises(ValueError):
                await c.send_particle(address, b"x", deadline_ms=soon())

    run(main())


def test_reply_diagnostics_are_clipped() -> None:
    msg = CoapReply(aiocoap.BAD_REQUEST, "é" * 500).to_message()
    assert len(msg.payload) <= const.COAP_MAX_DIAGNOSTIC_BYTES
    msg.payload.decode("utf-8")


# --- server and client on loopback ----------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
def test_particle_reaches_the_callback_with_bytes_and_sender(host: str) -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            inbox = Inbox()
            a = await started(stack, on_particle=inbox)
            b = await started(stack)  # b sends from its own listening socket
            sender = await client(stack, server=b)
            raw = make_particle(b"hello").encode()
            result = await sender.send_particle((host, a.port), raw, deadline_ms=soon())
            assert result.ok and result.code == "2.04" and result.attempts == 1
            await inbox.wait(1)
            assert inbox.items == [(raw, (host, b.port))]
            assert a.stats()["accepted"] == 1

    run(main())


def test_a_200_kb_particle_goes_through_blockwise() -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            inbox = Inbox()
            server = await started(stack, on_particle=inbox)
            raw = make_particle(os.urandom(200_000)).encode()
            c = await client(stack)
            result = await c.send_particle((LOCAL, server.port), raw, deadline_ms=soon())
            assert result.ok, result
            await inbox.wait(1)
            assert inbox.items[0][0] == raw
            assert server.stats()["uploads_in_progress"] == 0

    run(main())


def test_concurrent_large_particles_to_one_peer_stay_apart() -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            inbox = Inbox()
            server = await started(stack, on_particle=inbox)
            c = await client(stack)
            raws = [make_particle(bytes([i]) * 30_000).encode() for i in range(4)]
            results = await asyncio.gather(
                *(c.send_particle((LOCAL, server.port), r, deadline_ms=soon()) for r in raws)
            )
            assert all(r.ok for r in results), results
            await inbox.wait(4)
            assert sorted(raw for raw, _ in inbox.items) == sorted(raws)

    run(main())


def test_too_large_is_refused_with_413_and_size1() -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            inbox = Inbox()
            server = await started(stack, on_particle=inbox, max_particle_bytes=2048)
            c = await client(stack)
            raw = make_particle(b"z" * 100_000).encode()
            result = await c.send_particle((LOCAL, server.port), raw, deadline_ms=soon())
            assert result.outcome is SendOutcome.REJECTED and result.code == "4.13"
            assert result.attempts == 1 and "too_large" in result.detail
            # one datagram over the limit, no Block1
            transport, udp = await UdpPeer.open(stack)
            answer = await udp.ask(
                transport, server.port,
                datagram(int(aiocoap.POST), payload=b"\xa0" * 3000,
                         options=[(CONTENT_FORMAT, uint(60))]),
            )
            assert answer.code == aiocoap.REQUEST_ENTITY_TOO_LARGE
            assert answer.opt.size1 == 2048
            # announced by Size1 on the first block: refused before anything is spooled
            answer = await udp.ask(
                transport, server.port,
                datagram(int(aiocoap.POST), payload=b"\xa0" * 1024, mid=2,
                         options=[(CONTENT_FORMAT, uint(60)), block1(0, True),
                                  (SIZE1, uint(1_000_000))]),
            )
            assert answer.code == aiocoap.REQUEST_ENTITY_TOO_LARGE
            assert answer.opt.size1 == 2048
            assert server.stats()["uploads_in_progress"] == 0
            assert inbox.items == []

    run(main())


def test_hostile_input_gets_clear_errors_and_the_server_keeps_serving(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    post, get = int(aiocoap.POST), int(aiocoap.GET)
    cbor = (CONTENT_FORMAT, uint(60))
    cases = [  # (datagram, expected code, text in the diagnostic payload)
        (datagram(post, payload=os.urandom(300), options=[cbor]), aiocoap.BAD_REQUEST, ""),
        (datagram(post, payload=b"\xa1\x00\x01", options=[cbor]), aiocoap.BAD_REQUEST,
         "malformed"),
        (datagram(post, payload=b"\x9f" * 500, options=[cbor]), aiocoap.BAD_REQUEST, ""),
        (datagram(post, payload=b"hello", options=[(CONTENT_FORMAT, uint(0))]),
         aiocoap.UNSUPPORTED_CONTENT_FORMAT, "Content-Format must be 60"),
        (datagram(post, payload=b"hello"), aiocoap.UNSUPPORTED_CONTENT_FORMAT, "got none"),
        (datagram(get), aiocoap.METHOD_NOT_ALLOWED, ""),
        (datagram(post, payload=b"x" * 1024, options=[cbor, block1(5, True)]),
         aiocoap.REQUEST_ENTITY_INCOMPLETE, "no upload"),
        (datagram(post, payload=b"x" * 100, options=[cbor, block1(0, True)]),
         aiocoap.BAD_REQUEST, "exactly"),
        (datagram(get, ("status",), b"x" * 1024, options=[block1(0, True)]),
         aiocoap.BAD_REQUEST, "no request body"),
        (datagram(get, ("status",), options=[(ACCEPT, uint(0))]), aiocoap.NOT_ACCEPTABLE,
         "CBOR"),
        (datagram(post, ("nothing", "here"), b"x"), aiocoap.NOT_FOUND, ""),
        (datagram(post, payload=b"x", options=[cbor, (65001, b"?")]), aiocoap.BAD_OPTION,
         "65001"),
        (datagram(post, ("nothing",), options=[(1, b"\x01")]), aiocoap.BAD_OPTION, "1 not"),
        (datagram(get, ("status",), options=[(65002, b"elective")]), aiocoap.CONTENT, ""),
    ]

    async def main() -> None:
        async with AsyncExitStack() as stack:
            inbox = Inbox()
            server = await started(stack, on_particle=inbox)
            transport, udp = await UdpPeer.open(stack)
            for junk in (b"", b"\x00", b"\xff" * 40, os.urandom(1200), b"\x40\x01\x00"):
                transport.sendto(junk, (LOCAL, server.port))
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
            status = await c.get_status((LOCAL, server.port))
            assert status["coap"]["rejected"]["malformed"] >= 2

    run(main())
    refusals = [r for r in caplog.records if r.name == coap.__name__ and "refused" in r.message]
    assert sum(r.levelno == logging.WARNING for r in refusals) == 1  # then DEBUG
    aiocoap_warnings = [r for r in caplog.records
                        if r.name == coap._AIOCOAP_LOGGER and r.levelno >= logging.WARNING]
    assert len({r.msg for r in aiocoap_warnings}) == len(aiocoap_warnings)


@pytest.mark.parametrize(
    ("offset_ms", "reason"), [(-120_000, "expired"), (3_600_000, "from_the_future")]
)
def test_stale_particles_are_refused_with_the_reason(offset_ms: int, reason: str) -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            inbox = Inbox()
            server = await started(stack, on_particle=inbox)
            c = await client(stack)
            p = make_particle(ttl_ms=1_000, timestamp_ms=int(time.time() * 1000) + offset_ms)
            result = await c.send_particle((LOCAL, server.port), p.encode(), deadline_ms=soon())
            assert result.outcome is SendOutcome.REJECTED and result.code == "4.00"
            assert result.detail.startswith(f"4.00 {reason}:")
            assert inbox.items == []

    run(main())


def test_a_custom_precheck_replaces_the_envelope_check() -> None:
    def precheck(raw: bytes) -> None:
        if raw == b"replayed":
            raise particle.Replayed("particle was completed already")

    async def main() -> None:
        async with AsyncExitStack() as stack:
            inbox = Inbox()
            server = await started(stack, on_particle=inbox, precheck=precheck)
            c = await client(stack)
            assert (await c.send_particle((LOCAL, server.port), b"opaque", deadline_ms=soon())).ok
            refused = await c.send_particle((LOCAL, server.port), b"replayed", deadline_ms=soon())
            assert refused.code == "4.00" and "replay:" in refused.detail
            await inbox.wait(1)
            assert server.stats()["rejected"] == {"replay": 1}

    run(main())


def test_well_known_core_lists_the_resources() -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            server = await started(stack)
            c = await client(stack)
            response = await c.request((LOCAL, server.port), "GET", ".well-known/core")
            assert response.code == "2.05" and response.content_format == 40
            links = {link.split(";")[0]: link for link in response.payload.decode().split(",")}
            assert set(links) == {"</particle>", "</status>"}
            assert 'rt="edge-agent.particle"' in links["</particle>"]
            assert 'ct="60"' in links["</particle>"]
            assert 'rt="edge-agent.status"' in links["</status>"]
            assert 'ct="60 50"' in links["</status>"]
            filtered = await c.request(
                (LOCAL, server.port), "GET", ".well-known/core", query=["rt=edge-agent.status"]
            )
            assert filtered.payload.decode().split(";")[0] == "</status>"

    run(main())


def test_status_serves_the_callback_map_as_cbor_and_json() -> None:
    async def status() -> dict[str, Any]:
        await asyncio.sleep(0)
        return {"peer_id": KEY.peer_id, "services": ["a", "b"], "raw": b"\x01\x02",
                "counters": {"x": 1}}

    async def main() -> None:
        async with AsyncExitStack() as stack:
            server = await started(stack, status=status)
            c = await client(stack)
            assert await c.get_status(("::1", server.port)) == await status()
            as_json = await c.request((LOCAL, server.port), "GET", "status", accept=50)
            assert as_json.content_format == 50
            assert b'"peer_id": "' + KEY.peer_id.encode() in as_json.payload
            assert b'"raw": "0102"' in as_json.payload

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
            with pytest.raises(RequestFailed) as failed:
                await c.get_status((LOCAL, failing.port))
            assert failed.value.code == "5.00"
            assert (await c.request((LOCAL, failing.port), "GET", ".well-known/core")).success

    run(main())


def test_send_retries_until_a_late_server_starts() -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            port = free_port()
            inbox = Inbox()
            c = await client(stack)
            raw = make_particle(b"patience").encode()
            sending = asyncio.ensure_future(
                c.send_particle((LOCAL, port), raw, deadline_ms=soon(20_000))
            )
            began = time.monotonic()
            await asyncio.sleep(0.3)
            assert not sending.done()
            await started(stack, on_particle=inbox, port=port)
            up_after = time.monotonic() - began  # the server's start is slow on a small board
            result = await sending
            assert result.ok and result.attempts >= 2, result
            # retried within the longest backoff of the server being there (+ 1 s to spare)
            assert 0.3 <= result.elapsed_s < up_after + const.COAP_SEND_BACKOFF_MAX_S + 1.0
            await inbox.wait(1)

    run(main())


def test_send_gives_up_at_the_deadline_and_says_so() -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            c = await client(stack)
            started_at = time.monotonic()
            result = await c.send_particle(
                (LOCAL, free_port()), make_particle().encode(), deadline_ms=soon(700)
            )
            took = time.monotonic() - started_at
            assert result.outcome is SendOutcome.EXPIRED and not result.ok
            assert result.attempts >= 3 and result.code is None
            assert "deadline reached" in result.detail
            assert 0.6 <= took < 1.9  # at the deadline, before aiocoap's 2-3 s retransmission
            late = await c.send_particle((LOCAL, 9), b"x", deadline_ms=soon(-1))
            assert late.outcome is SendOutcome.EXPIRED and late.attempts == 0
            # a peer that never answers (no ICMP either): one attempt, cut at the deadline
            silent = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
            silent.bind((LOCAL, 0))
            started_at = time.monotonic()
            quiet = await c.send_particle(silent.getsockname(), b"x", deadline_ms=soon(500))
            assert quiet.outcome is SendOutcome.EXPIRED and quiet.attempts == 1
            assert "no answer from 127.0.0.1:" in quiet.detail
            assert 0.4 <= time.monotonic() - started_at < 1.9
            assert c.stats()["expired"] == 3

    run(main())


def test_overload_answers_503_and_the_sender_retries() -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            release = asyncio.Event()
            seen: list[bytes] = []

            async def slow(raw: bytes, remote: tuple[str, int]) -> None:
                seen.append(raw)
                await release.wait()

            server = await started(stack, on_particle=slow, max_pending=1)
            c = await client(stack, backoff_max_s=0.2)
            first, second = (make_particle(bytes([i])).encode() for i in range(2))
            assert (await c.send_particle((LOCAL, server.port), first, deadline_ms=soon())).ok
            transport, udp = await UdpPeer.open(stack)
            answer = await udp.ask(
                transport, server.port,
                datagram(int(aiocoap.POST), payload=second, options=[(CONTENT_FORMAT, uint(60))]),
            )
            assert answer.code == aiocoap.SERVICE_UNAVAILABLE
            assert answer.opt.max_age == const.COAP_OVERLOAD_MAX_AGE_S
            assert answer.payload.startswith(b"overloaded:")


            async def release_after_a_refusal() -> None:  # bounded: at most 30 s
                for _ in range(3000):
                    if server.stats()["overloaded"] >= 2:
                        break
                    await asyncio.sleep(0.01)
                release.set()

            releasing = asyncio.ensure_future(release_after_a_refusal())
            result = await c.send_particle((LOCAL, server.port), second, deadline_ms=soon(20_000))
            await releasing
            assert result.ok and result.attempts >= 2, result
            assert seen == [first, second]
            assert server.stats()["overloaded"] >= 2

    run(main())


def test_a_failing_callback_is_logged_and_changes_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def explode(raw: bytes, remote: tuple[str, int]) -> None:
        raise RuntimeError("node bug")

    async def main() -> None:
        async with AsyncExitStack() as stack:
            server = await started(stack, on_particle=explode)
            c = await client(stack)
            for _ in range(2):
                raw = make_particle().encode()
                assert (await c.send_particle((LOCAL, server.port), raw, deadline_ms=soon())).ok
            await asyncio.sleep(0.05)
            assert server.stats()["pending"] == 0

    run(main())
    errors = [r for r in caplog.records if r.levelno == logging.ERROR and r.name == coap.__name__]
    assert len(errors) == 2 and "on_particle failed" in errors[0].message


def test_lifecycle_is_idempotent_and_single_use() -> None:
    async def main() -> None:
        never = CoapServer(on_particle=Inbox(), port=0)
        await never.stop()
        with pytest.raises(NotRunning):
            await never.start()

        server = CoapServer(on_particle=Inbox(), bind=LOCAL, port=0)
        await asyncio.gather(server.start(), server.start())
        port = server.port
        assert port != 0 and repr(server).endswith("running>")
        with pytest.raises(StartError, match="another edge-agent"):
            await CoapServer(on_particle=Inbox(), bind="::", port=port).start()
        await server.stop()
        await server.stop()
        with pytest.raises(NotRunning):
            server.context  # noqa: B018
        # the port is free again
        async with CoapServer(on_particle=Inbox(), bind=LOCAL, port=port):
            pass

        c = CoapClient()
        with pytest.raises(NotRunning):
            await c.request((LOCAL, port), "GET", "status")
        await c.start()
        await c.start()
        await c.stop()
        await c.stop()
        with pytest.raises(NotRunning):
            await c.start()

    run(main())


def test_bad_bind_address_is_a_start_error() -> None:
    async def main() -> None:
        with pytest.raises(StartError, match="coap.bind"):
            await CoapServer(on_particle=Inbox(), bind="192.0.2.77", port=free_port()).start()

    run(main())


def test_stop_cancels_running_callbacks_and_ends_sends() -> None:
    async def main() -> None:
        cancelled = asyncio.Event()

        async def forever(raw: bytes, remote: tuple[str, int]) -> None:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                cancelled.set()
                raise

        server = CoapServer(on_particle=forever, port=0)
        await server.start()
        async with CoapClient() as c:
            assert (await c.send_particle((LOCAL, server.port), make_particle().encode(),
                                          deadline_ms=soon())).ok
            assert server.stats()["pending"] == 1
            await server.stop()
            assert cancelled.is_set() and server.stats()["pending"] == 0

    run(main())


@pytest.mark.parametrize("shared", [False, True], ids=["own context", "server's context"])
def test_stop_ends_sends_to_a_silent_peer(shared: bool) -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            silent = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
            silent.bind((LOCAL, 0))  # receives, never answers, sends no ICMP
            server = await started(stack)
            c = CoapClient(server=server if shared else None)
            await c.start()
            sending = asyncio.ensure_future(
                c.send_particle(silent.getsockname(), b"x", deadline_ms=soon(60_000))
            )
            await asyncio.sleep(0.3)
            await c.stop()
            result = await asyncio.wait_for(sending, 10.0)  # not at the deadline, 60 s away
            assert result.outcome is SendOutcome.STOPPED and result.attempts == 1
            with pytest.raises(NotRunning):
                await c.get_status((LOCAL, server.port))
            # the server (and its context) still serves
            async with CoapClient() as other:
                assert (await other.get_status((LOCAL, server.port)))["version"]

    run(main())


def test_client_shares_the_server_context_and_stops_without_closing_it() -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            inbox = Inbox()
            a = await started(stack, on_particle=inbox)
            async with CoapClient(server=a) as c:
                assert (await c.get_status((LOCAL, a.port)))["coap"]["received"] == 0
            async with CoapClient() as other:  # a still serves after its client stopped
                assert (await other.get_status((LOCAL, a.port)))["version"]

    run(main())


class Hello(ReadOnlyResource):
    rt = "test.hello"

    async def render_get(self, request: aiocoap.Message) -> aiocoap.Message:
        return aiocoap.Message(payload=b"hi", content_format=0)


class Upload(UploadResource):
    content_formats = (42,)

    def __init__(self) -> None:
        super().__init__(max_bytes=5000)
        self.bodies: list[bytes] = []

    async def accept(self, body: bytes, request: aiocoap.Message) -> aiocoap.Message:
        if body.startswith(b"no"):
            raise CoapReply(aiocoap.FORBIDDEN, "not this one")
        self.bodies.append(body)
        return aiocoap.Message(code=aiocoap.CREATED)


def test_added_resources_are_served_listed_and_bounded() -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            server = await started(stack)
            upload = Upload()
            server.add_resource("hello/world", Hello())
            server.add_resource(("deploy",), upload)
            with pytest.raises(ValueError):
                server.add_resource("particle", Hello())
            for bad in ("a//b", "a?b=c", ()):
                with pytest.raises(ValueError):
                    server.add_resource(bad, Hello())
            c = await client(stack)
            where = (LOCAL, server.port)
            assert (await c.request(where, "GET", "/hello/world")).payload == b"hi"
            wkc = (await c.request(where, "GET", ".well-known/core")).payload.decode()
            assert '</hello/world>;rt="test.hello"' in wkc and "</deploy>" in wkc
            body = os.urandom(4000)
            created = await c.request(where, "POST", "deploy", body, content_format=42)
            assert created.code == "2.01"
            assert upload.bodies == [body]
            refused = await c.request(where, "POST", "deploy", b"no!", content_format=42)
            assert refused.code == "4.03" and refused.diagnostic == "not this one"
            too_big = await c.request(where, "POST", "deploy", b"x" * 6000, content_format=42)
            assert too_big.code == "4.13"
            wrong = await c.request(where, "POST", "deploy", b"x", content_format=60)
            assert wrong.code == "4.15"
            server.remove_resource("hello/world")
            assert (await c.request(where, "GET", "hello/world")).code == "4.04"

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
        async with CoapServer.from_config(config, on_particle=inbox) as server:
            assert (server.bind, server.port, server.max_particle_bytes) == (LOCAL, port, 4096)
            async with CoapClient() as c:
                long_lived = make_particle(ttl_ms=60_000).encode()
                refused = await c.send_particle((LOCAL, port), long_lived, deadline_ms=soon())
                assert refused.code == "4.00" and "ttl" in refused.detail

    run(main())


def test_get_status_failures_say_what_happened() -> None:
    class NotCbor(ReadOnlyResource):
        async def render_get(self, request: aiocoap.Message) -> aiocoap.Message:
            return aiocoap.Message(payload=b"\xff\xff", content_format=60)

    async def main() -> None:
        async with AsyncExitStack() as stack:
            c = await client(stack)
            with pytest.raises(RequestFailed, match="Connection refused: nothing listens"):
                await c.get_status((LOCAL, free_port()), timeout=10)
            other = await started(stack)
            other._site.remove_resource(("status",))
            other._site.add_resource(("status",), NotCbor())
            with pytest.raises(RequestFailed, match="not valid CBOR"):
                await c.get_status((LOCAL, other.port))

    run(main())


def test_send_particle_cancellation_propagates() -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            c = await client(stack)
            task = asyncio.ensure_future(
                c.send_particle((LOCAL, free_port()), b"x", deadline_ms=soon(60_000))
            )
            await asyncio.sleep(0.1)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert c._limits == {}

    run(main())


def test_status_map_round_trips_through_cbor_from_a_raw_request() -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            server = await started(stack, status=lambda: {"k": [1, 2]})
            transport, udp = await UdpPeer.open(stack)
            request = datagram(int(aiocoap.GET), ("status",))
            answer = await udp.ask(transport, server.port, request)
            assert answer.code == aiocoap.CONTENT
            assert answer.opt.content_format == 60
            assert cbor2.loads(answer.payload) == {"k": [1, 2]}

    run(main())



# --- IPv6 link-local with a scope, between two network namespaces ---------------------------

_LINK_SERVER = """
import asyncio
from edge_agent.net.coap import CoapServer

async def main():
    async def got(raw, remote):
        print("GOT", raw.hex(), remote[0], remote[1], flush=True)
    async with CoapServer(on_particle=got, precheck=lambda raw: None, port=5683):
        print("READY", flush=True)
        await asyncio.sleep(300)  # the test stops it

asyncio.run(main())
"""

_LINK_CLIENT = """
import asyncio, sys, time
from edge_agent.net.coap import CoapClient, CoapServer

async def main():
    where = (sys.argv[1], 5683)
    async with CoapServer(on_particle=lambda raw, remote: None, port=5683) as server:
        async with CoapClient(server=server) as client:
            result = await client.send_particle(
                where, bytes.fromhex(sys.argv[2]), deadline_ms=int(time.time() * 1000) + 5000
            )
            print("SENT", result.outcome.value, result.code, flush=True)
            status = await client.get_status(where)
            print("ACCEPTED", status["coap"]["accepted"], flush=True)

asyncio.run(main())
"""


def test_link_local_addresses_carry_their_scope(netns_lan: Callable[..., Any]) -> None:
    lan = netns_lan(peers=2)
    a, b = lan.peers
    server = lan.spawn_python(a, "-c", _LINK_SERVER)
    server.wait_for("READY", timeout=30)
    payload = os.urandom(3000)  # Block1 over the link too
    done = lan.run(b, [sys.executable, "-c", _LINK_CLIENT, f"{a.ipv6}%{a.ifname}",
                       payload.hex()], timeout=60)
    assert "SENT delivered 2.04" in done.stdout, done.stderr
    assert "ACCEPTED 1" in done.stdout
    got = server.wait_for("^GOT ", timeout=30).split()
    assert got[1:] == [payload.hex(), f"{b.ipv6}%{b.ifname}", "5683"]

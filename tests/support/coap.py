"""Helpers for the CoAP transport tests: a recording inbox, servers and clients on loopback,
and hand-built datagrams (RFC 7252 §3) sent from bare UDP sockets, so a test sees exactly
what a stranger could send."""

from __future__ import annotations

import asyncio
import errno
import socket
import struct
import time
from collections.abc import Coroutine
from contextlib import AsyncExitStack
from typing import Any

import aiocoap

from edge_agent import particle
from edge_agent.identity import KeyPair
from edge_agent.net.coap import CoapClient, CoapServer, Inbound

KEY = KeyPair.from_seed(b"\x07" * 32)
LOCAL = "127.0.0.1"

# CoAP option numbers (RFC 7252 §12.2, RFC 7959 §6)
URI_PATH, CONTENT_FORMAT, ACCEPT, BLOCK1, SIZE1 = 11, 12, 17, 27, 60
CBOR = (CONTENT_FORMAT, b"\x3c")


def run(coro: Coroutine[Any, Any, Any], timeout: float = 10.0) -> Any:
    """Run `coro` on a fresh loop, failing if it takes longer than `timeout` seconds."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


def assert_port_held_alone(port: int, hosts: tuple[str, ...] = (LOCAL,)) -> None:
    """No other socket, even one with SO_REUSEPORT, can bind `port` on any of `hosts` (a
    server's socket without SO_REUSEPORT: with it, they would share its datagrams)."""
    for host in hosts:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_DGRAM) as other:
            other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            try:
                other.bind((host, port))
            except OSError as exc:
                assert exc.errno == errno.EADDRINUSE, exc
            else:
                raise AssertionError(f"another socket could bind {host} port {port}")


def free_port() -> int:
    """A UDP port nothing listens on right now (v4 and v6)."""
    with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(("::", 0))
        return int(s.getsockname()[1])


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
    """An `on_inbox` callback that records what arrives."""

    def __init__(self) -> None:
        self.items: list[tuple[bytes, tuple[str, int]]] = []
        self.inbound: list[Inbound] = []
        self.arrived = asyncio.Event()

    async def __call__(self, inbound: Inbound) -> None:
        self.items.append((inbound.raw, inbound.remote))
        self.inbound.append(inbound)
        self.arrived.set()

    async def wait(self, count: int, timeout: float = 3.0) -> None:
        async def enough() -> None:
            while len(self.items) < count:
                self.arrived.clear()
                await self.arrived.wait()

        await asyncio.wait_for(enough(), timeout)


async def ignore(inbound: Inbound) -> None:
    """An `on_inbox` that drops everything."""


async def started(stack: AsyncExitStack, **kwargs: Any) -> CoapServer:
    kwargs.setdefault("on_inbox", Inbox())
    kwargs.setdefault("bind", "::")
    kwargs.setdefault("port", 0)
    return await stack.enter_async_context(CoapServer(**kwargs))


async def client(stack: AsyncExitStack, **kwargs: Any) -> CoapClient:
    return await stack.enter_async_context(CoapClient(**kwargs))


def datagram(
    code: int,
    path: tuple[str, ...] = ("particle",),
    payload: bytes = b"",
    *,
    options: list[tuple[int, bytes]] | tuple[()] = (),
    mid: int = 1,
    token: bytes = b"\x5a",
    mtype: int = 0,
) -> bytes:
    """A CoAP request (RFC 7252 §3), confirmable unless `mtype` says otherwise."""
    opts = sorted([(URI_PATH, p.encode()) for p in path] + list(options), key=lambda o: o[0])
    out = bytearray(struct.pack("!BBH", 0x40 | mtype << 4 | len(token), code, mid) + token)
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
    async def open(
        cls, stack: AsyncExitStack, host: str = LOCAL
    ) -> tuple[asyncio.DatagramTransport, UdpPeer]:
        loop = asyncio.get_running_loop()
        transport, peer = await loop.create_datagram_endpoint(cls, local_addr=(host, 0))
        stack.callback(transport.close)
        return transport, peer

    async def ask(
        self, transport: asyncio.DatagramTransport, port: int, data: bytes, timeout: float = 2.0
    ) -> aiocoap.Message:
        transport.sendto(data, (LOCAL, port))
        return aiocoap.Message.decode(await asyncio.wait_for(self.answers.get(), timeout))

    def drain(self) -> list[aiocoap.Message]:
        """The answers received so far."""
        out = []
        while not self.answers.empty():
            out.append(aiocoap.Message.decode(self.answers.get_nowait()))
        return out

"""aiocoap's ``udp6`` transport on an IPv4 socket, for hosts without IPv6 (``ipv6.disable=1``).

aiocoap 0.4 serves UDP through ``udp6`` alone: one AF_INET6 socket that reaches IPv4 peers
by v4-mapped addresses, which cannot be made where the kernel has no IPv6 (EAFNOSUPPORT;
aiocoap issues 112, 129, 222). Its other UDP transports do not fit an agent: ``simple6``
is client-only with a socket per peer (peers would see another source port than the one we
listen on, and answer there), and ``simplesocketserver`` refuses the any-address and gets no
ICMP errors. So this module runs udp6's own `MessageInterfaceUDP6` on an AF_INET socket:

- IP_PKTINFO and IP_RECVERR stand in for IPV6_RECVPKTINFO and IPV6_RECVERR (so responses
  leave from the address a request came to, and ICMP port unreachable ends an exchange);
- every address aiocoap sees is in v4-mapped form (``::ffff:a.b.c.d``, with IPv6 pktinfo),
  exactly as udp6 shows IPv4 peers on a dual-stack host, so aiocoap and the rest of this
  package work unchanged. Only the edges translate: what recvmsg returns, what sendmsg gets,
  and how a destination is resolved (IPv4 only: an IPv6 one is a `ResolutionError`).

What the kernel does with the translated data is what it does for udp6's v4-mapped sends
(ip_cmsg_send takes IPV6_PKTINFO's mapped address and interface the same way). Linux only.
Like `coap_compat`, this relies on aiocoap internals (`Context`'s transport list, udp6's
callbacks), checked by `coap_compat.missing_hooks`, and was written against aiocoap 0.4.17's
udp6; multicast is not joined here.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import struct
from collections.abc import Iterable
from typing import Any

import aiocoap
import aiocoap.error
import aiocoap.interfaces
from aiocoap import defaults
from aiocoap.numbers import COAP_PORT
from aiocoap.transports.udp6 import MessageInterfaceUDP6, UDP6EndpointAddress
from aiocoap.util import hostportsplit, socknumbers
from aiocoap.util.asyncio.recvmsg import create_recvmsg_datagram_endpoint

__all__ = [
    "ANY",
    "MessageInterfaceUDP4",
    "ancdata_as_ipv6",
    "create_client_context",
    "create_server_context",
    "mapped",
    "pktinfo_as_ipv4",
    "plain",
]

ANY = "0.0.0.0"
"""Every IPv4 address of this host: what '::' means where there is no IPv6."""
IP_PKTINFO = 8
"""<linux/in.h>: a datagram's destination address and interface (Python 3.11's socket
module lacks the name)."""
_IN_PKTINFO = struct.Struct("@i4s4s")
"""struct in_pktinfo (ip(7)): interface index, local address (spec_dst), header destination."""
_IN6_PKTINFO = struct.Struct("16sI")
"""struct in6_pktinfo (RFC 3542 §6.1): address, interface index -- what udp6 keeps."""
_MAPPED_PREFIX = "::ffff:"
_MAPPED_BYTES = bytes(10) + b"\xff\xff"
_NO_ADDRESS = bytes(4)


def mapped(address: tuple[Any, ...]) -> tuple[str, int, int, int]:
    """An AF_INET socket address (host, port) as udp6 shows it: v4-mapped, flow and scope 0."""
    return _MAPPED_PREFIX + address[0], int(address[1]), 0, 0


def plain(sockaddr: tuple[Any, ...]) -> tuple[str, int]:
    """The AF_INET socket address of a v4-mapped one (`mapped`'s inverse).

    ValueError for any other IPv6 address: it cannot be reached from an IPv4 socket (our
    `determine_remote` makes none, so this is a peer's reply address gone wrong)."""
    host = str(sockaddr[0])
    if host.startswith(_MAPPED_PREFIX) and "." in host:
        return host[len(_MAPPED_PREFIX):], int(sockaddr[1])
    raise ValueError(f"{host} is an IPv6 address, and this host has no IPv6")


def ancdata_as_ipv6(ancdata: Iterable[tuple[int, int, bytes]]) -> list[tuple[int, int, bytes]]:
    """IPv4 control messages as udp6 gets them on a dual-stack socket: IP_PKTINFO as
    IPV6_PKTINFO (the header destination, v4-mapped), IP_RECVERR as IPV6_RECVERR (the same
    sock_extended_err); others unchanged."""
    out = []
    for level, kind, data in ancdata:
        if level == socket.IPPROTO_IP and kind == IP_PKTINFO:
            ifindex, _local, destination = _IN_PKTINFO.unpack_from(data)
            data = _IN6_PKTINFO.pack(_MAPPED_BYTES + destination, ifindex)
            level, kind = socket.IPPROTO_IPV6, socket.IPV6_PKTINFO
        elif level == socket.IPPROTO_IP and kind == socknumbers.IP_RECVERR:
            level, kind = socket.IPPROTO_IPV6, socknumbers.IPV6_RECVERR
        out.append((level, kind, data))
    return out


def pktinfo_as_ipv4(pktinfo: bytes) -> bytes:
    """udp6's in6_pktinfo (a v4-mapped source address and an interface) as the in_pktinfo
    that sends from that address over that interface (ip(7): ipi_spec_dst, ipi_ifindex)."""
    address, ifindex = _IN6_PKTINFO.unpack_from(pktinfo)
    return _IN_PKTINFO.pack(ifindex, address[12:], _NO_ADDRESS)


class MessageInterfaceUDP4(MessageInterfaceUDP6):
    """udp6's message interface over an AF_INET socket (see the module docstring)."""

    @classmethod
    async def create_endpoint(
        cls, ctx: aiocoap.interfaces.MessageManager, log: Any, loop: asyncio.AbstractEventLoop,
        bind: tuple[str, int],
    ) -> MessageInterfaceUDP4:
        """Listen on UDP `bind` (an IPv4 literal and a port, 0 for any free one)."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            if defaults.has_reuse_port():  # as udp6 does (coap_listen turns it off for both)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
            if socknumbers.HAS_RECVERR:
                sock.setsockopt(socket.IPPROTO_IP, socknumbers.IP_RECVERR, 1)
            sock.bind(bind)
        except BaseException:
            sock.close()
            raise
        _, protocol = await create_recvmsg_datagram_endpoint(
            loop, lambda: cls(ctx, log=log, loop=loop), sock=sock
        )
        await protocol.ready
        return protocol

    def datagram_msg_received(self, data: bytes, ancdata: Any, flags: int, address: Any) -> None:
        super().datagram_msg_received(data, ancdata_as_ipv6(ancdata), flags, mapped(address))

    def datagram_errqueue_received(self, data: bytes, ancdata: Any, flags: int, address: Any) -> None:
        super().datagram_errqueue_received(data, ancdata_as_ipv6(ancdata), flags, mapped(address))

    def send(self, message: aiocoap.Message) -> None:
        remote = message.remote
        ancdata = []
        if remote.pktinfo is not None:
            ancdata.append((socket.IPPROTO_IP, IP_PKTINFO, pktinfo_as_ipv4(remote.pktinfo)))
        # As udp6: error_received learns whom a failed send was for from this variable.
        self._remote_being_sent_to.set(remote)
        try:
            self.transport.sendmsg(message.encode(), ancdata, 0, plain(remote.sockaddr))
        finally:
            self._remote_being_sent_to.set(None)

    async def determine_remote(self, request: aiocoap.Message) -> UDP6EndpointAddress | None:
        """The remote for a request to an IPv4 literal (or a name with an IPv4 address)."""
        if request.requested_scheme not in ("coap", None):
            return None
        if request.unresolved_remote is not None:
            host, port = hostportsplit(request.unresolved_remote)
        elif request.opt.uri_host:
            host, port = request.opt.uri_host.strip("[]"), request.opt.uri_port
        else:
            raise ValueError("No location found to send message to (no remote, no Uri-Host)")
        ip = await self._resolve(host, port or COAP_PORT)
        result = UDP6EndpointAddress(mapped(ip), self)
        if request.remote.maximum_block_size_exp < result.maximum_block_size_exp:
            result.maximum_block_size_exp = request.remote.maximum_block_size_exp
        return result

    async def _resolve(self, host: str, port: int) -> tuple[str, int]:
        try:
            return str(ipaddress.IPv4Address(host)), port
        except ValueError:
            pass
        if ":" in host:
            raise aiocoap.error.ResolutionError(
                f"{host} is an IPv6 address, and this host has no IPv6"
            )
        try:
            infos = await self.loop.getaddrinfo(host, port, family=socket.AF_INET, type=socket.SOCK_DGRAM)
        except socket.gaierror:
            infos = []
        if not infos:
            raise aiocoap.error.ResolutionError(f"No IPv4 address found for requests to {host!r}")
        return str(infos[0][4][0]), port


async def create_server_context(
    site: Any, bind: tuple[str, int], *, loggername: str
) -> aiocoap.Context:
    """What ``Context.create_server_context(site, bind, transports=["udp6"])`` makes, on
    an IPv4 socket."""
    return await _context(site, bind, loggername)


async def create_client_context(*, loggername: str) -> aiocoap.Context:
    """What ``Context.create_client_context(transports=["udp6"])`` makes, on an IPv4
    socket (any address, a free port)."""
    return await _context(None, (ANY, 0), loggername)


async def _context(site: Any, bind: tuple[str, int], loggername: str) -> aiocoap.Context:
    loop = asyncio.get_running_loop()
    ctx = aiocoap.Context(loop=loop, serversite=site, loggername=loggername)
    await ctx._append_tokenmanaged_messagemanaged_transport(
        lambda manager: MessageInterfaceUDP4.create_endpoint(manager, ctx.log, loop, bind)
    )
    return ctx

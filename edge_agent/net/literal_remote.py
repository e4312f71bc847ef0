"""aiocoap's remote for an IP literal, made without a thread.

aiocoap finds where a request goes with `loop.getaddrinfo` and a route check, even for an
IP literal: a call in the default executor's thread. That thread needs the GIL to hand its
answer back, and while the loop is busy (strangers' runs, a flood) the loop's thread lets
go of the GIL only for its select() calls and takes it back at once, so the waiting thread
rarely gets it (CPython forces a switch only after 5 ms without one). Measured on loopback:
a challenge's GET to a CLI's new port took 0.9 s to leave while three strangers' folds ran,
against half a millisecond idle -- the first request to every new address paid it, and a
laptop's call ran out of its ttl on a slow board (issue 14).

Peers are addressed by IP literals (the address book holds nothing else), so the remote is
built here, the way aiocoap's UDP6 transport builds it after resolving: an IPv4 address as
IPv4-mapped IPv6, the zone of a link-local address as its scope id and as the outgoing
interface. Anything else (a host name, an unknown zone, another transport: coap_udp4 takes
IPv4 literals without a thread already) returns None and aiocoap resolves it as before.
tests/net/test_literal_remote.py holds this to what aiocoap's own resolution gives.
"""

from __future__ import annotations

import socket
from typing import Any

from aiocoap.transports import udp6

__all__ = ["literal_remote"]


def literal_remote(ctx: Any, host: str, port: int) -> Any | None:
    """The `UDP6EndpointAddress` of `host` (an IP literal, maybe with a %zone) and `port` on
    `ctx`'s UDP transport, or None where aiocoap should resolve it itself."""
    interface = _udp6_interface(ctx)
    if interface is None:
        return None
    address, _, zone = host.partition("%")
    try:
        if ":" in address:
            ip = socket.inet_ntop(socket.AF_INET6, socket.inet_pton(socket.AF_INET6, address))
        else:
            ip = "::ffff:" + socket.inet_ntop(socket.AF_INET, socket.inet_pton(socket.AF_INET, address))
        scope = _scope_id(zone) if zone else 0
    except (OSError, ValueError):
        return None
    pktinfo = None
    if scope:  # as aiocoap does: Linux needs the interface in the local part to send
        unspecified = udp6._ipv4_unspecified if ip.startswith("::ffff:") else udp6._ipv6_unspecified
        pktinfo = udp6.InterfaceOnlyPktinfo(udp6._in6_pktinfo.pack(unspecified, scope))
    return udp6.UDP6EndpointAddress((ip, port, 0, scope), interface, pktinfo=pktinfo)


def _scope_id(zone: str) -> int:
    return int(zone) if zone.isdigit() else socket.if_nametoindex(zone)


def _udp6_interface(ctx: Any) -> Any | None:
    for requests in getattr(ctx, "request_interfaces", ()):
        messages = getattr(getattr(requests, "token_interface", None), "message_interface", None)
        if type(messages) is udp6.MessageInterfaceUDP6:  # not coap_udp4's, which needs no help
            return messages
    return None

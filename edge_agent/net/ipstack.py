"""Whether this host has IPv6: the one question the network edges ask before opening sockets.

Raspberry Pi users often boot with ``ipv6.disable=1``; then every ``socket(AF_INET6, ...)``
fails with EAFNOSUPPORT, and the CoAP server and mDNS must run on IPv4 alone. Asked when
a server, client or discovery starts (one socket opened and closed), never per packet.
Imports no network library.
"""

from __future__ import annotations

import errno
import socket

__all__ = ["ipv6_unavailable"]

_NO_IPV6 = frozenset({errno.EAFNOSUPPORT, errno.EPROTONOSUPPORT})
"""What socket(AF_INET6) fails with where the kernel has no IPv6 (disabled or not built)."""


def ipv6_unavailable() -> str | None:
    """Why this host cannot open IPv6 sockets (e.g. "socket(AF_INET6): Address family not
    supported by protocol"), or None if it can. Other failures (out of file descriptors)
    are not a missing IPv6: None, and opening the real socket reports them."""
    try:
        socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).close()
    except OSError as exc:
        if exc.errno in _NO_IPV6:
            return f"socket(AF_INET6): {exc.strerror}"
    return None

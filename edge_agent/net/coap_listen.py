"""Where and how the CoAP server listens: the address and socket for `coap.bind` and
`coap.port`, checked before aiocoap opens it, and every failure a `StartError` that says what
to change.

On a dual-stack host aiocoap's udp6 transport listens on one AF_INET6 socket (IPv4 peers as
v4-mapped addresses). On a host without IPv6 (``ipv6.disable=1``) '::' stands for every IPv4
address (0.0.0.0) and `coap_udp4` listens on an AF_INET socket; an IPv6 address there is a
`StartError`.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import logging
import os
import socket
from collections.abc import Iterator

import aiocoap
import aiocoap.error
import aiocoap.interfaces

from edge_agent.net import coap_compat, coap_udp4
from edge_agent.net.coap_common import StartError, hostport
from edge_agent.net.ipstack import ipv6_unavailable

__all__ = ["listen"]

log = logging.getLogger(__name__)


async def listen(
    site: aiocoap.interfaces.Resource, bind: str, port: int
) -> tuple[aiocoap.Context, str, int]:
    """An aiocoap server context serving `site` on UDP `bind`:`port` (port 0: any free one),
    with the address and port it listens on; `StartError` if that is impossible."""
    bind, family = _listen_on(bind, port)
    _check_port_free(bind, port, family)
    try:
        ctx = await _server_context(site, (bind, port), family)
    except (OSError, aiocoap.error.Error) as exc:
        raise StartError(
            f"cannot listen for CoAP on UDP {hostport(bind, port)}: {exc}. Check `coap.bind` "
            f"(an address of this host, or '::') and `coap.port` in the configuration"
        ) from exc
    return ctx, bind, _bound_port(ctx, port)


def _bound_port(ctx: aiocoap.Context, asked: int) -> int:
    try:
        return coap_compat.local_port(ctx)
    except LookupError:
        if asked == 0:
            raise StartError("cannot tell which port the OS picked; configure a port") from None
        return asked


def _listen_on(bind: str, port: int) -> tuple[str, socket.AddressFamily]:
    """(the address to bind, the socket family): `bind` itself on the dual-stack AF_INET6
    socket aiocoap's udp6 transport uses -- or, where this host has no IPv6, the IPv4
    address `bind` stands for, on an AF_INET socket (`coap_udp4`)."""
    missing = ipv6_unavailable()
    if missing is None:
        return bind, socket.AF_INET6
    try:
        address = ipaddress.ip_address(bind)
    except ValueError:  # a host name: its IPv4 address, if it has one
        return bind, socket.AF_INET
    if isinstance(address, ipaddress.IPv4Address):
        return bind, socket.AF_INET
    if address.ipv4_mapped is not None:
        return str(address.ipv4_mapped), socket.AF_INET
    if address.is_unspecified:
        log.info("IPv6 is unavailable on this host (%s): CoAP listens on IPv4 only", missing)
        return coap_udp4.ANY, socket.AF_INET
    raise StartError(
        f"cannot listen for CoAP on UDP {hostport(bind, port)}: IPv6 is unavailable on this "
        f"host ({missing}). Set `coap.bind` to an IPv4 address of this host, or to '::' or "
        f"'0.0.0.0' for all"
    )


async def _server_context(
    site: aiocoap.interfaces.Resource, bind: tuple[str, int], family: socket.AddressFamily
) -> aiocoap.Context:
    with _no_reuse_port():
        return await _create(site, bind, family)


@contextlib.contextmanager
def _no_reuse_port() -> Iterator[None]:
    """Bind without SO_REUSEPORT (aiocoap's default, for CoAP multicast, which we do not use;
    its documented switch is the environment variable AIOCOAP_REUSE_PORT). With it, two
    sockets of one user may share a port, and each gets some of the other's datagrams: also
    a port the kernel picks for port 0, as for every CLI command and test node -- under
    emulation two test nodes got one port and answered each other's challenges.

    aiocoap reads the switch only after awaiting its address lookup, so it stays off until
    the last of the binds going on together is done, and only then is put back as it was."""
    global _binding, _before
    if _binding == 0:
        _before = os.environ.get(_REUSE_PORT)
        os.environ[_REUSE_PORT] = "0"
    _binding += 1
    try:
        yield
    finally:
        _binding -= 1
        if _binding == 0:
            if _before is None:
                del os.environ[_REUSE_PORT]
            else:
                os.environ[_REUSE_PORT] = _before


_REUSE_PORT = "AIOCOAP_REUSE_PORT"
_binding = 0  # binds in progress in this process
_before: str | None = None  # the switch as it was before the first of them


async def _create(
    site: aiocoap.interfaces.Resource, bind: tuple[str, int], family: socket.AddressFamily
) -> aiocoap.Context:
    if family == socket.AF_INET:
        return await coap_udp4.create_server_context(
            site, bind, loggername=coap_compat.AIOCOAP_LOGGER
        )
    # transports=["udp6"]: UDP only; with a bind address aiocoap would also open TCP by
    # default (design.md §4).
    return await aiocoap.Context.create_server_context(
        site, bind=bind, transports=["udp6"], loggername=coap_compat.AIOCOAP_LOGGER
    )


def _check_port_free(bind: str, port: int, family: socket.AddressFamily = socket.AF_INET6) -> None:
    """`StartError` if another process listens on the port.

    A plain bind (no reuse) fails while the port is held: the error says what to change,
    where aiocoap's would not.
    """
    if port == 0:
        return
    flags = socket.AI_V4MAPPED if family == socket.AF_INET6 else 0
    try:
        infos = socket.getaddrinfo(bind, port, family, socket.SOCK_DGRAM, 0, flags)
    except socket.gaierror as exc:
        raise StartError(
            f"cannot listen for CoAP on {bind!r}: {exc.strerror}. Set `coap.bind` to an "
            f"address of this host, or '::' for all"
        ) from exc
    with socket.socket(family, socket.SOCK_DGRAM) as probe:
        if family == socket.AF_INET6:
            probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        try:
            probe.bind(infos[0][4])
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                hint = "Is another edge-agent running? Otherwise choose another `coap.port`"
            elif exc.errno == errno.EADDRNOTAVAIL:
                hint = f"{bind} is not an address of this host: check `coap.bind` ('::' is all)"
            else:
                hint = "Check `coap.bind` and `coap.port` in the configuration"
            raise StartError(
                f"cannot listen for CoAP on UDP {hostport(bind, port)}: {exc.strerror}. {hint}"
            ) from exc

"""What the CoAP server, its resources and the client share: names on the wire, errors,
the `CoapReply` refusal, and peer endpoints as ``(host, port)``.

Nothing here does I/O or keeps state; it knows no particle (a body the inbox takes is bytes).
"""

from __future__ import annotations

import asyncio
import enum
import errno as errno_codes
import functools
import ipaddress
import logging
import socket
from collections.abc import Sequence
from typing import Any

import aiocoap
import aiocoap.error
import aiocoap.util
from aiocoap import optiontypes
from aiocoap.numbers.codes import Code
from aiocoap.numbers.optionnumbers import OptionNumber

from edge_agent import const
from edge_agent.errors import LocalError, RemoteError
from edge_agent.logutil import OnceLog
from edge_agent.net.addressbook import Address

__all__ = [
    "CT_CBOR",
    "CT_JSON",
    "HOP_TAG_OPTION",
    "PARTICLE_PATH",
    "RT_PARTICLE",
    "RT_STATUS",
    "SENDER_QUERY",
    "STATUS_PATH",
    "WELL_KNOWN_CORE_PATH",
    "CoapReply",
    "NotRunning",
    "RefuseCode",
    "Refused",
    "Remote",
    "RequestFailed",
    "StartError",
    "State",
    "clip",
    "close_context",
    "destination",
    "host_of_sockaddr",
    "hop_tag_of",
    "hostport",
    "is_loopback",
    "log_unparsable",
    "remote_of",
    "resource_path",
    "with_hop_tag",
]

CT_CBOR = 60
"""application/cbor (RFC 8949 §9.5, CoAP Content-Formats registry)."""
CT_JSON = 50
"""application/json (RFC 7252 §12.3)."""

PARTICLE_PATH = ("particle",)
"""The inbox: where peers POST particles."""
STATUS_PATH = ("status",)
WELL_KNOWN_CORE_PATH = (".well-known", "core")
RT_PARTICLE = "edge-agent.particle"
"""Resource type of the inbox in /.well-known/core."""
RT_STATUS = "edge-agent.status"
"""Resource type of the status resource in /.well-known/core."""
SENDER_QUERY = "from"
"""Uri-Query key of the sender hint on a POST to the inbox (``from=<peer id>``)."""

HOP_TAG_OPTION = OptionNumber(65000)
"""The CoAP option that carries a copy's hop tag (edge_agent/hop.py), on an inbox POST and on
a response that holds a copy: elective and safe to forward, from the range RFC 7252 §12.2
sets aside for experiments. A peer that does not know it ignores it."""

Remote = tuple[str, int]
"""A peer's UDP endpoint: (IPv4 literal, or IPv6 literal with ``%scope`` if link-local, port)."""


class State(enum.Enum):
    """Lifecycle of a `CoapServer` or `CoapClient`: it runs once (NEW → RUNNING → STOPPED)."""

    NEW = "new"
    RUNNING = "running"
    STOPPED = "stopped"

    def needs_start(self, what: str) -> bool:
        """Whether `start()` has work to do: False if running; `NotRunning` once stopped."""
        if self is State.STOPPED:
            raise NotRunning(f"a stopped {what} cannot start again; make a new one")
        return self is State.NEW


# --- errors ---------------------------------------------------------------------------------


class StartError(LocalError):
    """The server could not start listening (port taken, address not on this host)."""


class NotRunning(LocalError):
    """The server or client is used before `start()` or after `stop()`."""


class RequestFailed(RemoteError):
    """A request got no usable answer: no answer in time, unreachable, or an error code.

    `code` is the CoAP response code ("4.04") when there was an answer, else None; `errno`
    the OS error the network reported instead (ECONNREFUSED for ICMP port unreachable), if
    any.
    """

    def __init__(self, message: str, *, code: str | None = None, errno: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.errno = errno

    @property
    def port_closed(self) -> bool:
        """Nothing listens at the address now: its host answered ICMP port unreachable
        (RFC 1122 §4.1.3.1), seen as ECONNREFUSED. Quick to learn, so asking again later
        (after the peer restarted) costs little."""
        return self.errno == errno_codes.ECONNREFUSED


class RefuseCode(enum.Enum):
    """How a refused inbox body is answered (the precheck's choice; no aiocoap needed)."""

    BAD_REQUEST = "4.00"
    """Wrong as it is: sending it again will not help."""
    TOO_LARGE = "4.13"
    """Over the size limit; the answer carries Size1 = the limit (RFC 7959 §2.9.3)."""
    BUSY = "5.03"
    """Not now; the answer carries Max-Age, after which the sender may retry."""


class Refused(RemoteError):
    """Raised by an inbox precheck to refuse a body (see `CoapServer`).

    `counter` names the refusal in the server's ``stats()["rejected"]`` and starts the
    diagnostic payload (``"<counter>: <detail>"``, which the CLI shows); `code` says how it
    is answered.
    """

    def __init__(self, counter: str, detail: str, *, code: RefuseCode = RefuseCode.BAD_REQUEST):
        super().__init__(detail)
        self.counter = counter
        self.code = code


class CoapReply(aiocoap.error.ConstructionRenderableError):
    """An answer other than plain success, raised in a resource; renders itself (RFC 7252).

    `diagnostic` becomes the UTF-8 diagnostic payload (RFC 7252 §5.5.2, clipped to
    `const.COAP_MAX_DIAGNOSTIC_BYTES`); `size1` and `max_age` set those options, e.g. the
    largest body accepted on 4.13 (RFC 7959 §2.9.3) and the retry delay on 5.03.
    """

    def __init__(
        self,
        code: Code,
        diagnostic: str = "",
        *,
        size1: int | None = None,
        max_age: int | None = None,
    ) -> None:
        super().__init__(clip(diagnostic))
        self.code = code
        self.size1 = size1
        self.max_age = max_age

    def to_message(self) -> aiocoap.Message:
        message = aiocoap.Message(code=self.code, payload=self.message.encode("utf-8"))
        if self.size1 is not None:
            message.opt.size1 = self.size1
        if self.max_age is not None:
            message.opt.max_age = self.max_age
        return message

    def __repr__(self) -> str:
        return f"CoapReply({self.code.dotted}, {self.message!r})"


# --- helpers --------------------------------------------------------------------------------


def clip(text: str, limit: int = const.COAP_MAX_DIAGNOSTIC_BYTES) -> str:
    """`text` cut to at most `limit` UTF-8 bytes (with "..." when cut)."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", "ignore") + "..."


def hostport(host: str, port: int) -> str:
    """``host:port``, with brackets around an IPv6 host."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def hop_tag_of(message: aiocoap.Message) -> bytes | None:
    """The hop tag a message carries (the first, if a peer sent several), or None."""
    options = message.opt.get_option(HOP_TAG_OPTION)
    return bytes(options[0].value) if options else None


def with_hop_tag(message: aiocoap.Message, tag: bytes | None) -> aiocoap.Message:
    """`message`, carrying `tag` if there is one."""
    if tag is not None:
        message.opt.add_option(optiontypes.OpaqueOption(HOP_TAG_OPTION, tag))
    return message


def remote_of(remote: Any) -> Remote:
    """(host, port) of an aiocoap remote: IPv4 unmapped, IPv6 link-local with ``%scope``."""
    sockaddr = getattr(remote, "sockaddr", None)
    if isinstance(sockaddr, tuple) and len(sockaddr) >= 2:
        return host_of_sockaddr(sockaddr), int(sockaddr[1])
    host, port = aiocoap.util.hostportsplit(remote.hostinfo)  # other transports
    return host, port or const.COAP_DEFAULT_PORT


def host_of_sockaddr(sockaddr: tuple[Any, ...]) -> str:
    """The host of a socket address as a peer is addressed: IPv4 unmapped, scope by name."""
    return _canonical_host(str(sockaddr[0]), sockaddr[3] if len(sockaddr) >= 4 else 0)


@functools.lru_cache(maxsize=const.COAP_MAX_RESOLVED_REMOTES)
def _canonical_host(text: str, scope: int) -> str:
    """`host_of_sockaddr` for one (host text, scope id): parsed once per remote, not per datagram."""
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return text
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    if scope and address.is_link_local:
        try:
            return f"{address}%{socket.if_indextoname(scope)}"
        except OSError:
            return f"{address}%{scope}"
    return str(address)


def is_loopback(remote: Remote) -> bool:
    """Whether `remote` is on this host (127.0.0.0/8 or ::1): the default trusted sender."""
    return _is_loopback_host(remote[0])


@functools.lru_cache(maxsize=const.COAP_MAX_RESOLVED_REMOTES)
def _is_loopback_host(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def destination(address: Remote | Address) -> Remote:
    """A validated (host, port); `InvalidAddress` (a ValueError) if it is not one."""
    if isinstance(address, Address):
        return address.host, address.port
    try:
        host, port = address
    except (TypeError, ValueError):
        raise ValueError(f"an address is (host, port), got {address!r}") from None
    checked = Address(host, port)
    return checked.host, checked.port


def resource_path(path: str | Sequence[str]) -> tuple[str, ...]:
    """Path segments of "a/b", "/a/b" or ("a", "b"); ValueError for empty or query-like ones."""
    segments = tuple(path.strip("/").split("/")) if isinstance(path, str) else tuple(path)
    if not segments or any(not isinstance(s, str) or not s or "?" in s for s in segments):
        raise ValueError(f"a resource path needs non-empty segments, got {path!r}")
    return segments


async def close_context(ctx: aiocoap.Context, log: logging.Logger) -> None:
    """Shut an aiocoap context down within `COAP_STOP_TIMEOUT_S`; never raises (stopping
    must not fail halfway)."""
    try:
        await asyncio.wait_for(ctx.shutdown(), const.COAP_STOP_TIMEOUT_S)
    except Exception:  # noqa: BLE001
        log.exception("aiocoap shutdown failed")


def log_unparsable(warn: OnceLog, address: Any, exc: Exception) -> None:
    """Log (once per sender) a datagram aiocoap's decoder choked on."""
    host = host_of_sockaddr(address) if isinstance(address, tuple) else str(address)
    warn.warning(
        ("unparsable", host), "ignored a datagram from %s that is not CoAP: %s",
        host, clip(f"{type(exc).__name__}: {exc}"),
    )

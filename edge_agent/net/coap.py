"""The CoAP edge of the agent: an aiocoap server site and a client, over UDP only (RFC 7252).

Server (`CoapServer`), resources:

- ``POST /particle`` -- a particle, Content-Format 60 (application/cbor); large ones arrive
  in Block1 blocks (RFC 7959), reassembled within fixed bounds (`coap_spool`). Checks, in
  order: size (Size1 or the bytes themselves, 4.13 with Size1 = the limit), Content-Format
  (4.15), then the *envelope check* -- by default `particle.decode` and `check_fresh`, a few
  tens of microseconds -- so a malformed, expired or future-dated particle is answered 4.00
  with a diagnostic payload ``"<drop reason>: <what is wrong>"`` that a person or the CLI can
  act on. The signature, replays and the run itself are the node's: the raw bytes and the
  sender's ``(host, port)`` are handed to ``on_particle`` in a task the server owns, and the
  POST is answered 2.04 Changed at once. At most `const.COAP_MAX_PENDING_PARTICLES` callbacks
  run at a time; beyond that a POST is answered 5.03 with Max-Age, which senders retry.
- ``GET /status`` -- the map from the ``status`` callback, CBOR (60, the default) or JSON
  (50, for people) by the Accept option; anything else 4.06.
- ``GET /.well-known/core`` -- the resources in CoRE link format (RFC 6690) with rt and ct.
- anything added with `CoapServer.add_resource` (bodies by `UploadResource`, bounded too).

What a stranger sends never raises into the event loop: unknown paths get 4.04, a wrong
method 4.05, unknown critical options 4.02 (checked here: aiocoap lets them through), and
every refusal is a `CoapReply` that renders itself as the response. Peer-caused problems
are logged once at WARNING per kind and sender, then at DEBUG; aiocoap's own repeated
notices are demoted the same way.

Client (`CoapClient`): `send_particle` POSTs with retries and jittered exponential back-off
until the particle's deadline and says how it went (`SendResult`); `get_status` and
`request` do single exchanges. Given a running server, the client sends from the server's
socket, so peers see our listening port as the source and can answer there.

This module does not decode particles beyond the envelope check, run scripts or know the
node; it imports no node code.
"""

from __future__ import annotations

import asyncio
import enum
import errno
import inspect
import ipaddress
import json
import logging
import os
import random
import secrets
import socket
import time
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aiocoap
import aiocoap.error
import aiocoap.interfaces
import aiocoap.resource
import aiocoap.util
import cbor2
from aiocoap.numbers.codes import Code

from edge_agent import __version__, const, particle
from edge_agent.cborutil import CBORError, loads_one
from edge_agent.config import Config
from edge_agent.errors import LocalError, RemoteError
from edge_agent.logutil import DemoteRepeats, OnceLog
from edge_agent.net.addressbook import Address
from edge_agent.net.coap_spool import BadBlock, Block1Spool, BlockError, Busy, Incomplete
from edge_agent.net.coap_spool import TooLarge as BlockTooLarge

SENDER_QUERY = "from"
"""Uri-Query key of the sender hint on POST /particle."""

__all__ = [
    "CT_CBOR",
    "CT_JSON",
    "PARTICLE_PATH",
    "RT_PARTICLE",
    "RT_STATUS",
    "STATUS_PATH",
    "CoapClient",
    "CoapReply",
    "CoapResponse",
    "CoapServer",
    "NotRunning",
    "ReadOnlyResource",
    "RequestFailed",
    "SendOutcome",
    "SendResult",
    "StartError",
    "State",
    "UploadResource",
    "remote_of",
]

log = logging.getLogger(__name__)

CT_CBOR = 60
"""application/cbor (RFC 8949 §9.5, CoAP Content-Formats registry)."""
CT_JSON = 50
"""application/json (RFC 7252 §12.3)."""

PARTICLE_PATH = ("particle",)
STATUS_PATH = ("status",)
WELL_KNOWN_CORE_PATH = (".well-known", "core")
RT_PARTICLE = "edge-agent.particle"
"""Resource type of the particle inbox in /.well-known/core."""
RT_STATUS = "edge-agent.status"
"""Resource type of the status resource in /.well-known/core."""

_AIOCOAP_LOGGER = f"{__name__}.aiocoap"
"""aiocoap's context logger, under ours, so the agent's log level applies to it too."""
_SINGLE_BLOCK_BYTES = 1024
"""Bodies up to this size go in one datagram; larger ones in Block1 blocks (aiocoap cuts
at 1024-byte blocks, RFC 7959 §2.2 SZX 6)."""
_RETRYABLE_CODES = frozenset({"4.08", "4.29", "5.00", "5.02", "5.03", "5.04"})
"""Answers after which sending again may work: incomplete upload, too many requests, and
server-side trouble (not 5.01 Not Implemented or 5.05 Proxying Not Supported)."""
_METHODS = {"GET": Code.GET, "POST": Code.POST, "PUT": Code.PUT, "DELETE": Code.DELETE,
            "FETCH": Code.FETCH}

Remote = tuple[str, int]
"""A peer's UDP endpoint: (IPv4 literal, or IPv6 literal with ``%scope`` if link-local, port)."""
OnParticle = Callable[[bytes, Remote], Awaitable[None] | None]
StatusProvider = Callable[[], Mapping[str, Any] | Awaitable[Mapping[str, Any]]]
Precheck = Callable[[bytes], object]


# --- errors ---------------------------------------------------------------------------------


class StartError(LocalError):
    """The server could not start listening (port taken, address not on this host)."""


class NotRunning(LocalError):
    """The server or client is used before `start()` or after `stop()`."""


class RequestFailed(RemoteError):
    """A request got no usable answer: no answer in time, unreachable, or an error code.

    `code` is the CoAP response code ("4.04") when there was an answer, else None.
    """

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
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
        super().__init__(_clip(diagnostic))
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


def _clip(text: str, limit: int = const.COAP_MAX_DIAGNOSTIC_BYTES) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", "ignore") + "..."


_BLOCK_ERROR_CODES: dict[type[BlockError], Code] = {
    BlockTooLarge: Code.REQUEST_ENTITY_TOO_LARGE,
    Incomplete: Code.REQUEST_ENTITY_INCOMPLETE,
    BadBlock: Code.BAD_REQUEST,
    Busy: Code.SERVICE_UNAVAILABLE,
}


def _reply_for_block_error(exc: BlockError) -> CoapReply:
    code = _BLOCK_ERROR_CODES.get(type(exc), Code.BAD_REQUEST)
    if isinstance(exc, BlockTooLarge):
        return CoapReply(code, f"too_large: {exc}", size1=exc.limit)
    if isinstance(exc, Busy):
        return CoapReply(code, f"busy: {exc}", max_age=const.COAP_OVERLOAD_MAX_AGE_S)
    return CoapReply(code, str(exc))


# --- resources ------------------------------------------------------------------------------


class ReadOnlyResource(aiocoap.resource.Resource):
    """Base for GET-only resources: a request carrying Block1 is refused, never spooled.

    (aiocoap would otherwise reassemble the body of a GET without a bound.)
    """

    async def needs_blockwise_assembly(self, request: aiocoap.Message) -> bool:
        return request.opt.block1 is None

    async def render(self, request: aiocoap.Message) -> aiocoap.Message:
        try:
            if request.opt.block1 is not None:
                raise CoapReply(Code.BAD_REQUEST, "this resource takes no request body")
            return await super().render(request)
        except CoapReply as reply:  # rendered here: aiocoap would log each one at INFO
            return reply.to_message()


class UploadResource(aiocoap.resource.Resource):
    """Base for resources that take one request body by POST, Block1 reassembled in bounds.

    Subclasses set `content_formats` and implement `accept(body, request)`, which returns the
    final response (or raises `CoapReply`). The body is at most `max_bytes` long; uploads in
    progress are bounded by `spool` (one per resource unless shared).
    """

    content_formats: tuple[int, ...] = (CT_CBOR,)

    def __init__(self, *, max_bytes: int, spool: Block1Spool | None = None) -> None:
        super().__init__()
        self.max_bytes = max_bytes
        self.spool = spool if spool is not None else Block1Spool(max_bytes=max_bytes)

    async def needs_blockwise_assembly(self, request: aiocoap.Message) -> bool:
        return False  # Block1 is ours (bounded); the answers are small, so no Block2

    async def render(self, request: aiocoap.Message) -> aiocoap.Message:
        try:
            return await super().render(request)
        except CoapReply as reply:  # rendered here: aiocoap would log each one at INFO
            return reply.to_message()

    async def render_post(self, request: aiocoap.Message) -> aiocoap.Message:
        block1 = request.opt.block1
        body = self.take_body(request)
        if body is None:  # more blocks to come (RFC 7959 §2.3: 2.31 echoing Block1)
            return aiocoap.Message(code=Code.CONTINUE, block1=block1)
        response = await self.accept(body, request)
        if block1 is not None:
            response.opt.block1 = block1
        return response

    def take_body(self, request: aiocoap.Message) -> bytes | None:
        """The whole body, None while blocks are missing, or `CoapReply` (size first)."""
        size1 = request.opt.size1
        block1 = request.opt.block1
        if size1 is not None and size1 > self.max_bytes:
            raise CoapReply(
                Code.REQUEST_ENTITY_TOO_LARGE,
                f"too_large: announced {size1} bytes, over the limit of {self.max_bytes}",
                size1=self.max_bytes,
            )
        if block1 is None and len(request.payload) > self.max_bytes:
            raise CoapReply(
                Code.REQUEST_ENTITY_TOO_LARGE,
                f"too_large: {len(request.payload)} bytes, over the limit of {self.max_bytes}",
                size1=self.max_bytes,
            )
        fmt = request.opt.content_format
        if fmt is None or int(fmt) not in self.content_formats:
            wanted = " or ".join(str(f) for f in self.content_formats)
            got = "none" if fmt is None else str(int(fmt))
            raise CoapReply(
                Code.UNSUPPORTED_CONTENT_FORMAT,
                f"Content-Format must be {wanted} (got {got})",
            )
        if block1 is None:
            return request.payload
        key = (_blockwise_key(request.remote), tuple(request.opt.request_tag))
        try:
            return self.spool.feed(
                key,
                number=block1.block_number,
                more=bool(block1.more),
                size_exponent=block1.size_exponent,
                payload=request.payload,
                size1=size1,
            )
        except BlockError as exc:
            raise _reply_for_block_error(exc) from None

    async def accept(self, body: bytes, request: aiocoap.Message) -> aiocoap.Message:
        """Handle a complete body; the response to send (e.g. 2.04 Changed)."""
        raise NotImplementedError


class _ParticleResource(UploadResource):
    rt = RT_PARTICLE
    ct = str(CT_CBOR)

    def __init__(self, server: CoapServer) -> None:
        super().__init__(max_bytes=server.max_particle_bytes)
        self._server = server

    async def accept(self, body: bytes, request: aiocoap.Message) -> aiocoap.Message:
        sender = _sender_hint(request)
        slot = self._server._take_particle(body, remote_of(request.remote), sender)
        if slot is None:
            return aiocoap.Message(code=Code.CHANGED)
        # The copy for the sender, if the node makes one quickly, rides in this response and
        # saves a whole exchange (a call's answer, typically). Else: the node sends it.
        key, future = slot
        try:
            reply = await asyncio.wait_for(asyncio.shield(future), self._server.reply_wait_s)
        except asyncio.TimeoutError:
            reply = None
        finally:
            self._server._reply_slots.pop(key, None)
        if reply is None:
            return aiocoap.Message(code=Code.CHANGED)
        return aiocoap.Message(code=Code.CHANGED, payload=reply, content_format=CT_CBOR)

    def take_body(self, request: aiocoap.Message) -> bytes | None:
        try:
            return super().take_body(request)
        except CoapReply as reply:
            # A particle refused before it is whole: count it like the envelope's refusals.
            # (Block1 transfer trouble -- a lost or foreign block, a busy spool -- is not a
            # verdict on the particle: the sender retries the upload.)
            reason = _BODY_REFUSALS.get(reply.code)
            if reason is not None:
                self._server._count_refusal(reason, remote_of(request.remote), reply.message)
            raise


_BODY_REFUSALS = {
    Code.REQUEST_ENTITY_TOO_LARGE: particle.DropReason.TOO_LARGE,
    Code.UNSUPPORTED_CONTENT_FORMAT: particle.DropReason.MALFORMED,
}


class _StatusResource(ReadOnlyResource):
    rt = RT_STATUS
    ct = f"{CT_CBOR} {CT_JSON}"

    def __init__(self, server: CoapServer) -> None:
        super().__init__()
        self._server = server

    async def render_get(self, request: aiocoap.Message) -> aiocoap.Message:
        accept = request.opt.accept
        fmt = CT_CBOR if accept is None else int(accept)
        if fmt not in (CT_CBOR, CT_JSON):
            raise CoapReply(
                Code.NOT_ACCEPTABLE,
                f"status is served as CBOR ({CT_CBOR}) or JSON ({CT_JSON}), not {fmt}",
            )
        status = await self._server._current_status()
        try:
            if fmt == CT_CBOR:
                payload = cbor2.dumps(status)
            else:
                payload = json.dumps(status, default=_jsonable).encode()
        except Exception:
            log.exception("status map could not be encoded as %s", fmt)
            raise CoapReply(Code.INTERNAL_SERVER_ERROR, "status unavailable") from None
        return aiocoap.Message(code=Code.CONTENT, payload=payload, content_format=fmt)


_KNOWN_CRITICAL_OPTIONS = frozenset({3, 7, 11, 15, 17, 23, 27, 35, 39})
"""Critical options (odd numbers) this site acts on: Uri-Host, Uri-Port, Uri-Path, Uri-Query,
Accept, Block2, Block1, Proxy-Uri, Proxy-Scheme. Not If-Match or If-None-Match: no resource
here evaluates them, and a critical option must not be ignored silently."""


class _Site(aiocoap.resource.Site):
    """aiocoap's Site, answering 4.02 Bad Option to a request with a critical option it
    does not understand (RFC 7252 §5.4.1), which aiocoap itself lets through."""

    def _find_child_and_pathstripped_message(self, request: aiocoap.Message) -> Any:
        # aiocoap copies every request (a deepcopy of its options) to strip the path, and
        # renders its URI, before a resource sees it; ours are leaves that ignore the path,
        # so an exact match is handed over as it is -- a third of a loopback exchange.
        resource = self._resources.get(request.opt.uri_path)
        if resource is not None:
            return resource, request
        return super()._find_child_and_pathstripped_message(request)

    async def render_to_pipe(self, pipe: Any) -> None:
        numbers = {int(option.number) for option in pipe.request.opt.option_list()}
        unknown = sorted(n for n in numbers - _KNOWN_CRITICAL_OPTIONS if n & 1)  # odd: critical
        if unknown:
            raise CoapReply(
                Code.BAD_OPTION,
                f"critical option(s) {', '.join(map(str, unknown))} not supported here",
            )
        return await super().render_to_pipe(pipe)


class _WellKnownCore(ReadOnlyResource, aiocoap.resource.WKCResource):
    def get_link_description(self) -> None:
        return None  # the listing does not list itself


def _jsonable(value: object) -> object:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


# --- server ---------------------------------------------------------------------------------


class State(enum.Enum):
    """Lifecycle of a `CoapServer` or `CoapClient`: it runs once (NEW → RUNNING → STOPPED)."""

    NEW = "new"
    RUNNING = "running"
    STOPPED = "stopped"


class CoapServer:
    """The agent's CoAP site on one UDP address and port (see the module docstring).

    ``on_particle(raw, remote)`` is called (and awaited, if it returns an awaitable) in a
    task per particle that passed the envelope check; given a third and a fourth parameter
    it also gets the sender hint and what the check returned (the decoded `Particle`, so
    it is not decoded twice). ``status()`` returns the map served at /status (by default
    version, uptime and `stats()`). ``precheck(raw)`` replaces the envelope check; it
    raises `particle.ParticleError` to refuse.
    """

    def __init__(
        self,
        *,
        on_particle: OnParticle,
        status: StatusProvider | None = None,
        bind: str = "::",
        port: int = const.COAP_DEFAULT_PORT,
        max_particle_bytes: int = const.MAX_PARTICLE_BYTES,
        max_ttl_ms: int = const.MAX_PARTICLE_TTL_MS,
        clock_skew_ms: int = const.DEFAULT_CLOCK_SKEW_MS,
        precheck: Precheck | None = None,
        max_pending: int = const.COAP_MAX_PENDING_PARTICLES,
        max_pending_bytes: int = const.COAP_MAX_PENDING_PARTICLE_BYTES,
        wall_clock: Callable[[], float] = time.time,
        reply_wait_s: float = const.COAP_REPLY_WAIT_S,
    ) -> None:
        if not 0 <= port <= 65535:
            raise ValueError(f"port must be 0-65535 (0: any free port), got {port}")
        self.bind = bind
        self.max_particle_bytes = max_particle_bytes
        self.max_ttl_ms = max_ttl_ms
        self.clock_skew_ms = clock_skew_ms
        self._port = port
        self._on_particle = on_particle
        try:  # on_particle(raw, remote), (raw, remote, sender_hint) or (..., checked)
            arity = len(inspect.signature(on_particle).parameters)
        except (TypeError, ValueError):
            arity = 2
        self._takes_sender = arity >= 3
        self._takes_checked = arity >= 4
        self._status = status
        self._precheck = precheck if precheck is not None else self._envelope_check
        self._max_pending = max_pending
        self._max_pending_bytes = max_pending_bytes
        self._wall_clock = wall_clock
        self._state = State.NEW
        self._lock = asyncio.Lock()
        self._ctx: aiocoap.Context | None = None
        self._started = 0.0
        self._pending: dict[asyncio.Task[None], int] = {}
        self._pending_bytes = 0
        self._counts = {
            "received": 0, "accepted": 0, "overloaded": 0, "unparsable": 0, "replied_in_response": 0,
        }
        self.reply_wait_s = reply_wait_s
        self._reply_slots: dict[tuple[str, str], asyncio.Future[bytes]] = {}
        self._rejected: dict[str, int] = {}
        self._warn = OnceLog(log)
        self._site = _Site()
        self._particles = _ParticleResource(self)
        self._site.add_resource(PARTICLE_PATH, self._particles)
        self._site.add_resource(STATUS_PATH, _StatusResource(self))
        self._site.add_resource(
            WELL_KNOWN_CORE_PATH,
            _WellKnownCore(self._site.get_resources_as_linkheader, impl_info=None),
        )

    @classmethod
    def from_config(
        cls,
        config: Config,
        *,
        on_particle: OnParticle,
        status: StatusProvider | None = None,
        precheck: Precheck | None = None,
    ) -> CoapServer:
        """A server with `coap.bind`, `coap.port` and the `particles.*` limits of `config`."""
        return cls(
            on_particle=on_particle,
            status=status,
            precheck=precheck,
            bind=config.coap.bind,
            port=config.coap.port,
            max_particle_bytes=config.particles.max_bytes,
            max_ttl_ms=config.particles.max_ttl_ms,
            clock_skew_ms=config.particles.clock_skew_ms,
        )

    # -- lifecycle --

    @property
    def state(self) -> State:
        return self._state

    @property
    def port(self) -> int:
        """The UDP port listened on (the one the OS picked, if 0 was asked for)."""
        return self._port

    @property
    def context(self) -> aiocoap.Context:
        """The running aiocoap context (shared by a `CoapClient` made with this server)."""
        if self._ctx is None or self._state is not State.RUNNING:
            raise NotRunning("the CoAP server is not running")
        return self._ctx

    async def start(self) -> None:
        """Listen on UDP `bind`:`port`; `StartError` if that is impossible. Idempotent."""
        async with self._lock:
            if self._state is State.RUNNING:
                return
            if self._state is State.STOPPED:
                raise NotRunning("a stopped CoapServer cannot start again; make a new one")
            where = _hostport(self.bind, self._port)
            _check_port_free(self.bind, self._port)
            _install_log_demotion()
            try:
                # transports=["udp6"]: UDP only; with a bind address aiocoap would also open
                # TCP by default (design.md §4).
                ctx = await aiocoap.Context.create_server_context(
                    self._site,
                    bind=(self.bind, self._port),
                    transports=["udp6"],
                    loggername=_AIOCOAP_LOGGER,
                )
            except (OSError, aiocoap.error.Error) as exc:
                raise StartError(
                    f"cannot listen for CoAP on UDP {where}: {exc}. Check `coap.bind` (an "
                    f"address of this host, or '::') and `coap.port` in the configuration"
                ) from exc
            self._ctx = ctx
            self._port = _local_port(ctx, self._port)
            self._guard_datagrams(ctx)
            self._started = time.monotonic()
            self._state = State.RUNNING
            log.info("CoAP server listening on UDP %s", _hostport(self.bind, self._port))

    def _guard_datagrams(self, ctx: aiocoap.Context) -> None:
        """Drop datagrams that make aiocoap's decoder raise something else than its own
        "unparsable" error (0.4.17: a Uri-Path that is not UTF-8 raises UnicodeDecodeError
        into the event loop, which logs an ERROR with a traceback for each such datagram)."""
        try:
            interface = ctx.request_interfaces[0].token_interface.message_interface
            receive = interface.datagram_msg_received
        except (AttributeError, IndexError):  # another aiocoap layout: its own handling applies
            return

        def guarded(data: bytes, ancdata: Any, flags: int, address: Any) -> None:
            try:
                receive(data, ancdata, flags, address)
            except Exception as exc:  # noqa: BLE001 - a stranger's datagram must not raise
                self._counts["unparsable"] += 1
                host = _host_of_sockaddr(address) if isinstance(address, tuple) else str(address)
                self._warn.warning(
                    ("unparsable", host), "ignored a datagram from %s that is not CoAP: %s",
                    host, _clip(f"{type(exc).__name__}: {exc}"),
                )

        interface.datagram_msg_received = guarded

    async def stop(self) -> None:
        """Stop listening and cancel particle callbacks still running. Idempotent."""
        async with self._lock:
            if self._state is not State.RUNNING:
                self._state = State.STOPPED
                return
            self._state = State.STOPPED
            tasks = list(self._pending)
            for task in tasks:
                task.cancel()
            if tasks:
                _, late = await asyncio.wait(tasks, timeout=const.COAP_STOP_TIMEOUT_S)
                if late:
                    log.error("%d particle callbacks ignored cancellation at stop", len(late))
            ctx, self._ctx = self._ctx, None
            if ctx is not None:
                try:
                    await asyncio.wait_for(ctx.shutdown(), const.COAP_STOP_TIMEOUT_S)
                except Exception:  # noqa: BLE001 - stopping must not fail halfway
                    log.exception("aiocoap shutdown failed")
            self._particles.spool.clear()
            log.info("CoAP server on UDP %s stopped", _hostport(self.bind, self._port))

    async def __aenter__(self) -> CoapServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def __repr__(self) -> str:
        return f"<CoapServer {_hostport(self.bind, self._port)} {self._state.value}>"

    # -- resources --

    def add_resource(
        self, path: str | Sequence[str], resource: aiocoap.interfaces.Resource
    ) -> None:
        """Serve `resource` at `path` ("deploy", "a/b" or a tuple of segments).

        A resource taking a request body should derive from `UploadResource` (bounded
        Block1); a GET-only one from `ReadOnlyResource`. Works before and after `start()`.
        """
        segments = _path(path)
        if segments in (PARTICLE_PATH, STATUS_PATH, WELL_KNOWN_CORE_PATH):
            raise ValueError(f"/{'/'.join(segments)} is the transport's own resource")
        self._site.add_resource(segments, resource)

    def remove_resource(self, path: str | Sequence[str]) -> None:
        """Stop serving what `add_resource` put at `path` (KeyError if nothing is there)."""
        segments = _path(path)
        if segments in (PARTICLE_PATH, STATUS_PATH, WELL_KNOWN_CORE_PATH):
            raise ValueError(f"/{'/'.join(segments)} is the transport's own resource")
        self._site.remove_resource(segments)

    # -- counters and status --

    def stats(self) -> dict[str, Any]:
        """Transport counters for the status map (fresh dict; safe to modify)."""
        return {
            **self._counts,
            "rejected": dict(self._rejected),
            "pending": len(self._pending),
            "uploads_in_progress": len(self._particles.spool),
        }

    def _default_status(self) -> dict[str, Any]:
        uptime = time.monotonic() - self._started if self._state is State.RUNNING else 0.0
        return {"version": __version__, "uptime_s": round(uptime, 3), "coap": self.stats()}

    async def _current_status(self) -> Mapping[str, Any]:
        if self._status is None:
            return self._default_status()
        try:
            status = self._status()
            if inspect.isawaitable(status):
                status = await status
            if not isinstance(status, Mapping):
                raise TypeError(f"status() returned {type(status).__name__}, not a mapping")
            return dict(status)
        except Exception:
            log.exception("the status callback failed")
            raise CoapReply(Code.INTERNAL_SERVER_ERROR, "status unavailable") from None

    # -- particles --

    def _envelope_check(self, raw: bytes) -> particle.Particle:
        decoded = particle.decode(
            raw, max_bytes=self.max_particle_bytes, max_ttl_ms=self.max_ttl_ms
        )
        now_ms = int(self._wall_clock() * 1000)
        particle.check_fresh(decoded, now_ms, self.clock_skew_ms)
        return decoded

    def offer_reply(self, particle_id: str, peer_id: str, raw: bytes) -> bool:
        """Hand `raw` (a copy of the particle for `peer_id`) to the response of the POST in
        which `peer_id` sent us that particle, if it still waits; True if it was taken."""
        future = self._reply_slots.pop((particle_id, peer_id), None)
        if future is None or future.done() or len(raw) > const.COAP_MAX_REPLY_IN_RESPONSE_BYTES:
            return False
        future.set_result(raw)
        self._counts["replied_in_response"] += 1
        return True

    def _take_particle(
        self, raw: bytes, remote: Remote, sender: str | None = None
    ) -> tuple[tuple[str, str], asyncio.Future[bytes]] | None:
        """Check a received particle and start its callback, or raise the `CoapReply`.

        With a sender hint and `reply_wait_s` > 0, returns a reply slot for `offer_reply`."""
        self._counts["received"] += 1
        if self._state is not State.RUNNING:
            raise CoapReply(Code.SERVICE_UNAVAILABLE, "shutting down")
        try:
            checked = self._precheck(raw)
        except particle.ParticleError as exc:
            reason = exc.reason.value
            self._count_refusal(exc.reason, remote, exc)
            if exc.reason is particle.DropReason.TOO_LARGE:
                raise CoapReply(
                    Code.REQUEST_ENTITY_TOO_LARGE, f"{reason}: {exc}",
                    size1=self.max_particle_bytes,
                ) from None
            if exc.reason is particle.DropReason.OVERLOADED:
                raise CoapReply(
                    Code.SERVICE_UNAVAILABLE, f"{reason}: {exc}",
                    max_age=const.COAP_OVERLOAD_MAX_AGE_S,
                ) from None
            raise CoapReply(Code.BAD_REQUEST, f"{reason}: {exc}") from None
        except Exception:
            log.exception("the particle check failed on a particle from %s", _hostport(*remote))
            raise CoapReply(Code.INTERNAL_SERVER_ERROR, "internal error") from None
        if len(self._pending) >= self._max_pending or (
            self._pending and self._pending_bytes + len(raw) > self._max_pending_bytes
        ):
            self._counts["overloaded"] += 1
            self._warn.info(
                ("overloaded",),
                "overloaded: %d particles (%d bytes) wait for the node; answering 5.03",
                len(self._pending), self._pending_bytes,
            )
            raise CoapReply(
                Code.SERVICE_UNAVAILABLE,
                f"{particle.DropReason.OVERLOADED.value}: {len(self._pending)} particles are "
                f"waiting; retry in {const.COAP_OVERLOAD_MAX_AGE_S} s",
                max_age=const.COAP_OVERLOAD_MAX_AGE_S,
            )
        self._counts["accepted"] += 1
        log.debug("particle of %d bytes from %s", len(raw), remote)
        loop = asyncio.get_running_loop()
        slot = None
        particle_id = getattr(checked, "id", None)
        # Only when idle: a response held back holds the sender's exchange with us (aiocoap
        # keeps one request per peer in flight, NSTART = 1, RFC 7252 §4.7), so under load
        # answers go as their own POSTs and nothing waits.
        if sender is not None and self.reply_wait_s > 0 and isinstance(particle_id, str) and not self._pending:
            key = (particle_id, sender)
            if key not in self._reply_slots and len(self._reply_slots) < self._max_pending:
                slot = (key, loop.create_future())
                self._reply_slots[key] = slot[1]
        task = loop.create_task(self._deliver(raw, remote, sender, checked))
        self._pending[task] = len(raw)
        self._pending_bytes += len(raw)
        task.add_done_callback(self._delivered)
        return slot

    async def _deliver(
        self, raw: bytes, remote: Remote, sender: str | None, checked: object
    ) -> None:
        try:
            if self._takes_checked:
                result = self._on_particle(raw, remote, sender, checked)  # type: ignore[call-arg]
            elif self._takes_sender:
                result = self._on_particle(raw, remote, sender)  # type: ignore[call-arg]
            else:
                result = self._on_particle(raw, remote)
            if inspect.isawaitable(result):
                await result
        except asyncio.CancelledError:
            raise
        except particle.ParticleError as exc:  # the node dropped it; the node counts it
            log.debug("node dropped a particle from %s: %s", _hostport(*remote), exc)
        except Exception:
            log.exception("on_particle failed on a particle from %s", _hostport(*remote))

    def _count_refusal(self, reason: particle.DropReason, remote: Remote, why: object) -> None:
        self._rejected[reason.value] = self._rejected.get(reason.value, 0) + 1
        self._warn.warning(
            (reason.value, remote[0]), "refused a particle from %s: %s", _hostport(*remote), why
        )

    def _delivered(self, task: asyncio.Task[None]) -> None:
        self._pending_bytes -= self._pending.pop(task, 0)


# --- client ---------------------------------------------------------------------------------


class SendOutcome(enum.Enum):
    """How `CoapClient.send_particle` ended."""

    DELIVERED = "delivered"
    """The peer acknowledged the particle (2.xx)."""
    REJECTED = "rejected"
    """The peer refused it with an answer that sending again would not change (4.xx)."""
    EXPIRED = "expired"
    """The deadline came before an attempt succeeded."""
    STOPPED = "stopped"
    """The client was stopped meanwhile."""


@dataclass(frozen=True, slots=True)
class SendResult:
    """The outcome of one `send_particle`; `detail` says why, for logs and people."""

    outcome: SendOutcome
    attempts: int
    elapsed_s: float
    code: str | None = None
    """The last CoAP response code ("2.04"), None if no answer came."""
    detail: str = ""
    reply: bytes = b""
    """A particle copy for us that the peer put in its response (see `offer_reply`)."""

    @property
    def ok(self) -> bool:
        return self.outcome is SendOutcome.DELIVERED


@dataclass(frozen=True, slots=True)
class CoapResponse:
    """One CoAP response, without aiocoap types."""

    code: str
    """Dotted response code, e.g. "2.05"."""
    payload: bytes
    content_format: int | None = None
    max_age: int | None = None

    @property
    def success(self) -> bool:
        return self.code.startswith("2.")

    @property
    def diagnostic(self) -> str:
        """The diagnostic payload of an error response (RFC 7252 §5.5.2), printable."""
        if self.success:
            return ""
        return _clip(self.payload.decode("utf-8", "replace"))


class CoapClient:
    """Sends requests over one aiocoap context: the server's if given, else its own.

    Outgoing requests to one (host, port) are limited to `max_requests_per_peer` at once.
    """

    def __init__(
        self,
        *,
        server: CoapServer | None = None,
        max_requests_per_peer: int = const.COAP_MAX_REQUESTS_PER_PEER,
        backoff_initial_s: float = const.COAP_SEND_BACKOFF_INITIAL_S,
        backoff_max_s: float = const.COAP_SEND_BACKOFF_MAX_S,
        rng: random.Random | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._server = server
        self._max_per_peer = max_requests_per_peer
        self._backoff_initial = backoff_initial_s
        self._backoff_max = backoff_max_s
        self._rng = rng if rng is not None else random.Random()
        self._wall_clock = wall_clock
        self._state = State.NEW
        self._lock = asyncio.Lock()
        self._own_ctx: aiocoap.Context | None = None
        self._closing = asyncio.Event()
        self._exchanging: set[asyncio.Task[Any]] = set()
        self._stop_cancelled: set[asyncio.Task[Any]] = set()
        self._limits: dict[Remote, _PeerLimit] = {}
        self._remotes: dict[Remote, Any] = {}  # (host, port) -> aiocoap's resolved remote
        self._counts = {
            "sent": 0, "delivered": 0, "rejected": 0, "expired": 0, "attempts": 0,
        }

    @property
    def state(self) -> State:
        return self._state

    async def start(self) -> None:
        """Make the client context (unless the server's is used). Idempotent."""
        async with self._lock:
            if self._state is State.RUNNING:
                return
            if self._state is State.STOPPED:
                raise NotRunning("a stopped CoapClient cannot start again; make a new one")
            if self._server is None:
                _install_log_demotion()
                self._own_ctx = await aiocoap.Context.create_client_context(
                    transports=["udp6"], loggername=_AIOCOAP_LOGGER
                )
            self._state = State.RUNNING

    async def stop(self) -> None:
        """End sends in progress (they return STOPPED) and shut the own context. Idempotent."""
        async with self._lock:
            if self._state is State.STOPPED:
                return
            self._state = State.STOPPED
            self._closing.set()
            # Exchanges in flight end now, also on a shared server context (which stays up).
            for task in self._exchanging:
                self._stop_cancelled.add(task)
                task.cancel()
            ctx, self._own_ctx = self._own_ctx, None
            if ctx is not None:
                try:
                    await asyncio.wait_for(ctx.shutdown(), const.COAP_STOP_TIMEOUT_S)
                except Exception:  # noqa: BLE001 - stopping must not fail halfway
                    log.exception("aiocoap client shutdown failed")

    async def __aenter__(self) -> CoapClient:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def stats(self) -> dict[str, int]:
        """Client counters (fresh dict)."""
        return dict(self._counts)

    # -- requests --

    async def request(
        self,
        address: Remote | Address,
        method: str,
        path: str | Sequence[str],
        payload: bytes = b"",
        *,
        content_format: int | None = None,
        accept: int | None = None,
        query: Sequence[str] = (),
        timeout: float = const.COAP_REQUEST_TIMEOUT_S,
        max_bytes: int = const.COAP_MAX_RESPONSE_BYTES,
    ) -> CoapResponse:
        """One exchange, no retries; `RequestFailed` if no answer comes within `timeout` s.

        `query` holds Uri-Query items ("rt=edge-agent.status"); the path takes none.
        `max_bytes` bounds the (blockwise) response body.
        """
        dest = _destination(address)
        try:
            code = _METHODS[method.upper()]
        except KeyError:
            known = ", ".join(_METHODS)
            raise ValueError(f"method must be one of {known}, got {method!r}") from None
        message = _message(dest, code, _path(path), payload, content_format, accept)
        if query:
            message.opt.uri_query = tuple(query)
        return await self._exchange(dest, message, timeout, max_bytes)

    async def get_status(
        self, address: Remote | Address, timeout: float = const.COAP_REQUEST_TIMEOUT_S
    ) -> dict[Any, Any]:
        """The peer's /status map (CBOR); `RequestFailed` if it cannot be had."""
        where = _hostport(*_destination(address))
        response = await self.request(address, "GET", STATUS_PATH, accept=CT_CBOR, timeout=timeout)
        if response.code != "2.05":
            answer = f"{response.code} {response.diagnostic}".rstrip()
            raise RequestFailed(f"{where} answered GET /status with {answer}", code=response.code)
        if response.content_format not in (None, CT_CBOR):
            raise RequestFailed(
                f"{where} sent /status as Content-Format {response.content_format}, not CBOR",
                code=response.code,
            )
        try:
            status = loads_one(response.payload)
        except CBORError as exc:
            raise RequestFailed(f"{where} sent a /status that is not valid CBOR: {exc}") from None
        if not isinstance(status, dict):
            raise RequestFailed(f"{where} sent a /status that is not a CBOR map")
        return status

    async def send_particle(
        self,
        address: Remote | Address,
        raw: bytes,
        *,
        deadline_ms: int,
        path: str | Sequence[str] = PARTICLE_PATH,
        sender: str | None = None,
    ) -> SendResult:
        """POST `raw` to the peer until it is acknowledged, refused, or `deadline_ms` passes.

        `sender` (our peer id) goes along as the Uri-Query `from=...`: a routing hint that
        lets the receiver answer a peer that does not announce itself (the laptop CLI).

        `deadline_ms` is wall-clock time in ms since the epoch (a particle's timestamp + ttl).
        Network errors, no answer, 4.08, 4.29 and 5.xx are retried after a jittered,
        doubling wait (honouring Max-Age on 5.03); other errors end it at once.
        """
        dest = _destination(address)
        segments = _path(path)
        started = time.monotonic()
        attempts = 0
        code: str | None = None
        detail = "the deadline had passed before the first attempt"
        self._counts["sent"] += 1

        def result(outcome: SendOutcome, why: str, reply: bytes = b"") -> SendResult:
            self._counts[outcome.value] = self._counts.get(outcome.value, 0) + 1
            return SendResult(outcome, attempts, time.monotonic() - started, code, why, reply)

        while True:
            if self._state is not State.RUNNING:
                return result(SendOutcome.STOPPED, "the client was stopped")
            remaining = deadline_ms / 1000 - self._wall_clock()
            if remaining <= 0:
                why = f"deadline reached after {attempts} attempt(s); last: {detail}"
                log.info("gave up sending a particle to %s: %s", _hostport(*dest), why)
                return result(SendOutcome.EXPIRED, why)
            attempts += 1
            self._counts["attempts"] += 1
            # A fresh Request-Tag per attempt keeps concurrent or restarted Block1 uploads to
            # one peer apart (RFC 9175 §3); aiocoap does not send one itself.
            tag = secrets.token_bytes(4) if len(raw) > _SINGLE_BLOCK_BYTES else None
            message = _message(dest, Code.POST, segments, raw, CT_CBOR, None, tag)
            if sender is not None:
                message.opt.uri_query = (f"{SENDER_QUERY}={sender}",)
            hint = 0.0
            try:
                response = await self._exchange(dest, message, remaining)
            except RequestFailed as exc:
                code, detail = None, str(exc)
            except NotRunning:
                return result(SendOutcome.STOPPED, "the client was stopped")
            else:
                code = response.code
                if response.success:
                    reply = response.payload if response.content_format == CT_CBOR else b""
                    return result(SendOutcome.DELIVERED, f"acknowledged with {code}", reply)
                detail = f"{code} {response.diagnostic}".rstrip()
                if code not in _RETRYABLE_CODES:
                    log.debug("%s refused a particle: %s", _hostport(*dest), detail)
                    return result(SendOutcome.REJECTED, detail)
                if code == "5.03" and response.max_age is not None:
                    hint = float(response.max_age)
            log.debug("attempt %d to send a particle to %s failed: %s",
                      attempts, _hostport(*dest), detail)
            delay = max(self._backoff(attempts), min(hint, self._backoff_max))
            delay = min(delay, max(0.0, deadline_ms / 1000 - self._wall_clock()))
            if delay > 0:
                try:
                    await asyncio.wait_for(self._closing.wait(), delay)
                except TimeoutError:
                    pass

    def _backoff(self, attempts: int) -> float:
        """Equal jitter: a random wait in [d/2, d], d doubling from the initial wait."""
        full = min(self._backoff_max, self._backoff_initial * 2 ** (attempts - 1))
        return full / 2 + self._rng.uniform(0, full / 2)

    async def _exchange(
        self,
        dest: Remote,
        message: aiocoap.Message,
        timeout: float,
        max_bytes: int = const.COAP_MAX_RESPONSE_BYTES,
    ) -> CoapResponse:
        where = _hostport(*dest)
        if timeout <= 0:
            raise RequestFailed(f"no time left to send to {where}")
        task = asyncio.current_task()
        assert task is not None
        self._exchanging.add(task)
        try:
            async with asyncio.timeout(timeout):  # no extra task, unlike wait_for
                response = await self._limited(dest, message)
        except TimeoutError:
            raise RequestFailed(f"no answer from {where} within {timeout:.1f} s") from None
        except aiocoap.error.Error as exc:
            if self._state is not State.RUNNING:
                raise NotRunning("the client was stopped") from None
            raise RequestFailed(f"{where}: {_describe(exc)}") from None
        except asyncio.CancelledError:
            # Cancelled by stop() alone: report that. Cancelled by the caller too: propagate.
            if task in self._stop_cancelled and task.uncancel() == 0:
                raise NotRunning("the client was stopped") from None
            raise
        finally:
            self._exchanging.discard(task)
            self._stop_cancelled.discard(task)
        payload = response.payload
        if len(payload) > max_bytes:
            raise RequestFailed(
                f"{where} sent a {len(payload)}-byte answer, over the limit of {max_bytes}",
                code=response.code.dotted,
            )
        fmt = response.opt.content_format
        return CoapResponse(
            code=response.code.dotted,
            payload=payload,
            content_format=None if fmt is None else int(fmt),
            max_age=response.opt.max_age,
        )

    async def _limited(self, dest: Remote, message: aiocoap.Message) -> aiocoap.Message:
        ctx = self._context()
        limit = self._limits.get(dest)
        if limit is None:
            limit = self._limits[dest] = _PeerLimit(asyncio.Semaphore(self._max_per_peer))
        limit.users += 1
        try:
            async with limit.semaphore:
                return await self._request(ctx, dest, message)
        finally:
            limit.users -= 1
            if limit.users == 0:
                del self._limits[dest]

    async def _request(
        self, ctx: aiocoap.Context, dest: Remote, message: aiocoap.Message
    ) -> aiocoap.Message:
        """One exchange, reusing the remote aiocoap resolved for `dest` before.

        aiocoap resolves a "host:port" on every request with getaddrinfo in a thread (and a
        route check), which takes longer than the exchange itself on loopback; peers are
        addressed by IP literals, so the resolved remote stays valid. It is forgotten when
        an exchange with it fails.
        """
        remote = self._remotes.get(dest)
        if remote is not None:
            message.remote = remote
        # A small POST (a particle) needs no blockwise machinery either way: its answer is
        # a code and a short diagnostic, never Block2 (one task less per exchange).
        blockwise = message.code != Code.POST or len(message.payload) > _SINGLE_BLOCK_BYTES
        try:
            response = await ctx.request(message, handle_blockwise=blockwise).response
        except aiocoap.error.Error:
            self._remotes.pop(dest, None)
            raise
        if remote is None and getattr(message.remote, "sockaddr", None) is not None:
            if len(self._remotes) >= const.COAP_MAX_RESOLVED_REMOTES:
                del self._remotes[next(iter(self._remotes))]
            self._remotes[dest] = message.remote
        return response

    def _context(self) -> aiocoap.Context:
        if self._state is not State.RUNNING:
            raise NotRunning("the CoAP client is not running (start() it first)")
        if self._server is not None:
            return self._server.context
        assert self._own_ctx is not None
        return self._own_ctx


@dataclass(slots=True)
class _PeerLimit:
    semaphore: asyncio.Semaphore
    users: int = 0


# --- helpers --------------------------------------------------------------------------------


def remote_of(remote: Any) -> Remote:
    """(host, port) of an aiocoap remote: IPv4 unmapped, IPv6 link-local with ``%scope``."""
    sockaddr = getattr(remote, "sockaddr", None)
    if isinstance(sockaddr, tuple) and len(sockaddr) >= 2:
        return _host_of_sockaddr(sockaddr), int(sockaddr[1])
    host, port = aiocoap.util.hostportsplit(remote.hostinfo)  # other transports
    return host, port or const.COAP_DEFAULT_PORT


def _host_of_sockaddr(sockaddr: tuple[Any, ...]) -> str:
    text = str(sockaddr[0])
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return text
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    scope = sockaddr[3] if len(sockaddr) >= 4 else 0
    if scope and address.is_link_local:
        try:
            return f"{address}%{socket.if_indextoname(scope)}"
        except OSError:
            return f"{address}%{scope}"
    return str(address)


def _hostport(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _destination(address: Remote | Address) -> Remote:
    """A validated (host, port); `InvalidAddress` (a ValueError) if it is not one."""
    if isinstance(address, Address):
        return address.host, address.port
    try:
        host, port = address
    except (TypeError, ValueError):
        raise ValueError(f"an address is (host, port), got {address!r}") from None
    checked = Address(host, port)
    return checked.host, checked.port


def _path(path: str | Sequence[str]) -> tuple[str, ...]:
    segments = tuple(path.strip("/").split("/")) if isinstance(path, str) else tuple(path)
    if not segments or any(not isinstance(s, str) or not s or "?" in s for s in segments):
        raise ValueError(f"a resource path needs non-empty segments, got {path!r}")
    return segments


def _sender_hint(request: aiocoap.Message) -> str | None:
    """The `from=<peer id>` Uri-Query of a particle POST, if any (a hint; never trusted)."""
    for item in request.opt.uri_query:
        key, _, value = item.partition("=")
        if key == SENDER_QUERY and 0 < len(value) <= const.COAP_MAX_SENDER_HINT_CHARS:
            return value
    return None


def _message(
    dest: Remote,
    code: Code,
    path: tuple[str, ...],
    payload: bytes,
    content_format: int | None,
    accept: int | None,
    request_tag: bytes | None = None,
) -> aiocoap.Message:
    message = aiocoap.Message(code=code, uri_path=path, payload=bytes(payload))
    if content_format is not None:
        message.opt.content_format = content_format
    if accept is not None:
        message.opt.accept = accept
    if request_tag is not None:
        message.opt.request_tag = [request_tag]
    # host:port without a URI: no Uri-Host option, and an IPv6 zone ("fe80::1%eth0") needs
    # no percent-encoding, which aiocoap versions treat differently.
    message.unresolved_remote = _hostport(*dest)
    return message


_ERRNO_HINTS = {
    errno.ECONNREFUSED: "nothing listens on that port (ICMP port unreachable)",
    errno.EHOSTUNREACH: "no route to the host (is it on this network, and up?)",
    errno.ENETUNREACH: "no route to that network",
}


def _describe(exc: aiocoap.error.Error) -> str:
    """A short, version-independent reason for a failed exchange (aiocoap's texts vary)."""
    for err in (exc, exc.__cause__, exc.__context__):
        number = getattr(err, "errno", None)
        if isinstance(number, int) and number > 0:
            hint = _ERRNO_HINTS.get(number)
            return _clip(f"{os.strerror(number)}: {hint}" if hint else os.strerror(number))
    return _clip(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)


def _blockwise_key(remote: Any) -> Hashable:
    key = getattr(remote, "blockwise_key", None)  # aiocoap >= 0.4.8
    return key if key is not None else remote


def _local_port(ctx: aiocoap.Context, asked: int) -> int:
    """The port the server socket is bound to (aiocoap has no public accessor)."""
    try:
        return int(ctx.request_interfaces[0].token_interface.message_interface._local_port())
    except Exception:  # noqa: BLE001 - internals of another aiocoap version
        if asked == 0:
            raise StartError("cannot tell which port the OS picked; configure a port") from None
        return asked


def _check_port_free(bind: str, port: int) -> None:
    """`StartError` if another process listens on the port.

    aiocoap sets SO_REUSEPORT, so a second agent would bind the same port without error and
    silently get half the datagrams; a plain bind (no reuse) fails while the port is held.
    """
    if port == 0:
        return
    try:
        infos = socket.getaddrinfo(
            bind, port, socket.AF_INET6, socket.SOCK_DGRAM, 0, socket.AI_V4MAPPED
        )
    except socket.gaierror as exc:
        raise StartError(
            f"cannot listen for CoAP on {bind!r}: {exc.strerror}. Set `coap.bind` to an "
            f"address of this host, or '::' for all"
        ) from exc
    with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as probe:
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
                f"cannot listen for CoAP on UDP {_hostport(bind, port)}: {exc.strerror}. {hint}"
            ) from exc


_demotion: DemoteRepeats | None = None


def _install_log_demotion() -> None:
    global _demotion
    if _demotion is None:
        _demotion = DemoteRepeats(OnceLog(logging.getLogger(_AIOCOAP_LOGGER)))
        logging.getLogger(_AIOCOAP_LOGGER).addFilter(_demotion)

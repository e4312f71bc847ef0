"""The CoAP client: requests, particle POSTs with retries and back-off, and a cache of
resolved peers (RFC 7252, UDP only).

`CoapClient.send_particle` POSTs a body to a peer's inbox with retries and jittered
exponential back-off until a deadline and says how it went (`SendResult`); `get_status` and
`request` do single exchanges. Given a running server, the client sends from the server's
socket, so peers see our listening port as the source and can answer there. Outgoing
requests to one (host, port) are limited to `max_requests_per_peer` at once.

It knows no particle: what it sends is bytes, its deadline a wall-clock time in ms.
"""

from __future__ import annotations

import asyncio
import enum
import errno
import functools
import logging
import os
import random
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import aiocoap
import aiocoap.error
from aiocoap.numbers.codes import Code

from edge_agent import const
from edge_agent.cborutil import CBORError, loads_plain
from edge_agent.clock import now_ms
from edge_agent.logutil import OnceLog
from edge_agent.net import coap_block2, coap_compat, coap_udp4
from edge_agent.net.addressbook import Address
from edge_agent.net.coap_common import (
    CT_CBOR,
    PARTICLE_PATH,
    SENDER_QUERY,
    STATUS_PATH,
    NotRunning,
    Remote,
    RequestFailed,
    State,
    clip,
    close_context,
    destination,
    hop_tag_of,
    hostport,
    log_unparsable,
    resource_path,
    with_hop_tag,
)
from edge_agent.net.coap_dedup import DuplicateTable
from edge_agent.net.coap_server import CoapServer
from edge_agent.net.ipstack import ipv6_unavailable

__all__ = ["CoapClient", "CoapResponse", "SendOutcome", "SendResult"]

log = logging.getLogger(__name__)

_SINGLE_BLOCK_BYTES = 1024
"""Bodies up to this size go in one datagram; larger ones in Block1 blocks (aiocoap cuts
at 1024-byte blocks, RFC 7959 §2.2 SZX 6)."""
_RETRYABLE_CODES = frozenset({"4.08", "4.29", "5.00", "5.02", "5.03", "5.04"})
"""Answers after which sending again may work: incomplete upload, too many requests, and
server-side trouble (not 5.01 Not Implemented or 5.05 Proxying Not Supported)."""
_METHODS = {"GET": Code.GET, "POST": Code.POST, "PUT": Code.PUT, "DELETE": Code.DELETE,
            "FETCH": Code.FETCH}


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
    NOT_LISTENING = "not_listening"
    """Nothing listens at the address now (ICMP port unreachable): a CLI that exited, or a
    peer restarting. Not retried for this send -- a later send finds a restarted peer."""


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
    reply_tag: bytes | None = None
    """The hop tag that came with `reply` (edge_agent/hop.py), if any."""

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
    hop_tag: bytes | None = None

    @property
    def success(self) -> bool:
        return self.code.startswith("2.")

    @property
    def diagnostic(self) -> str:
        """The diagnostic payload of an error response (RFC 7252 §5.5.2), printable."""
        if self.success:
            return ""
        return clip(self.payload.decode("utf-8", "replace"))


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
        clock_ms: Callable[[], int] = now_ms,
    ) -> None:
        self._server = server
        self._max_per_peer = max_requests_per_peer
        self._backoff_initial = backoff_initial_s
        self._backoff_max = backoff_max_s
        self._rng = rng if rng is not None else random.Random()
        self._clock_ms = clock_ms
        self._state = State.NEW
        self._lock = asyncio.Lock()
        self._own_ctx: aiocoap.Context | None = None
        self._closing = asyncio.Event()
        self._exchanging: set[asyncio.Task[Any]] = set()
        self._stop_cancelled: set[asyncio.Task[Any]] = set()
        self._limits: dict[Remote, _PeerLimit] = {}
        self._remotes: dict[Remote, Any] = {}  # (host, port) -> aiocoap's resolved remote
        self._answered: dict[Remote, float] = {}  # (host, port) -> when it last answered us (monotonic)
        self._counts = {
            "sent": 0, "delivered": 0, "rejected": 0, "expired": 0, "not_listening": 0,
            "attempts": 0,
        }
        self._warn = OnceLog(log)

    @property
    def state(self) -> State:
        return self._state

    async def start(self) -> None:
        """Make the client context (unless the server's is used). Idempotent."""
        async with self._lock:
            if not self._state.needs_start("CoapClient"):
                return
            if self._server is None:
                coap_compat.demote_repeated_logs(coap_compat.AIOCOAP_LOGGER)
                missing = ipv6_unavailable()
                if missing is None:
                    ctx = await aiocoap.Context.create_client_context(
                        transports=["udp6"], loggername=coap_compat.AIOCOAP_LOGGER
                    )
                else:
                    log.debug("IPv6 is unavailable (%s): the client uses IPv4 only", missing)
                    ctx = await coap_udp4.create_client_context(loggername=coap_compat.AIOCOAP_LOGGER)
                # Strangers may send requests to our port too: bounded and guarded as well.
                coap_compat.bound_duplicates(ctx, DuplicateTable())
                coap_compat.guard_datagrams(
                    ctx, admit=_any, on_error=functools.partial(log_unparsable, self._warn)
                )
                coap_compat.plain_render_tasks(ctx)
                coap_compat.cache_multicast_checks()
                coap_compat.drop_responses_to_given_up_requests()
                coap_compat.unregister_without_cycles()
                coap_compat.resend_after_stale_errors(ctx)
                self._own_ctx = ctx
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
                await close_context(ctx, log)

    async def __aenter__(self) -> CoapClient:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def answered_since(self, address: Remote | Address, since: float) -> bool:
        """Whether `address` answered a request of ours after `since` (time.monotonic()):
        alive, whatever became of one request to it (it may have waited in our own queue to
        it, or in the peer's backlog)."""
        return self._answered.get(destination(address), float("-inf")) > since

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
        dest = destination(address)
        try:
            code = _METHODS[method.upper()]
        except KeyError:
            known = ", ".join(_METHODS)
            raise ValueError(f"method must be one of {known}, got {method!r}") from None
        message = _message(dest, code, resource_path(path), payload, content_format, accept)
        if query:
            message.opt.uri_query = tuple(query)
        return await self._exchange(dest, message, timeout, max_bytes)

    async def get_status(
        self, address: Remote | Address, timeout: float = const.COAP_REQUEST_TIMEOUT_S
    ) -> dict[Any, Any]:
        """The peer's /status map (CBOR); `RequestFailed` if it cannot be had."""
        where = hostport(*destination(address))
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
            status = loads_plain(
                response.payload, max_items=const.STATUS_MAX_ITEMS, max_depth=const.STATUS_MAX_DEPTH
            )
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
        tag: bytes | None = None,
    ) -> SendResult:
        """POST `raw` to the peer until it is acknowledged, refused, or `deadline_ms` passes.

        `sender` (our peer id) goes along as the Uri-Query `from=...`: a routing hint that
        lets the receiver answer a peer that does not announce itself (the laptop CLI);
        `tag`, the hop tag that proves the hint to that peer (`HOP_TAG_OPTION`).

        `deadline_ms` is wall-clock time in ms since the epoch (a particle's timestamp + ttl).
        Network errors, no answer, 4.08, 4.29 and 5.xx are retried after a jittered,
        doubling wait (honouring Max-Age on 5.03); other errors end it at once, and so does a
        closed port (NOT_LISTENING: a CLI that exited would otherwise be sent to until the
        deadline).
        """
        dest = destination(address)
        segments = resource_path(path)
        started = time.monotonic()
        attempts = 0
        code: str | None = None
        detail = "the deadline had passed before the first attempt"
        self._counts["sent"] += 1

        def result(outcome: SendOutcome, why: str, response: CoapResponse | None = None) -> SendResult:
            self._counts[outcome.value] = self._counts.get(outcome.value, 0) + 1
            reply, reply_tag = _reply_of(response)
            return SendResult(outcome, attempts, time.monotonic() - started, code, why, reply, reply_tag)

        while True:
            if self._state is not State.RUNNING:
                return result(SendOutcome.STOPPED, "the client was stopped")
            remaining = (deadline_ms - self._clock_ms()) / 1000
            if remaining <= 0:
                why = f"deadline reached after {attempts} attempt(s); last: {detail}"
                log.info("gave up sending a particle to %s: %s", hostport(*dest), why)
                return result(SendOutcome.EXPIRED, why)
            attempts += 1
            self._counts["attempts"] += 1
            # A fresh Request-Tag per attempt keeps concurrent or restarted Block1 uploads to
            # one peer apart (RFC 9175 §3); aiocoap does not send one itself.
            request_tag = secrets.token_bytes(4) if len(raw) > _SINGLE_BLOCK_BYTES else None
            message = with_hop_tag(_message(dest, Code.POST, segments, raw, CT_CBOR, None, request_tag), tag)
            if sender is not None:
                message.opt.uri_query = (f"{SENDER_QUERY}={sender}",)
            hint = 0.0
            try:
                response = await self._exchange(dest, message, remaining)
            except RequestFailed as exc:
                code, detail = None, str(exc)
                if exc.port_closed:
                    log.debug("nothing listens at %s now: %s", hostport(*dest), detail)
                    return result(SendOutcome.NOT_LISTENING, detail)
            except NotRunning:
                return result(SendOutcome.STOPPED, "the client was stopped")
            else:
                code = response.code
                if response.success:
                    return result(SendOutcome.DELIVERED, f"acknowledged with {code}", response)
                detail = f"{code} {response.diagnostic}".rstrip()
                if code not in _RETRYABLE_CODES:
                    log.debug("%s refused a particle: %s", hostport(*dest), detail)
                    return result(SendOutcome.REJECTED, detail)
                if code == "5.03" and response.max_age is not None:
                    hint = float(response.max_age)
            log.debug("attempt %d to send a particle to %s failed: %s",
                      attempts, hostport(*dest), detail)
            delay = max(self._backoff(attempts), min(hint, self._backoff_max))
            delay = min(delay, max(0.0, (deadline_ms - self._clock_ms()) / 1000))
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
        where = hostport(*dest)
        if timeout <= 0:
            raise RequestFailed(f"no time left to send to {where}")
        task = asyncio.current_task()
        assert task is not None
        self._exchanging.add(task)
        try:
            async with asyncio.timeout(timeout):  # no extra task, unlike wait_for
                response = await self._limited(dest, message, max_bytes)
        except TimeoutError:
            raise RequestFailed(f"no answer from {where} within {timeout:.1f} s") from None
        except aiocoap.error.Error as exc:
            if self._state is not State.RUNNING:
                raise NotRunning("the client was stopped") from None
            raise RequestFailed(f"{where}: {_describe(exc)}", errno=_errno(exc)) from None
        except asyncio.CancelledError:
            # Cancelled by stop() alone: report that. Cancelled by the caller too: propagate.
            if task in self._stop_cancelled and task.uncancel() == 0:
                raise NotRunning("the client was stopped") from None
            raise
        finally:
            self._exchanging.discard(task)
            self._stop_cancelled.discard(task)
        self._answered.pop(dest, None)  # kept in order of the last answer: the oldest goes first
        if len(self._answered) >= const.COAP_MAX_RESOLVED_REMOTES:
            del self._answered[next(iter(self._answered))]
        self._answered[dest] = time.monotonic()
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
            hop_tag=hop_tag_of(response),
        )

    async def _limited(self, dest: Remote, message: aiocoap.Message, max_bytes: int) -> aiocoap.Message:
        ctx = self._context()
        limit = self._limits.get(dest)
        if limit is None:
            limit = self._limits[dest] = _PeerLimit(asyncio.Semaphore(self._max_per_peer))
        limit.users += 1
        try:
            async with limit.semaphore:
                return await self._request(ctx, dest, message, max_bytes)
        finally:
            limit.users -= 1
            if limit.users == 0:
                del self._limits[dest]

    async def _request(
        self, ctx: aiocoap.Context, dest: Remote, message: aiocoap.Message, max_bytes: int
    ) -> aiocoap.Message:
        """One exchange, reusing the remote aiocoap resolved for `dest` before.

        aiocoap resolves a "host:port" on every request with getaddrinfo in a thread (and a
        route check), which takes longer than the exchange itself on loopback; peers are
        addressed by IP literals, so the resolved remote stays valid. It is forgotten when
        an exchange with it fails. A new IP literal's remote is built without the thread
        (`coap_compat.literal_remote`: under load that thread waited up to a second for the GIL).
        """
        remote = self._remotes.get(dest)
        known = remote is not None
        if remote is None:
            remote = coap_compat.literal_remote(ctx, *dest)
        if remote is not None:
            message.remote = remote
        # A small POST (a particle) needs no blockwise machinery either way: its answer is
        # a code and a short diagnostic, never Block2 (one task less per exchange). A GET's
        # answer may come in blocks: fetched here, each within `max_bytes` (coap_block2).
        blockwise = message.code != Code.POST or len(message.payload) > _SINGLE_BLOCK_BYTES
        try:
            if message.code == Code.GET:
                response = await coap_block2.request_within(ctx, message, max_bytes, hostport(*dest))
            else:
                response = await ctx.request(message, handle_blockwise=blockwise).response
        except aiocoap.error.Error:
            self._remotes.pop(dest, None)
            raise
        if not known and getattr(message.remote, "sockaddr", None) is not None:
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


def _reply_of(response: CoapResponse | None) -> tuple[bytes, bytes | None]:
    """The copy a response to an inbox POST holds, and its hop tag (b"" for none)."""
    if response is None or response.content_format != CT_CBOR:
        return b"", None
    return response.payload, response.hop_tag


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
    message.unresolved_remote = hostport(*dest)
    return message


_ERRNO_HINTS = {
    errno.ECONNREFUSED: "nothing listens on that port (ICMP port unreachable)",
    errno.EHOSTUNREACH: "no route to the host (is it on this network, and up?)",
    errno.ENETUNREACH: "no route to that network",
}


def _errno(exc: aiocoap.error.Error) -> int | None:
    """The OS error behind a failed exchange (aiocoap wraps it), if there is one."""
    for err in (exc, exc.__cause__, exc.__context__):
        number = getattr(err, "errno", None)
        if isinstance(number, int) and number > 0:
            return number
    return None


def _describe(exc: aiocoap.error.Error) -> str:
    """A short, version-independent reason for a failed exchange (aiocoap's texts vary)."""
    number = _errno(exc)
    if number is not None:
        hint = _ERRNO_HINTS.get(number)
        return clip(f"{os.strerror(number)}: {hint}" if hint else os.strerror(number))
    return clip(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)


def _any(data: bytes, address: Any) -> bool:
    return True

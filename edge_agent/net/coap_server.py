"""The CoAP server: an aiocoap site on one UDP address and port, its lifecycle, and the
bounds on what each sender may make it do (RFC 7252, UDP only).

Resources (`coap_resources`): the inbox ``POST /particle``, ``GET /status``,
``GET /.well-known/core``, and whatever `add_resource` adds. A body POSTed to the inbox is
checked in order: size (Size1 or the bytes, 4.13 with Size1 = the limit), Content-Format
(4.15), the sender's rate (4.29), then the node's `precheck(raw)` -- which returns what it
decoded, or raises `Refused` (4.00, 4.13 or 5.03 with the diagnostic ``"<counter>:
<detail>"``). A body that passes goes to `on_inbox(Inbound)` in a task the server owns, and
the POST is answered 2.04 at once -- or, if the node offers a reply under the body's
`reply_key` within `reply_wait_s`, with that reply in the response (saving an exchange).
The response waits only while the callback runs, or after it when the node said a reply
is coming (`expect_reply`): a body that gets no reply is answered as soon as its callback
returns, not after `reply_wait_s`. (A sender has one exchange with us at a time, NSTART = 1:
every idle wait would hold all its later POSTs, 20 a second at 50 ms.)
At most `max_pending` callbacks run at a time; beyond that a POST is answered 5.03 with
Max-Age.

Bounded per sender (issue 8), with the node's priority senders first (`priority(remote)`,
by default loopback only; asked only when a bound is reached):

- requests and inbox bodies: token buckets per source address and for all others together
  (`coap_limits.SenderGate`): an excess request is dropped before aiocoap decodes it, an
  excess body answered 4.29 with Max-Age (RFC 8516);
- Block1 uploads: at most `COAP_BLOCK1_MAX_PER_SENDER` in progress per source address, and
  the last `COAP_BLOCK1_RESERVED` slots for priority senders (`coap_spool`);
- callbacks: the last `COAP_PENDING_RESERVED` of `max_pending` for priority senders;
- aiocoap's duplicate table (RFC 7252 §4.5): bounded in total and per source address
  (`coap_dedup`, put in place by `coap_compat`).

What a stranger sends never raises into the event loop: unknown paths get 4.04, a wrong
method 4.05, unknown critical options 4.02 (checked here: aiocoap lets them through);
peer-caused problems are logged through one `logutil.OnceLog` (once per kind and sender at
WARNING, then DEBUG, at a bounded rate). This module knows no particle: the node passes its
precheck, reply key and priority in.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aiocoap
import aiocoap.error
import aiocoap.interfaces
from aiocoap.numbers.codes import Code

from edge_agent import __version__, const
from edge_agent.config import Config
from edge_agent.errors import RemoteError
from edge_agent.logutil import OnceLog
from edge_agent.net import coap_compat
from edge_agent.net.coap_block2_answers import Block2Answers
from edge_agent.net.coap_common import (
    CT_CBOR,
    PARTICLE_PATH,
    STATUS_PATH,
    WELL_KNOWN_CORE_PATH,
    CoapReply,
    NotRunning,
    RefuseCode,
    Refused,
    Remote,
    State,
    close_context,
    hostport,
    is_loopback,
    log_unparsable,
    resource_path,
    with_hop_tag,
)
from edge_agent.net.coap_dedup import DuplicateTable
from edge_agent.net.coap_limits import Priority, SenderGate, SenderLimits
from edge_agent.net.coap_listen import listen
from edge_agent.net.coap_resources import (
    InboxResource,
    ReadOnlyResource,
    StatusResource,
    UploadResource,
    WellKnownCore,
)

__all__ = ["CoapServer", "Inbound"]

log = logging.getLogger(__name__)

Precheck = Callable[[bytes], object]
"""raw body -> what the node accepted (handed on as `Inbound.accepted`), or raises `Refused`."""
ReplyKey = Callable[[Any, str], "Hashable | None"]
"""(accepted, sender hint) -> the key under which the node may `offer_reply`, or None.
(`accepted` is what the precheck returned: opaque here, the node's own type there.)"""
StatusProvider = Callable[[], "Mapping[str, Any] | Awaitable[Mapping[str, Any]]"]


@dataclass(frozen=True, slots=True)
class Inbound:
    """A body the inbox accepted, as handed to `on_inbox`."""

    raw: bytes
    remote: Remote
    """Where it came from (the sender's UDP endpoint)."""
    sender: str | None
    """The ``from=`` hint: who the sender says it is (untrusted)."""
    accepted: object
    """What the precheck returned for it (None without a precheck)."""
    tag: bytes | None = None
    """The hop tag it came with (`HOP_TAG_OPTION`): proof of `sender`, for the node to check."""


OnInbox = Callable[[Inbound], Awaitable[None]]

_Reply = tuple[bytes, "bytes | None"]
"""A copy offered for an inbox POST's response, and its hop tag; b"" for none."""
_NO_REPLY: _Reply = (b"", None)


_DEFAULT_LIMITS = SenderLimits()

_KNOWN_CRITICAL_OPTIONS = frozenset({3, 7, 11, 15, 17, 23, 27, 35, 39})
"""Critical options (odd numbers) this site acts on: Uri-Host, Uri-Port, Uri-Path, Uri-Query,
Accept, Block2, Block1, Proxy-Uri, Proxy-Scheme. Not If-Match or If-None-Match: no resource
here evaluates them, and a critical option must not be ignored silently."""
_OWN_PATHS = (PARTICLE_PATH, STATUS_PATH, WELL_KNOWN_CORE_PATH)


class _Site(coap_compat.PathSite):
    """The site, answering 4.02 Bad Option to a request with a critical option it does not
    understand (RFC 7252 §5.4.1), which aiocoap itself lets through."""

    async def render_to_pipe(self, pipe: Any) -> None:
        numbers = {int(option.number) for option in pipe.request.opt.option_list()}
        unknown = sorted(n for n in numbers - _KNOWN_CRITICAL_OPTIONS if n & 1)  # odd: critical
        if unknown:
            raise CoapReply(
                Code.BAD_OPTION,
                f"critical option(s) {', '.join(map(str, unknown))} not supported here",
            )
        return await super().render_to_pipe(pipe)


class CoapServer:
    """The agent's CoAP site on one UDP address and port (see the module docstring)."""

    def __init__(
        self,
        *,
        on_inbox: OnInbox,
        precheck: Precheck | None = None,
        reply_key: ReplyKey | None = None,
        priority: Priority = is_loopback,
        status: StatusProvider | None = None,
        bind: str = "::",
        port: int = const.COAP_DEFAULT_PORT,
        max_body_bytes: int = const.MAX_PARTICLE_BYTES,
        max_pending: int = const.COAP_MAX_PENDING_PARTICLES,
        max_pending_bytes: int = const.COAP_MAX_PENDING_PARTICLE_BYTES,
        reply_wait_s: float = const.COAP_REPLY_WAIT_S,
        limits: SenderLimits = _DEFAULT_LIMITS,
        duplicates: DuplicateTable | None = None,
    ) -> None:
        if not 0 <= port <= 65535:
            raise ValueError(f"port must be 0-65535 (0: any free port), got {port}")
        self.bind = bind
        self.max_body_bytes = max_body_bytes
        self.reply_wait_s = reply_wait_s
        self.hooks: frozenset[str] = frozenset()
        """The `coap_compat` hooks in place while running."""
        self._port = port
        self._on_inbox = on_inbox
        self._precheck = precheck
        self._reply_key = reply_key
        self._status = status
        self._max_pending = max_pending
        self._max_pending_bytes = max_pending_bytes
        self._state = State.NEW
        self._lock = asyncio.Lock()
        self._ctx: aiocoap.Context | None = None
        self._started = 0.0
        self._pending: dict[asyncio.Task[None], int] = {}
        self._pending_bytes = 0
        self._counts = {
            "received": 0, "accepted": 0, "overloaded": 0, "unparsable": 0,
            "replied_in_response": 0, "retransmitted": 0,
        }
        self._rejected: dict[str, int] = {}
        self._reply_slots: dict[Hashable, asyncio.Future[_Reply]] = {}
        self._held_by: dict[asyncio.Task[None], Hashable] = {}  # callback -> its POST's slot
        self._expected: set[Hashable] = set()  # slots `expect_reply` keeps past the callback
        self._holding = 0  # inbox POSTs whose answer waits for a reply now
        self._none_held = asyncio.Event()
        self._warn = OnceLog(log)
        self.gate = SenderGate(limits, priority, self._warn)
        """The bounds per sender (`coap_limits`)."""
        self._duplicates = duplicates if duplicates is not None else DuplicateTable()
        self._site = _Site()
        self._inbox = InboxResource(
            max_bytes=max_body_bytes, take=self._take, admit_body=self.gate.admit_body,
            refused=self._count_refusal,
        )
        self._inbox.priority = self.gate.is_priority
        self._answers = Block2Answers()
        """Answers kept for their later blocks, for every GET resource here (bounded)."""
        self._site.add_resource(PARTICLE_PATH, self._inbox)
        self._site.add_resource(STATUS_PATH, self._served(StatusResource(self._current_status)))
        self._site.add_resource(
            WELL_KNOWN_CORE_PATH,
            self._served(WellKnownCore(self._site.get_resources_as_linkheader, impl_info=None)),
        )

    @classmethod
    def from_config(
        cls,
        config: Config,
        *,
        on_inbox: OnInbox,
        precheck: Precheck | None = None,
        reply_key: ReplyKey | None = None,
        priority: Priority = is_loopback,
        status: StatusProvider | None = None,
    ) -> CoapServer:
        """A server on `coap.bind`:`coap.port` taking bodies up to `particles.max_bytes`."""
        return cls(
            on_inbox=on_inbox,
            precheck=precheck,
            reply_key=reply_key,
            priority=priority,
            status=status,
            bind=config.coap.bind,
            port=config.coap.port,
            max_body_bytes=config.particles.max_bytes,
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
        """Listen on UDP `bind`:`port`; `StartError` if that is impossible. Idempotent.

        On a host without IPv6 (``ipv6.disable=1``), '::' means every IPv4 address
        (0.0.0.0, and `bind` says so once running), an IPv4 `bind` is used as it is, and an
        IPv6 one is a `StartError` that says what to set instead.
        """
        async with self._lock:
            if not self._state.needs_start("CoapServer"):
                return
            coap_compat.demote_repeated_logs(coap_compat.AIOCOAP_LOGGER)
            ctx, self.bind, self._port = await listen(self._site, self.bind, self._port)
            self._ctx = ctx
            self._install_hooks(ctx)
            self._started = time.monotonic()
            self._state = State.RUNNING
            log.info("CoAP server listening on UDP %s", hostport(self.bind, self._port))

    def _install_hooks(self, ctx: aiocoap.Context) -> None:
        installed = {
            "guard_datagrams": coap_compat.guard_datagrams(
                ctx, admit=self.gate.admit_datagram, on_error=self._unparsable
            ),
            "bound_duplicates": coap_compat.bound_duplicates(ctx, self._duplicates),
            "resend_after_stale_errors": coap_compat.resend_after_stale_errors(ctx),
            "count_retransmissions": coap_compat.count_retransmissions(ctx, self._retransmitted),
            "drop_responses_to_given_up_requests": coap_compat.drop_responses_to_given_up_requests(),
            "unregister_without_cycles": coap_compat.unregister_without_cycles(),
        }
        # Speed only: without them aiocoap does the same, slower.
        coap_compat.plain_render_tasks(ctx)
        coap_compat.cache_multicast_checks()
        self.hooks = frozenset(name for name, ok in installed.items() if ok)
        missing = sorted(set(installed) - self.hooks)
        if missing:
            log.warning(
                "aiocoap %s is laid out differently than expected: %s not in place (see "
                "edge_agent/net/coap_compat.py; supported: %s)",
                ".".join(map(str, coap_compat.installed_version())), ", ".join(missing),
                ", ".join(coap_compat.VERIFIED),
            )

    async def stop(self) -> None:
        """Stop listening and cancel inbox callbacks still running. Idempotent."""
        async with self._lock:
            if self._state is not State.RUNNING:
                self._state = State.STOPPED
                return
            self._state = State.STOPPED
            await self._answer_held()
            tasks = list(self._pending)
            for task in tasks:
                task.cancel()
            if tasks:
                _, late = await asyncio.wait(tasks, timeout=const.COAP_STOP_TIMEOUT_S)
                if late:
                    log.error("%d inbox callbacks ignored cancellation at stop", len(late))
            ctx, self._ctx = self._ctx, None
            if ctx is not None:
                await close_context(ctx, log)
            self._inbox.spool.clear()
            self._duplicates.clear()
            log.info("CoAP server on UDP %s stopped", hostport(self.bind, self._port))

    async def _answer_held(self) -> None:
        """Answer (2.04, no reply) the inbox POSTs still waiting for a reply, before the
        socket closes: their bodies were taken, and a sender left unanswered would resend
        to a closed port (a CLI that exits as soon as its result came in such a POST)."""
        for future in self._reply_slots.values():
            if not future.done():
                future.set_result(_NO_REPLY)
        if self._holding:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._none_held.wait(), const.COAP_STOP_TIMEOUT_S)

    async def __aenter__(self) -> CoapServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def __repr__(self) -> str:
        return f"<CoapServer {hostport(self.bind, self._port)} {self._state.value}>"

    # -- resources --

    def add_resource(
        self, path: str | Sequence[str], resource: aiocoap.interfaces.Resource
    ) -> None:
        """Serve `resource` at `path` ("deploy", "a/b" or a tuple of segments).

        A resource taking a request body should derive from `UploadResource` (bounded
        Block1); a GET-only one from `ReadOnlyResource` (bounded Block2 answers). Either gets
        this server's `priority`.
        Works before and after `start()`.
        """
        segments = resource_path(path)
        if segments in _OWN_PATHS:
            raise ValueError(f"/{'/'.join(segments)} is the transport's own resource")
        self._site.add_resource(segments, self._served(resource))

    def _served(self, resource: Any) -> Any:
        """`resource` with this server's priority senders (and, for GETs, its kept answers)."""
        if isinstance(resource, UploadResource | ReadOnlyResource):
            resource.priority = self.gate.is_priority
        if isinstance(resource, ReadOnlyResource):
            resource.block2 = self._answers
        return resource

    def remove_resource(self, path: str | Sequence[str]) -> None:
        """Stop serving what `add_resource` put at `path` (KeyError if nothing is there)."""
        segments = resource_path(path)
        if segments in _OWN_PATHS:
            raise ValueError(f"/{'/'.join(segments)} is the transport's own resource")
        self._site.remove_resource(segments)

    # -- counters and status --

    def stats(self) -> dict[str, Any]:
        """Transport counters for the status map (fresh dict; safe to modify).

        `retransmitted`: confirmable messages sent again from this port for want of an ACK
        (the node's client sends from it too); `duplicates`: requests received again."""
        return {
            **self._counts,
            "rejected": dict(self._rejected),
            "rate_limited": dict(self.gate.dropped),
            "pending": len(self._pending),
            "uploads_in_progress": len(self._inbox.spool),
            "recent_requests": len(self._duplicates),
            "duplicates": self._duplicates.repeats,
            "log_suppressed": self._warn.suppressed,
        }

    def _retransmitted(self) -> None:
        self._counts["retransmitted"] += 1

    async def _current_status(self) -> Mapping[str, Any]:
        if self._status is None:
            uptime = time.monotonic() - self._started if self._state is State.RUNNING else 0.0
            return {"version": __version__, "uptime_s": round(uptime, 3), "coap": self.stats()}
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

    # -- peer-caused trouble --

    def _unparsable(self, address: Any, exc: Exception) -> None:
        self._counts["unparsable"] += 1
        log_unparsable(self._warn, address, exc)

    def _count_refusal(self, counter: str, remote: Remote, why: object) -> None:
        self._rejected[counter] = self._rejected.get(counter, 0) + 1
        self._warn.warning(
            (counter, remote[0]), "refused a body from %s: %s", hostport(*remote), why
        )

    # -- the inbox --

    def has_reply_slot(self, key: Hashable) -> bool:
        """Whether an inbox POST whose `reply_key` was `key` still waits for its answer."""
        future = self._reply_slots.get(key)
        return future is not None and not future.done()

    def expect_reply(self, key: Hashable) -> bool:
        """Keep the inbox POST whose `reply_key` was `key` waiting (at most `reply_wait_s`
        in all) after its callback returns: the node will `offer_reply` shortly (it proves
        the sender's key first). True if that POST still waits."""
        future = self._reply_slots.get(key)
        if future is None or future.done():
            return False
        self._expected.add(key)
        return True

    def offer_reply(self, key: Hashable, raw: bytes, tag: bytes | None = None) -> bool:
        """Hand `raw` (with its hop `tag`, if any) to the response of the inbox POST whose
        `reply_key` was `key`, if it still waits (and `raw` fits one block); True if it was
        taken."""
        future = self._reply_slots.pop(key, None)
        if future is None or future.done() or len(raw) > const.COAP_MAX_REPLY_IN_RESPONSE_BYTES:
            return False
        future.set_result((raw, tag))
        self._counts["replied_in_response"] += 1
        return True

    async def _take(
        self, raw: bytes, remote: Remote, sender: str | None, tag: bytes | None = None
    ) -> aiocoap.Message:
        """Check a whole inbox body, start its callback, and answer (or raise `CoapReply`)."""
        slot = self._accept(raw, remote, sender, tag)
        if slot is None:
            return aiocoap.Message(code=Code.CHANGED)
        key, future = slot
        self._holding += 1
        self._none_held.clear()
        # The wait ends with b"" when it times out, never by cancelling `future`: a reply
        # offered just then (`offer_reply` said it was taken) is still sent.
        timer = asyncio.get_running_loop().call_later(self.reply_wait_s, _end_wait, future)
        try:
            reply, reply_tag = await future
        finally:
            timer.cancel()
            self._reply_slots.pop(key, None)
            self._expected.discard(key)
            self._holding -= 1
            if not self._holding:
                self._none_held.set()
        if not reply:  # none, or b"" from `_answer_held`
            return aiocoap.Message(code=Code.CHANGED)
        answer = aiocoap.Message(code=Code.CHANGED, payload=reply, content_format=CT_CBOR)
        return with_hop_tag(answer, reply_tag)

    def _accept(
        self, raw: bytes, remote: Remote, sender: str | None, tag: bytes | None
    ) -> tuple[Hashable, asyncio.Future[_Reply]] | None:
        self._counts["received"] += 1
        if self._state is not State.RUNNING:
            raise CoapReply(Code.SERVICE_UNAVAILABLE, "shutting down")
        accepted = self._check(raw, remote)
        self._make_room(len(raw), remote)
        self._counts["accepted"] += 1
        if log.isEnabledFor(logging.DEBUG):  # hostport formats on every body otherwise
            log.debug("body of %d bytes from %s", len(raw), hostport(*remote))
        slot = self._reply_slot(accepted, sender)
        task = asyncio.get_running_loop().create_task(
            self._deliver(Inbound(raw, remote, sender, accepted, tag))
        )
        self._pending[task] = len(raw)
        self._pending_bytes += len(raw)
        task.add_done_callback(self._delivered)
        if slot is not None:
            self._held_by[task] = slot[0]
        return slot

    def _check(self, raw: bytes, remote: Remote) -> object:
        if self._precheck is None:
            return None
        try:
            return self._precheck(raw)
        except Refused as exc:
            self._count_refusal(exc.counter, remote, exc)
            raise self._refusal(exc) from None
        except Exception:
            log.exception("the precheck failed on a body from %s", hostport(*remote))
            raise CoapReply(Code.INTERNAL_SERVER_ERROR, "internal error") from None

    def _refusal(self, exc: Refused) -> CoapReply:
        diagnostic = f"{exc.counter}: {exc}"
        if exc.code is RefuseCode.TOO_LARGE:
            return CoapReply(Code.REQUEST_ENTITY_TOO_LARGE, diagnostic, size1=self.max_body_bytes)
        if exc.code is RefuseCode.BUSY:
            return CoapReply(
                Code.SERVICE_UNAVAILABLE, diagnostic, max_age=const.COAP_OVERLOAD_MAX_AGE_S
            )
        return CoapReply(Code.BAD_REQUEST, diagnostic)

    def _make_room(self, size: int, remote: Remote) -> None:
        """Refuse (5.03) a body when the callbacks are full; the reserved ones for priority
        senders only."""
        pending = len(self._pending)
        full = pending >= self._max_pending or (
            pending > 0 and self._pending_bytes + size > self._max_pending_bytes
        )
        if not full and pending >= self._max_pending - self.gate.limits.pending_reserved:
            full = not self.gate.is_priority(remote)
        if not full:
            return
        self._counts["overloaded"] += 1
        self._warn.info(
            ("overloaded",),
            "overloaded: %d bodies (%d bytes) wait for the node; answering 5.03",
            pending, self._pending_bytes,
        )
        raise CoapReply(
            Code.SERVICE_UNAVAILABLE,
            f"overloaded: {pending} particles are waiting; retry in "
            f"{const.COAP_OVERLOAD_MAX_AGE_S} s",
            max_age=const.COAP_OVERLOAD_MAX_AGE_S,
        )

    def _reply_slot(
        self, accepted: object, sender: str | None
    ) -> tuple[Hashable, asyncio.Future[_Reply]] | None:
        # Only when idle: a response held back holds the sender's exchange with us (aiocoap
        # keeps one request per peer in flight, NSTART = 1, RFC 7252 §4.7), so under load
        # answers go as their own POSTs and nothing waits.
        if sender is None or self._reply_key is None or self.reply_wait_s <= 0 or self._pending:
            return None
        try:
            key = self._reply_key(accepted, sender)
        except Exception:  # noqa: BLE001 - a bug in the node costs the shortcut, not the body
            log.exception("the reply_key callback failed")
            return None
        if key is None or key in self._reply_slots or len(self._reply_slots) >= self._max_pending:
            return None
        future = asyncio.get_running_loop().create_future()
        self._reply_slots[key] = future
        return key, future

    async def _deliver(self, inbound: Inbound) -> None:
        try:
            await self._on_inbox(inbound)
        except asyncio.CancelledError:
            raise
        except RemoteError as exc:  # the node dropped it; the node counts it
            log.debug("node dropped a body from %s: %s", hostport(*inbound.remote), exc)
        except Exception:
            log.exception("on_inbox failed on a body from %s", hostport(*inbound.remote))

    def _delivered(self, task: asyncio.Task[None]) -> None:
        self._pending_bytes -= self._pending.pop(task, 0)
        key = self._held_by.pop(task, None)
        if key is not None and key not in self._expected:
            # The callback is done and offered nothing, nor said a reply is coming: answer.
            future = self._reply_slots.get(key)
            if future is not None:
                _end_wait(future)


def _end_wait(future: asyncio.Future[_Reply]) -> None:
    if not future.done():
        future.set_result(_NO_REPLY)

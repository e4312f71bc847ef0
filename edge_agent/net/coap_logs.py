"""GET /logs: an agent's log ring (`edge_agent.logring`), for its trusted peers; and the query.

    GET /logs?from=<peer id>[&after=<seq>][&since=<ms>][&s=<service>][&n=<lines>]

answers 2.05 with the CBOR map ``{"lines": [[seq, t_ms, level, kind, service, text], ...],
"last": <newest seq in the ring>, "more": <bool>}``: the lines numbered above `after`, at or
after `since` (ms since the epoch), of service `s`, at most the newest `n` (an `after` above
the ring's newest line was numbered before the agent restarted: all lines count). Who asks is
`authorize`'s decision (the agent: a trusted peer that proves its key at the request's source
address, so the answer goes to it alone); a refusal is 4.03 with a diagnostic that says why.

With Observe (RFC 7641) the request follows the ring: each notification carries the lines
added since the previous one for that observer (oldest first, one datagram at most; "more"
says the next notification follows at once). Bounds: `LOG_MAX_OBSERVERS` observations, counted
once authorized (more get 5.03), `LOG_MAX_AUTHORIZING` new requests being authorized at a
time (more get 5.03: each may wait for an address challenge), a notification at most every
`LOG_NOTIFY_INTERVAL_S`, `LOG_NOTIFY_MAX_BYTES` each;
a plain answer at most `LOG_ANSWER_MAX_BYTES` (Block2) and `LOG_ANSWER_MAX_LINES` lines.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiocoap
import aiocoap.resource
import cbor2
from aiocoap.numbers.codes import Code

from edge_agent import const_observe as K
from edge_agent.cborutil import CBORError, loads_plain
from edge_agent.identity import InvalidPeerId, validate_peer_id
from edge_agent.logring import BadLogLine, LogLine, LogRing
from edge_agent.net.coap_common import CT_CBOR, SENDER_QUERY, CoapReply, Remote, remote_of
from edge_agent.net.coap_resources import ReadOnlyResource

__all__ = [
    "LOGS_PATH", "RT_LOGS", "Authorize", "LogsQuery", "LogsResource", "decode_answer", "encode_answer",
    "query_items",
]

log = logging.getLogger(__name__)

LOGS_PATH = ("logs",)
RT_LOGS = "edge-agent.logs"
"""Resource type of /logs in /.well-known/core."""

Authorize = Callable[[str, Remote], Awaitable["str | None"]]
"""authorize(peer id the request names, its source) -> None to answer, else why not."""

_MAX_QUERY_ITEMS = 8


@dataclass(frozen=True, slots=True)
class LogsQuery:
    """What a GET /logs asks for (see the module)."""

    peer: str
    after: int = 0
    since_ms: int | None = None
    service: str | None = None
    limit: int = K.LOG_ANSWER_MAX_LINES

    @classmethod
    def parse(cls, items: tuple[str, ...] | list[str]) -> LogsQuery:
        """The query of a request's Uri-Query items; `CoapReply` 4.00 says what is wrong."""
        if len(items) > _MAX_QUERY_ITEMS:
            raise CoapReply(Code.BAD_REQUEST, "too many query items")
        values: dict[str, str] = {}
        for item in items:
            key, _, value = item.partition("=")
            values[key] = value
        peer = values.get(SENDER_QUERY, "")
        try:
            validate_peer_id(peer)
        except InvalidPeerId:
            raise CoapReply(Code.BAD_REQUEST, "say who asks: from=<your peer id>") from None
        service = values.get("s") or None
        if service is not None and len(service) > K.LOG_SERVICE_NAME_MAX_CHARS:
            raise CoapReply(Code.BAD_REQUEST, "s= is a service name")
        since = values.get("since")
        return cls(
            peer,
            after=_number(values.get("after", "0"), "after"),
            since_ms=None if since is None else _number(since, "since"),
            service=service,
            limit=min(_number(values.get("n", str(K.LOG_ANSWER_MAX_LINES)), "n"), K.LOG_ANSWER_MAX_LINES),
        )


def _number(text: str, key: str) -> int:
    if not text.isdigit() or len(text) > 19:
        raise CoapReply(Code.BAD_REQUEST, f"{key}= is a non-negative integer")
    return int(text)


def query_items(
    peer: str, *, after: int = 0, since_ms: int | None = None, service: str | None = None, limit: int = 0
) -> list[str]:
    """The Uri-Query items of a GET /logs (the reader's side of `LogsQuery.parse`)."""
    items = [f"{SENDER_QUERY}={peer}", f"after={after}"]
    if since_ms is not None:
        items.append(f"since={since_ms}")
    if service:
        items.append(f"s={service}")
    if limit:
        items.append(f"n={limit}")
    return items


def encode_answer(lines: list[LogLine], last: int, budget: int, *, oldest_first: bool) -> tuple[bytes, int]:
    """The CBOR answer holding as many of `lines` as fit in `budget` bytes -- the oldest
    (a notification: the rest follow) or the newest (a plain answer: the tail) -- and the seq
    of the newest line it holds (0: none)."""
    overhead = len(cbor2.dumps({"lines": [], "last": last, "more": True}))
    chosen: list[list[Any]] = []
    used = overhead + 2
    for line in lines if oldest_first else reversed(lines):
        wire = line.to_wire()
        size = len(cbor2.dumps(wire))
        if used + size > budget:
            break
        chosen.append(wire)
        used += size
    if not chosen and lines:  # one line longer than the budget (multi-byte text): cut, not lost
        first = lines[0] if oldest_first else lines[-1]
        chosen.append([*first.to_wire()[:5], first.text[: budget // 8]])
    if not oldest_first:
        chosen.reverse()
    more = len(chosen) < len(lines)
    newest = chosen[-1][0] if chosen else 0
    return cbor2.dumps({"lines": chosen, "last": last, "more": more}), newest


class LogsResource(ReadOnlyResource, aiocoap.resource.ObservableResource):
    """GET /logs, observable (see the module)."""

    rt = RT_LOGS
    ct = str(CT_CBOR)

    def __init__(
        self, ring: LogRing, authorize: Authorize, proven: Callable[[str, Remote], bool] = lambda p, r: False
    ) -> None:
        super().__init__()
        self.ring = ring
        self._authorize = authorize
        self._proven = proven
        """Whether a reader proved its key at that address already (it needs no challenge)."""
        self._cursors: dict[int, int] = {}
        """id(observation's request) -> the newest seq it was sent (or skipped past)."""
        self._watching: dict[int, Any] = {}
        """id(observation's request) -> aiocoap's ServerObservation, to trigger."""
        self._asking: dict[int, Any] = {}
        """Observations not yet authorized (they take no follower's place meanwhile)."""
        self._authorizing = 0
        self._pending: asyncio.TimerHandle | None = None
        ring.listener = self._line_added

    @property
    def observers(self) -> int:
        return len(self._cursors)

    async def add_observation(self, request: aiocoap.Message, serverobservation: Any) -> None:
        # Accepted even when refused: aiocoap (0.4.x) calls the cancellation callback of
        # every observation it asked about, accepted or not; `render_get` then answers with
        # an error, which ends the observation. It becomes a follower there, once authorized.
        key = id(request)

        def cancelled() -> None:
            self._asking.pop(key, None)
            self._cursors.pop(key, None)
            self._watching.pop(key, None)

        serverobservation.accept(cancelled)
        if len(self._asking) < K.LOG_MAX_OBSERVERS:
            self._asking[key] = serverobservation

    async def render_get(self, request: aiocoap.Message) -> aiocoap.Message:
        query = LogsQuery.parse(request.opt.uri_query)
        observing = request.opt.observe == 0
        key = id(request)
        remote = remote_of(request.remote)
        # A follower's notifications are authorized again (the reader may have lost trust),
        # from the proof cached when it started: never refused as busy.
        following = observing and key in self._cursors
        why = await (self._authorize if following else self._authorized)(query.peer, remote)
        if why is not None:
            raise CoapReply(Code.FORBIDDEN, why)
        if observing and key not in self._cursors:
            watching = self._asking.pop(key, None)
            if watching is None or len(self._cursors) >= K.LOG_MAX_OBSERVERS:
                raise CoapReply(
                    Code.SERVICE_UNAVAILABLE,
                    f"busy: {K.LOG_MAX_OBSERVERS} followers already; try again later",
                    max_age=5,
                )
            self._cursors[key], self._watching[key] = query.after, watching
        after = self._cursors.get(key, query.after)
        if after > self.ring.last_seq:
            after = 0  # numbered by this agent before it restarted: all of this run's lines
        lines = self.ring.lines(
            after=after, since_ms=query.since_ms, service=query.service, limit=query.limit
        )
        last = self.ring.last_seq
        budget = K.LOG_NOTIFY_MAX_BYTES if observing else K.LOG_ANSWER_MAX_BYTES
        payload, newest = encode_answer(lines, last, budget, oldest_first=observing)
        if observing and key in self._cursors:
            more = newest and newest < (lines[-1].seq if lines else 0)
            self._cursors[key] = newest if more else last
            if more:
                self._schedule()
        return aiocoap.Message(code=Code.CONTENT, payload=payload, content_format=CT_CBOR)

    async def _authorized(self, peer: str, remote: Remote) -> str | None:
        """`authorize`'s answer; for a reader that would be challenged (not a priority sender,
        nor proven at its address already), 5.03 while `LOG_MAX_AUTHORIZING` of those wait
        already: a stranger naming a trusted id from many addresses must not keep the
        challenges the device needs busy, nor the operator out."""
        if self.priority(remote) or self._proven(peer, remote):
            return await self._authorize(peer, remote)
        if self._authorizing >= K.LOG_MAX_AUTHORIZING:
            raise CoapReply(
                Code.SERVICE_UNAVAILABLE, "busy: other readers are proving their keys; try again", max_age=1
            )
        self._authorizing += 1
        try:
            return await self._authorize(peer, remote)
        finally:
            self._authorizing -= 1

    def _line_added(self, line: LogLine) -> None:
        if self._cursors:
            self._schedule()

    def _schedule(self) -> None:
        if self._pending is None:
            loop = asyncio.get_running_loop()
            self._pending = loop.call_later(K.LOG_NOTIFY_INTERVAL_S, self._notify)

    def _notify(self) -> None:
        self._pending = None
        for observation in list(self._watching.values()):
            observation.trigger()  # each renders its own lines (`render_get`)

    def close(self) -> None:
        """Stop notifying (the server is stopping)."""
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        self.ring.listener = None


def decode_answer(payload: bytes) -> tuple[list[LogLine], int, bool]:
    """(lines, newest seq in the ring, more) of a GET /logs answer; `BadLogLine` if it is not
    one (bounded first: its size, then the number of lines)."""
    if len(payload) > K.LOG_ANSWER_MAX_BYTES + 1024:
        raise BadLogLine(f"a {len(payload)}-byte answer is larger than any /logs answer")
    try:
        answer = loads_plain(payload, max_items=K.LOG_ANSWER_MAX_ITEMS, max_depth=4)
    except CBORError as exc:
        raise BadLogLine(f"the answer is not CBOR: {exc}") from None
    if not isinstance(answer, dict) or not isinstance(answer.get("lines"), list):
        raise BadLogLine("a /logs answer is a map with lines, last and more")
    items, last, more = answer["lines"], answer.get("last"), answer.get("more")
    if len(items) > K.LOG_ANSWER_MAX_LINES or type(last) is not int or not isinstance(more, bool):
        raise BadLogLine("a /logs answer is a map with lines, last and more")
    return [LogLine.from_wire(item) for item in items], last, more

"""The resources a CoAP server serves, and the bases for the ones other modules add.

- `ReadOnlyResource`: GET only; a request carrying a body is refused, never spooled, and an
  answer larger than a block is served in blocks from a bounded store (`coap_block2_answers`).
- `UploadResource`: one request body by POST, Block1 (RFC 7959) reassembled by a bounded
  `Block1Spool`: sizes first, then Content-Format, then blocks; each upload is owned by its
  source address, and `priority(remote)` says whose uploads may use the reserved slots.
- `InboxResource`: the inbox (POST /particle); a whole body goes to the server's `take`.
- `StatusResource`: GET /status, the status map as CBOR (60) or JSON (50) by Accept.
- `WellKnownCore`: GET /.well-known/core (RFC 6690), listing the others.

A refusal is a `CoapReply` that renders itself; resources render their own refusals (aiocoap
would log each one at INFO). Nothing here knows what a body means.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aiocoap
import aiocoap.resource
import cbor2
from aiocoap.numbers.codes import Code

from edge_agent import const
from edge_agent.net import coap_compat
from edge_agent.net.coap_block2_answers import Block2Answers
from edge_agent.net.coap_common import (
    CT_CBOR,
    CT_JSON,
    RT_PARTICLE,
    RT_STATUS,
    SENDER_QUERY,
    CoapReply,
    Remote,
    hop_tag_of,
    is_loopback,
    remote_of,
)
from edge_agent.net.coap_spool import BadBlock, Block1Spool, BlockError, Busy, Incomplete, TooLarge

__all__ = [
    "InboxResource",
    "ReadOnlyResource",
    "StatusResource",
    "UploadResource",
    "WellKnownCore",
]

log = logging.getLogger(__name__)

_BLOCK_ERROR_CODES: dict[type[BlockError], Code] = {
    TooLarge: Code.REQUEST_ENTITY_TOO_LARGE,
    Incomplete: Code.REQUEST_ENTITY_INCOMPLETE,
    BadBlock: Code.BAD_REQUEST,
    Busy: Code.SERVICE_UNAVAILABLE,
}


def _reply_for_block_error(exc: BlockError) -> CoapReply:
    code = _BLOCK_ERROR_CODES.get(type(exc), Code.BAD_REQUEST)
    if isinstance(exc, TooLarge):
        return CoapReply(code, f"too_large: {exc}", size1=exc.limit)
    if isinstance(exc, Busy):
        return CoapReply(code, f"busy: {exc}", max_age=const.COAP_OVERLOAD_MAX_AGE_S)
    return CoapReply(code, str(exc))


class ReadOnlyResource(aiocoap.resource.Resource):
    """Base for GET-only resources: a request carrying Block1 is refused, never spooled (aiocoap
    would reassemble the body of a GET without a bound), and an answer larger than a block is
    served in blocks from a copy kept within bounds (`coap_block2_answers`; aiocoap kept
    one per requester without a bound). `block2` and `priority` are the server's once
    `CoapServer.add_resource` added it. A resource that cuts its own blocks sets `cuts_blocks`.
    """

    cuts_blocks = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.block2 = Block2Answers()
        self.priority: Callable[[Remote], bool] = is_loopback

    async def needs_blockwise_assembly(self, request: aiocoap.Message) -> bool:
        return False  # Block1 is refused, Block2 is ours (`render`)

    async def render(self, request: aiocoap.Message) -> aiocoap.Message:
        try:
            if request.opt.block1 is not None:
                raise CoapReply(Code.BAD_REQUEST, "this resource takes no request body")
            if self.cuts_blocks:
                return await super().render(request)
            whole = super().render
            return await self.block2.answer(
                request, lambda: whole(request), self.priority(remote_of(request.remote))
            )
        except CoapReply as reply:
            return reply.to_message()


class UploadResource(aiocoap.resource.Resource):
    """Base for resources that take one request body by POST, Block1 reassembled in bounds.

    Subclasses set `content_formats` and implement `accept(body, request)`, which returns the
    final response (or raises `CoapReply`); they may override `admit(remote)`, asked when a
    body starts (its first block), to refuse a sender. The body is at most `max_bytes` long;
    uploads in progress are bounded by `spool` (one per resource unless shared). `priority`
    is set by `CoapServer.add_resource` to the server's (loopback until then).
    """

    content_formats: tuple[int, ...] = (CT_CBOR,)

    def __init__(self, *, max_bytes: int, spool: Block1Spool | None = None) -> None:
        super().__init__()
        self.max_bytes = max_bytes
        self.spool = spool if spool is not None else Block1Spool(max_bytes=max_bytes)
        self.priority: Callable[[Remote], bool] = is_loopback

    async def needs_blockwise_assembly(self, request: aiocoap.Message) -> bool:
        return False  # Block1 is ours (bounded); the answers are small, so no Block2

    async def render(self, request: aiocoap.Message) -> aiocoap.Message:
        try:
            return await super().render(request)
        except CoapReply as reply:
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
        remote = remote_of(request.remote)
        if block1 is None or block1.block_number == 0:
            self.admit(remote)
        if block1 is None:
            return request.payload
        starts = block1.block_number == 0 and bool(block1.more)
        key = (coap_compat.blockwise_key(request.remote), tuple(request.opt.request_tag))
        try:
            return self.spool.feed(
                key,
                number=block1.block_number,
                more=bool(block1.more),
                size_exponent=block1.size_exponent,
                payload=request.payload,
                size1=size1,
                owner=remote[0],
                priority=starts and self.priority(remote),
            )
        except BlockError as exc:
            raise _reply_for_block_error(exc) from None

    def admit(self, remote: Remote) -> None:
        """A body from `remote` starts; raise `CoapReply` to refuse it (default: admit)."""

    async def accept(self, body: bytes, request: aiocoap.Message) -> aiocoap.Message:
        """Handle a complete body; the response to send (e.g. 2.04 Changed)."""
        raise NotImplementedError


Take = Callable[[bytes, Remote, "str | None", "bytes | None"], Awaitable[aiocoap.Message]]
"""The server's handling of a whole inbox body: (body, sender's endpoint, sender hint, its
hop tag) -> the answer."""


class InboxResource(UploadResource):
    """POST /particle: a whole body goes to `take`; refusals before that are reported to
    `refused(counter, remote, why)` (too large: "too_large", wrong Content-Format:
    "malformed"), and `admit_body(remote)` may refuse a sender at a body's first block."""

    rt = RT_PARTICLE
    ct = str(CT_CBOR)

    def __init__(
        self,
        *,
        max_bytes: int,
        take: Take,
        admit_body: Callable[[Remote], None],
        refused: Callable[[str, Remote, str], None],
    ) -> None:
        super().__init__(max_bytes=max_bytes)
        self._take = take
        self._admit_body = admit_body
        self._refused = refused

    def admit(self, remote: Remote) -> None:
        self._admit_body(remote)

    async def accept(self, body: bytes, request: aiocoap.Message) -> aiocoap.Message:
        return await self._take(body, remote_of(request.remote), _sender_hint(request), hop_tag_of(request))

    def take_body(self, request: aiocoap.Message) -> bytes | None:
        try:
            return super().take_body(request)
        except CoapReply as reply:
            # A body refused before it is whole is counted like the precheck's refusals.
            # (Block1 transfer trouble -- a lost or foreign block, a busy spool -- and a
            # sender over its rate are not verdicts on the body: the sender retries.)
            counter = _BODY_REFUSALS.get(reply.code)
            if counter is not None:
                self._refused(counter, remote_of(request.remote), reply.message)
            raise


_BODY_REFUSALS = {
    Code.REQUEST_ENTITY_TOO_LARGE: "too_large",
    Code.UNSUPPORTED_CONTENT_FORMAT: "malformed",
}


def _sender_hint(request: aiocoap.Message) -> str | None:
    """The `from=<peer id>` Uri-Query of an inbox POST, if any (a hint; never trusted)."""
    for item in request.opt.uri_query:
        key, _, value = item.partition("=")
        if key == SENDER_QUERY and 0 < len(value) <= const.COAP_MAX_SENDER_HINT_CHARS:
            return value
    return None


class StatusResource(ReadOnlyResource):
    """GET /status: the map from `provider()`, CBOR by default or JSON (Accept: 50)."""

    rt = RT_STATUS
    ct = f"{CT_CBOR} {CT_JSON}"

    def __init__(self, provider: Callable[[], Awaitable[Mapping[str, Any]]]) -> None:
        super().__init__()
        self._provider = provider

    async def render_get(self, request: aiocoap.Message) -> aiocoap.Message:
        accept = request.opt.accept
        fmt = CT_CBOR if accept is None else int(accept)
        if fmt not in (CT_CBOR, CT_JSON):
            raise CoapReply(
                Code.NOT_ACCEPTABLE,
                f"status is served as CBOR ({CT_CBOR}) or JSON ({CT_JSON}), not {fmt}",
            )
        status = await self._provider()
        try:
            if fmt == CT_CBOR:
                payload = cbor2.dumps(status)
            else:
                payload = json.dumps(status, default=_jsonable).encode()
        except Exception:
            log.exception("status map could not be encoded as %s", fmt)
            raise CoapReply(Code.INTERNAL_SERVER_ERROR, "status unavailable") from None
        return aiocoap.Message(code=Code.CONTENT, payload=payload, content_format=fmt)


class WellKnownCore(ReadOnlyResource, aiocoap.resource.WKCResource):
    """GET /.well-known/core (RFC 6690) from a site's link header; not listing itself."""

    def get_link_description(self) -> None:
        return None


def _jsonable(value: object) -> object:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)

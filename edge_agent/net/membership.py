"""GET /membership: a device shows the fleet membership certificates it holds.

A device that a trusted laptop enrolled (`srv.enroll`) answers with a CBOR array of its
unexpired certificates (`edge_agent.access`); another device fetches it from an address where
the caller proved its key (`edge_agent.net.delivery.get_from_peer`) when that caller wants a
``trusted`` service. The certificates are signed statements that name their member, so they
are public: showing them to a stranger tells it only which peers enrolled this device.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import aiocoap
from aiocoap.numbers.codes import Code

from edge_agent.net.coap import ReadOnlyResource

__all__ = ["CT_CBOR", "MEMBERSHIP_PATH", "MembershipResource"]

MEMBERSHIP_PATH = ("membership",)
"""Where agents show their certificates."""

CT_CBOR = 60
"""application/cbor (RFC 8949 §9.5)."""


class MembershipResource(ReadOnlyResource):
    """GET /membership: the answer `answer()` gives (`LocalServices.membership_answer`)."""

    def __init__(self, answer: Callable[[], Awaitable[bytes]]) -> None:
        super().__init__()
        self._answer = answer

    async def render_get(self, request: aiocoap.Message) -> aiocoap.Message:
        return aiocoap.Message(code=Code.CONTENT, payload=await self._answer(), content_format=CT_CBOR)

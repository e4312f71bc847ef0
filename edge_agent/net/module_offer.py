"""GET /modules/<sha256>: a module this peer offers for srv.deploy, served in Block2 blocks.

The CLI offers the module it deploys (`Node.offer_module`); a device fetches it from an
address where the offering peer proved its key (`Node._fetch_module`) and checks its hash.
"""

from __future__ import annotations

from collections.abc import Callable

import aiocoap
from aiocoap.numbers.codes import Code
from aiocoap.optiontypes import BlockOption

from edge_agent.net.coap import CoapReply, ReadOnlyResource

__all__ = ["CT_OCTET_STREAM", "MODULES_PATH", "ModuleResource"]

MODULES_PATH = "modules"
"""Where offered modules are, each under its SHA-256 (hex)."""

CT_OCTET_STREAM = 42
"""application/octet-stream (RFC 7252 §12.3)."""


class ModuleResource(ReadOnlyResource):
    """GET /modules/<sha256>: a module this peer offers, in Block2 blocks (RFC 7959).

    It answers each block request itself (aiocoap would render once and slice), so the
    CLI can show how much of a module a device has fetched.
    """

    cuts_blocks = True

    def __init__(self, wasm: bytes, progress: Callable[[int, int], None] | None) -> None:
        super().__init__()
        self.wasm = wasm
        self.progress = progress

    async def render_get(self, request: aiocoap.Message) -> aiocoap.Message:
        block = request.opt.block2
        szx = min(block.size_exponent, 6) if block is not None else 6
        size = 1 << (szx + 4)
        number = block.block_number if block is not None else 0
        start = number * size
        if start > len(self.wasm):
            raise CoapReply(Code.BAD_REQUEST, f"block {number} is past the end of the module")
        chunk = self.wasm[start : start + size]
        more = start + size < len(self.wasm)
        response = aiocoap.Message(code=Code.CONTENT, payload=chunk, content_format=CT_OCTET_STREAM)
        response.opt.block2 = BlockOption.BlockwiseTuple(number, more, szx)
        response.opt.size2 = len(self.wasm)
        if self.progress is not None:
            self.progress(start + len(chunk), len(self.wasm))
        return response

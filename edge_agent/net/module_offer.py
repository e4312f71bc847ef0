"""GET /modules/<sha256>: a module this peer offers for srv.deploy, served in Block2 blocks.

The CLI offers the module it deploys (`ModuleShelf.offer`); a device fetches it from an
address where the offering peer proved its key (`ModuleShelf.fetch`) and checks its hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import aiocoap
from aiocoap.numbers.codes import Code
from aiocoap.optiontypes import BlockOption

from edge_agent import const
from edge_agent.net.coap import CoapReply, CoapServer, ReadOnlyResource
from edge_agent.net.delivery import get_from_peer
from edge_agent.net.proof import Prover

__all__ = ["CT_OCTET_STREAM", "MODULES_PATH", "ModuleResource", "ModuleShelf"]

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


class ModuleShelf:
    """The modules this peer offers (by SHA-256, hex), and fetching one another peer offers."""

    def __init__(self, server: CoapServer, prover: Prover, max_module_bytes: int) -> None:
        self._server = server
        self._prover = prover
        self._max_bytes = max_module_bytes
        self._modules: dict[str, bytes] = {}

    def offer(self, wasm: bytes, progress: Callable[[int, int], None] | None = None) -> str:
        """Serve `wasm` at /modules/<sha256> so peers can fetch it for srv.deploy; its hash.
        `progress(bytes_sent, total)` is called as the blocks go out."""
        sha = hashlib.sha256(wasm).hexdigest()
        if sha not in self._modules:
            self._modules[sha] = bytes(wasm)
            self._server.add_resource((MODULES_PATH, sha), ModuleResource(self._modules[sha], progress))
        return sha

    async def fetch(self, peer_id: str, sha256: str) -> bytes:
        """GET /modules/<sha256> from `peer_id` (blockwise) where it proves its key, each of its
        addresses in turn (ours at once, if we offer it); the caller checks the hash."""
        if sha256 in self._modules:
            return self._modules[sha256]
        return await get_from_peer(
            self._prover, peer_id, (MODULES_PATH, sha256),
            timeout_s=const.NODE_FETCH_TIMEOUT_S, max_bytes=self._max_bytes,
        )

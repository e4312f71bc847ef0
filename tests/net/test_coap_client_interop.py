"""Interop with libcoap's `coap-client-notls` (Debian libcoap3-bin) against a running server.

Another CoAP implementation reads /.well-known/core and /status (CBOR and JSON) and POSTs
particles, one datagram and Block1 (design.md §4). Skipped when the tool is missing, failed
instead under CI (EDGE_AGENT_CI, see tests/conftest.py).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import cbor2
import pytest

from edge_agent import const, particle
from edge_agent.identity import KeyPair
from edge_agent.net.coap import CoapServer, Inbound, Refused

TOOL = "coap-client-notls"
KEY = KeyPair.from_seed(b"\x09" * 32)
STATUS = {"peer_id": KEY.peer_id, "version": "9.9.9", "services": ["sensor"], "uptime_s": 1.5}


@pytest.fixture(autouse=True)
def _tool(require_tools: Callable[..., None]) -> None:
    require_tools(TOOL)


def envelope(raw: bytes) -> particle.Particle:
    """The envelope check a node passes as its precheck (decode, freshness)."""
    try:
        p = particle.decode(raw, max_bytes=const.MAX_PARTICLE_BYTES)
        particle.check_fresh(p, int(time.time() * 1000), 10_000)
    except particle.ParticleError as exc:
        raise Refused(exc.reason.value, str(exc)) from None
    return p


def run(coro: Coroutine[Any, Any, Any], timeout: float = 120.0) -> Any:
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def coap_client(*args: str, timeout: float = 60.0) -> tuple[bytes, str]:
    """Run the tool; (stdout bytes, stderr text). `-B` bounds its own wait for an answer."""
    proc = await asyncio.create_subprocess_exec(
        TOOL, "-B", "30", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    assert proc.returncode == 0, (proc.returncode, err)
    return out, err.decode(errors="replace")


class Inbox:
    def __init__(self) -> None:
        self.items: list[tuple[bytes, tuple[str, int]]] = []

    async def __call__(self, inbound: Inbound) -> None:
        self.items.append((inbound.raw, inbound.remote))

    async def wait(self, count: int) -> None:
        while len(self.items) < count:
            await asyncio.sleep(0.01)


def test_well_known_core_and_status() -> None:
    async def main() -> None:
        async with CoapServer(on_inbox=Inbox(), status=lambda: STATUS, port=0) as server:
            for host in ("127.0.0.1", "[::1]"):
                base = f"coap://{host}:{server.port}"
                out, _ = await coap_client("-m", "get", f"{base}/.well-known/core")
                links = out.decode().strip().split(",")
                assert '</particle>;ct="60";rt="edge-agent.particle"' in links
                assert '</status>;ct="60 50";rt="edge-agent.status"' in links

                out, _ = await coap_client("-m", "get", "-A", "60", f"{base}/status")
                assert cbor2.loads(out) == STATUS
                out, _ = await coap_client("-m", "get", "-A", "50", f"{base}/status")
                assert json.loads(out) == STATUS
                _, err = await coap_client("-m", "get", "-A", "0", f"{base}/status")
                assert err.startswith("4.06")

    run(main())


def test_posting_particles(tmp_path: Path) -> None:
    small = particle.Particle.create(KEY, "(null)", b"s" * 10).encode()
    large = particle.Particle.create(KEY, "(null)", bytes(range(256)) * 40).encode()
    (tmp_path / "small").write_bytes(small)
    (tmp_path / "large").write_bytes(large)
    stale = particle.Particle.create(
        KEY, "(null)", ttl_ms=1000, timestamp_ms=int(time.time() * 1000) - 60_000
    ).encode()
    (tmp_path / "stale").write_bytes(stale)

    async def main() -> None:
        inbox = Inbox()
        async with CoapServer(on_inbox=inbox, precheck=envelope, port=0) as server:
            uri = f"coap://127.0.0.1:{server.port}/particle"
            post = ("-m", "post", "-t", "60")
            await coap_client(*post, "-f", str(tmp_path / "small"), uri)
            await coap_client(*post, "-b", "1024", "-f", str(tmp_path / "large"), uri)
            await asyncio.wait_for(inbox.wait(2), 30)
            assert [raw for raw, _ in inbox.items] == [small, large]
            assert all(remote[0] == "127.0.0.1" for _, remote in inbox.items)

            _, err = await coap_client("-m", "post", "-t", "0", "-e", "hi", uri)
            assert err.startswith("4.15")
            _, err = await coap_client(*post, "-e", "not cbor", uri)
            assert err.startswith("4.00 malformed:")
            _, err = await coap_client(*post, "-f", str(tmp_path / "stale"), uri)
            assert err.startswith("4.00 expired:")
            assert len(inbox.items) == 2

    run(main())

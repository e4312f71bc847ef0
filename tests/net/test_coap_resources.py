"""The transport's resources on a real server on loopback: added read-only and upload
resources (bounded, listed), /.well-known/core, and /status as CBOR and JSON."""

from __future__ import annotations

import asyncio
import os
from contextlib import AsyncExitStack
from typing import Any

import aiocoap
import pytest

from edge_agent.net.coap import CoapReply, ReadOnlyResource, UploadResource
from tests.support.coap import CBOR, KEY, LOCAL, UdpPeer, block1, client, datagram, run, started


class Hello(ReadOnlyResource):
    rt = "test.hello"

    async def render_get(self, request: aiocoap.Message) -> aiocoap.Message:
        return aiocoap.Message(payload=b"hi", content_format=0)


class Upload(UploadResource):
    content_formats = (42,)

    def __init__(self) -> None:
        super().__init__(max_bytes=5000)
        self.bodies: list[bytes] = []

    async def accept(self, body: bytes, request: aiocoap.Message) -> aiocoap.Message:
        if body.startswith(b"no"):
            raise CoapReply(aiocoap.FORBIDDEN, "not this one")
        self.bodies.append(body)
        return aiocoap.Message(code=aiocoap.CREATED)


def test_added_resources_are_served_listed_and_bounded() -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            server = await started(stack)
            upload = Upload()
            server.add_resource("hello/world", Hello())
            server.add_resource(("deploy",), upload)
            with pytest.raises(ValueError):
                server.add_resource("particle", Hello())
            for bad in ("a//b", "a?b=c", ()):
                with pytest.raises(ValueError):
                    server.add_resource(bad, Hello())
            c = await client(stack)
            where = (LOCAL, server.port)
            assert (await c.request(where, "GET", "/hello/world")).payload == b"hi"
            wkc = (await c.request(where, "GET", ".well-known/core")).payload.decode()
            assert '</hello/world>;rt="test.hello"' in wkc and "</deploy>" in wkc
            body = os.urandom(4000)
            created = await c.request(where, "POST", "deploy", body, content_format=42)
            assert created.code == "2.01"
            assert upload.bodies == [body]
            refused = await c.request(where, "POST", "deploy", b"no!", content_format=42)
            assert refused.code == "4.03" and refused.diagnostic == "not this one"
            too_big = await c.request(where, "POST", "deploy", b"x" * 6000, content_format=42)
            assert too_big.code == "4.13"
            wrong = await c.request(where, "POST", "deploy", b"x", content_format=60)
            assert wrong.code == "4.15"
            server.remove_resource("hello/world")
            assert (await c.request(where, "GET", "hello/world")).code == "4.04"
            with pytest.raises(ValueError):
                server.remove_resource("status")

    run(main())


def test_an_added_upload_resource_keeps_slots_for_the_servers_priority_senders() -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            server = await started(stack, priority=lambda remote: remote[0] == LOCAL)
            upload = Upload()
            upload.content_formats = (60,)
            server.add_resource("deploy", upload)
            busy = 0
            for n in range(8):  # one stranger, eight uploads: four slots
                transport, udp = await UdpPeer.open(stack, "127.0.0.3")
                answer = await udp.ask(transport, server.port, datagram(
                    int(aiocoap.POST), ("deploy",), b"\xa0" * 1024, mid=n,
                    options=[CBOR, block1(0, True)],
                ))
                busy += answer.code == aiocoap.SERVICE_UNAVAILABLE
            assert busy == 4 and upload.spool.uploads_of("127.0.0.3") == 4
            c = await client(stack)
            body = os.urandom(3000)
            assert (await c.request((LOCAL, server.port), "POST", "deploy", body,
                                    content_format=60)).code == "2.01"
            assert upload.bodies == [body]

    run(main())


def test_well_known_core_lists_the_resources() -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            server = await started(stack)
            c = await client(stack)
            response = await c.request((LOCAL, server.port), "GET", ".well-known/core")
            assert response.code == "2.05" and response.content_format == 40
            links = {link.split(";")[0]: link for link in response.payload.decode().split(",")}
            assert set(links) == {"</particle>", "</status>"}
            assert 'rt="edge-agent.particle"' in links["</particle>"]
            assert 'ct="60"' in links["</particle>"]
            assert 'rt="edge-agent.status"' in links["</status>"]
            assert 'ct="60 50"' in links["</status>"]
            filtered = await c.request(
                (LOCAL, server.port), "GET", ".well-known/core", query=["rt=edge-agent.status"]
            )
            assert filtered.payload.decode().split(";")[0] == "</status>"

    run(main())


def test_status_serves_the_callback_map_as_cbor_and_json() -> None:
    async def status() -> dict[str, Any]:
        await asyncio.sleep(0)
        return {"peer_id": KEY.peer_id, "services": ["a", "b"], "raw": b"\x01\x02",
                "counters": {"x": 1}, "set": {1}}

    async def main() -> None:
        async with AsyncExitStack() as stack:
            server = await started(stack, status=status)
            c = await client(stack)
            as_json = await c.request((LOCAL, server.port), "GET", "status", accept=50)
            assert as_json.content_format == 50
            assert b'"peer_id": "' + KEY.peer_id.encode() in as_json.payload
            assert b'"raw": "0102"' in as_json.payload and b'"set": [1]' in as_json.payload
            wrong = await c.request((LOCAL, server.port), "GET", "status", accept=0)
            assert wrong.code == "4.06"

    run(main())


def test_status_in_cbor_round_trips() -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            status = {"peer_id": KEY.peer_id, "services": ["a", "b"], "raw": b"\x01\x02"}
            server = await started(stack, status=lambda: status)
            c = await client(stack)
            assert await c.get_status(("::1", server.port)) == status

    run(main())

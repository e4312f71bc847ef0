"""The CoAP client against real servers on loopback: particle POSTs (one datagram and
Block1), retries with back-off until a deadline, a closed port ending a send at once, stop,
shared contexts, status requests, and an IPv6 link-local exchange between two network
namespaces."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import Any

import aiocoap
import pytest

from edge_agent.net import coap_client
from edge_agent.net.coap import (
    CoapClient,
    NotRunning,
    ReadOnlyResource,
    RequestFailed,
    SendOutcome,
)
from edge_agent.net.coap_common import destination
from tests.support.coap import LOCAL, Inbox, client, free_port, make_particle, run, soon, started


def test_requests_address_hosts_without_a_uri() -> None:
    msg = coap_client._message(("fe80::1%eth0", 5683), aiocoap.POST, ("particle",), b"x", 60, None)
    assert msg.unresolved_remote == "[fe80::1%eth0]:5683"
    assert msg.opt.uri_host is None
    assert coap_client._message(("10.0.0.2", 7), aiocoap.GET, ("s",), b"", None, 60) \
        .unresolved_remote == "10.0.0.2:7"


def test_a_zone_given_by_interface_index_is_sent_by_name() -> None:
    # zeroconf gives link-local addresses as fe80::...%<index>; aiocoap takes only names
    lo = socket.if_indextoname(1)
    # (every destination goes through net.address.Address, which names the zone)
    dest = destination(("fe80::1%1", 5683))
    msg = coap_client._message(dest, aiocoap.POST, ("particle",), b"x", 60, None)
    assert msg.unresolved_remote == f"[fe80::1%{lo}]:5683"
    unknown = coap_client._message(destination(("fe80::1%999999", 7)), aiocoap.GET, ("s",), b"", None, 60)
    assert unknown.unresolved_remote == "[fe80::1%999999]:7"


@pytest.mark.parametrize("address", [("", 5683), ("::1", 0), ("::1", 70000), "::1", None])
def test_client_refuses_bad_addresses(address: Any) -> None:
    async def main() -> None:
        async with CoapClient() as c:
            with pytest.raises(ValueError):
                await c.send_particle(address, b"x", deadline_ms=soon())

    run(main())


def test_a_200_kb_particle_goes_through_blockwise() -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            inbox = Inbox()
            server = await started(stack, on_inbox=inbox)
            raw = make_particle(os.urandom(200_000)).encode()
            c = await client(stack)
            result = await c.send_particle((LOCAL, server.port), raw, deadline_ms=soon())
            assert result.ok, result
            await inbox.wait(1)
            assert inbox.items[0][0] == raw
            assert server.stats()["uploads_in_progress"] == 0

    run(main())


def test_concurrent_large_particles_to_one_peer_stay_apart() -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            inbox = Inbox()
            server = await started(stack, on_inbox=inbox)
            c = await client(stack)
            raws = [make_particle(bytes([i]) * 30_000).encode() for i in range(4)]
            results = await asyncio.gather(
                *(c.send_particle((LOCAL, server.port), r, deadline_ms=soon()) for r in raws)
            )
            assert all(r.ok for r in results), results
            await inbox.wait(4)
            assert sorted(raw for raw, _ in inbox.items) == sorted(raws)

    run(main())


class Failing(aiocoap.resource.Resource):
    """Answers every POST 5.00 at once: server-side trouble that sending again may cure."""

    async def render_post(self, request: aiocoap.Message) -> aiocoap.Message:
        return aiocoap.Message(code=aiocoap.INTERNAL_SERVER_ERROR)


def test_a_closed_port_ends_the_send_and_a_later_send_finds_the_restarted_peer() -> None:
    """ICMP port unreachable: nothing listens there now (a CLI that exited). Sending there
    again would not help this send; a later one finds a peer that restarted there."""

    async def main() -> None:
        async with AsyncExitStack() as stack:
            port = free_port()
            c = await client(stack)
            raw = make_particle(b"patience").encode()
            result = await c.send_particle((LOCAL, port), raw, deadline_ms=soon(60_000))
            assert result.outcome is SendOutcome.NOT_LISTENING and not result.ok, result
            assert result.attempts == 1 and result.code is None
            assert "Connection refused: nothing listens on that port" in result.detail
            assert c.stats()["not_listening"] == 1
            inbox = Inbox()
            await started(stack, on_inbox=inbox, port=port)
            later = await c.send_particle((LOCAL, port), raw, deadline_ms=soon(5_000))
            assert later.ok and later.attempts == 1, later
            await inbox.wait(1)

    run(main())


@pytest.mark.parametrize("shared", [False, True], ids=["own context", "server's context"])
def test_a_closed_port_elsewhere_is_not_blamed_on_a_live_peer(shared: bool) -> None:
    """Linux reports the ICMP error of a send to a closed port also as the socket's pending
    error, which the next send fails with, whatever its destination: that send goes again
    (coap_compat.resend_after_stale_errors), and the live peer gets its particle."""

    async def main() -> None:
        async with AsyncExitStack() as stack:
            live = await started(stack, bind=LOCAL)
            ours = await started(stack, bind=LOCAL) if shared else None
            c = await client(stack, server=ours)
            raw = make_particle().encode()
            for _ in range(5):  # sent back to back, in one turn of the event loop
                closed, alive = await asyncio.gather(
                    c.send_particle((LOCAL, free_port()), raw, deadline_ms=soon()),
                    c.send_particle((LOCAL, live.port), raw, deadline_ms=soon()),
                )
                assert closed.outcome is SendOutcome.NOT_LISTENING
                assert alive.ok and alive.attempts == 1, alive

    run(main())


def test_send_gives_up_at_the_deadline_and_says_so() -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            c = await client(stack)
            failing = await started(stack)
            failing.add_resource("failing", Failing())
            started_at = time.monotonic()
            result = await c.send_particle(
                (LOCAL, failing.port), make_particle().encode(), path="failing",
                deadline_ms=soon(700),
            )
            assert result.outcome is SendOutcome.EXPIRED and not result.ok
            assert result.attempts >= 3 and result.code == "5.00"
            assert "deadline reached" in result.detail
            assert time.monotonic() - started_at >= 0.6
            late = await c.send_particle((LOCAL, 9), b"x", deadline_ms=soon(-1))
            assert late.outcome is SendOutcome.EXPIRED and late.attempts == 0
            # a peer that never answers (no ICMP either): one attempt, cut at the deadline
            silent = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
            silent.bind((LOCAL, 0))
            quiet = await c.send_particle(silent.getsockname(), b"x", deadline_ms=soon(500))
            assert quiet.outcome is SendOutcome.EXPIRED and quiet.attempts == 1
            assert "no answer from 127.0.0.1:" in quiet.detail
            assert c.stats()["expired"] == 3 and c.stats()["not_listening"] == 0

    run(main())


def test_a_client_clock_sets_the_deadline() -> None:
    async def main() -> None:
        async with CoapClient(clock_ms=lambda: 10_000) as c:
            result = await c.send_particle((LOCAL, free_port()), b"x", deadline_ms=10_000)
            assert result.outcome is SendOutcome.EXPIRED and result.attempts == 0

    run(main())


def test_lifecycle_is_idempotent_and_single_use() -> None:
    async def main() -> None:
        c = CoapClient()
        with pytest.raises(NotRunning):
            await c.request((LOCAL, free_port()), "GET", "status")
        await c.start()
        await c.start()
        await c.stop()
        await c.stop()
        with pytest.raises(NotRunning):
            await c.start()

    run(main())


def test_stop_ends_sends_in_progress() -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            failing = await started(stack)
            failing.add_resource("failing", Failing())
            async with CoapClient() as c:
                sending = asyncio.ensure_future(c.send_particle(
                    (LOCAL, failing.port), b"x", path="failing", deadline_ms=soon(60_000)
                ))
                await asyncio.sleep(0.2)  # retrying, with back-off waits between
                await c.stop()
                result = await asyncio.wait_for(sending, 1.0)
                assert result.outcome is SendOutcome.STOPPED and result.attempts >= 2, result

    run(main())


@pytest.mark.parametrize("shared", [False, True], ids=["own context", "server's context"])
def test_stop_ends_sends_to_a_silent_peer(shared: bool) -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            silent = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
            silent.bind((LOCAL, 0))  # receives, never answers, sends no ICMP
            server = await started(stack)
            c = CoapClient(server=server if shared else None)
            await c.start()
            sending = asyncio.ensure_future(
                c.send_particle(silent.getsockname(), b"x", deadline_ms=soon(60_000))
            )
            await asyncio.sleep(0.3)
            await c.stop()
            result = await asyncio.wait_for(sending, 1.0)
            assert result.outcome is SendOutcome.STOPPED and result.attempts == 1
            with pytest.raises(NotRunning):
                await c.get_status((LOCAL, server.port))
            # the server (and its context) still serves
            async with CoapClient() as other:
                assert (await other.get_status((LOCAL, server.port)))["version"]

    run(main())


def test_client_shares_the_server_context_and_stops_without_closing_it() -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            a = await started(stack)
            async with CoapClient(server=a) as c:
                assert (await c.get_status((LOCAL, a.port)))["coap"]["received"] == 0
            async with CoapClient() as other:  # a still serves after its client stopped
                assert (await other.get_status((LOCAL, a.port)))["version"]

    run(main())


def test_get_status_failures_say_what_happened() -> None:
    class NotCbor(ReadOnlyResource):
        async def render_get(self, request: aiocoap.Message) -> aiocoap.Message:
            return aiocoap.Message(payload=b"\xff\xff", content_format=60)

    async def main() -> None:
        async with AsyncExitStack() as stack:
            c = await client(stack)
            with pytest.raises(RequestFailed, match="Connection refused: nothing listens"):
                await c.get_status((LOCAL, free_port()), timeout=0.5)
            other = await started(stack)
            other._site.remove_resource(("status",))
            other._site.add_resource(("status",), NotCbor())
            with pytest.raises(RequestFailed, match="not valid CBOR"):
                await c.get_status((LOCAL, other.port))

    run(main())


def test_send_particle_cancellation_propagates() -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            c = await client(stack)
            silent = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
            silent.bind((LOCAL, 0))  # receives, never answers, sends no ICMP
            task = asyncio.ensure_future(
                c.send_particle(silent.getsockname(), b"x", deadline_ms=soon(60_000))
            )
            await asyncio.sleep(0.1)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert c._limits == {}

    run(main())


# --- IPv6 link-local with a scope, between two network namespaces ---------------------------


_LINK_SERVER = """
import asyncio
from edge_agent.net.coap import CoapServer

async def main():
    async def got(inbound):
        print("GOT", inbound.raw.hex(), inbound.remote[0], inbound.remote[1], flush=True)
    async with CoapServer(on_inbox=got, port=5683, priority=lambda remote: False):
        print("READY", flush=True)
        await asyncio.sleep(60)

asyncio.run(main())
"""

_LINK_CLIENT = """
import asyncio, sys, time
from edge_agent.net.coap import CoapClient, CoapServer

async def ignore(inbound):
    pass

async def main():
    where = (sys.argv[1], 5683)
    async with CoapServer(on_inbox=ignore, port=5683) as server:
        async with CoapClient(server=server) as client:
            result = await client.send_particle(
                where, bytes.fromhex(sys.argv[2]), deadline_ms=int(time.time() * 1000) + 5000
            )
            print("SENT", result.outcome.value, result.code, flush=True)
            status = await client.get_status(where)
            print("ACCEPTED", status["coap"]["accepted"], flush=True)

asyncio.run(main())
"""


def test_link_local_addresses_carry_their_scope(netns_lan: Callable[..., Any]) -> None:
    lan = netns_lan(peers=2)
    a, b = lan.peers
    server = lan.spawn_python(a, "-c", _LINK_SERVER)
    server.wait_for("READY", timeout=10)
    payload = os.urandom(3000)  # Block1 over the link too
    done = lan.run(b, [sys.executable, "-c", _LINK_CLIENT, f"{a.ipv6}%{a.ifname}",
                       payload.hex()], timeout=20)
    assert "SENT delivered 2.04" in done.stdout, done.stderr
    assert "ACCEPTED 1" in done.stdout
    got = server.wait_for("^GOT ", timeout=5).split()
    assert got[1:] == [payload.hex(), f"{b.ipv6}%{b.ifname}", "5683"]

"""The CoAP transport on a host without IPv6 (net/coap_udp4.py): the address and control
message translation byte for byte, then real servers and clients on loopback that use the
IPv4 socket because `ipv6_unavailable` says so (monkeypatched here; tests/integration/
test_no_ipv6.py takes IPv6 away from real processes instead).

Over the IPv4 socket everything the transport does on a dual-stack one still holds: POSTs
(one datagram and Block1) and their answers, /status, proofs of identity (which need the
address a request came to), a closed port ending a send at once (ICMP errors arrive), and
the same peer addresses (unmapped IPv4) handed to the node.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import struct
from collections.abc import Iterator
from contextlib import AsyncExitStack

import pytest

from edge_agent.identity import KeyPair
from edge_agent.net import coap_client, coap_listen, coap_udp4, mdns_interfaces
from edge_agent.net.addressbook import Address
from edge_agent.net.coap import CoapClient, CoapServer, RequestFailed, SendOutcome, StartError
from edge_agent.net.discovery_txt import DiscoveryError
from edge_agent.net.proof import PROOF_PATH, Outcome, ProofResource, challenge
from tests.support.coap import (
    LOCAL,
    Inbox,
    assert_port_held_alone,
    client,
    free_port,
    make_particle,
    run,
    soon,
    started,
)

NO_IPV6 = "socket(AF_INET6): Address family not supported by protocol"
KEY = KeyPair.from_seed(b"\x21" * 32)


@pytest.fixture
def no_ipv6(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The server, client and discovery believe this host has no IPv6."""
    for module in (coap_listen, coap_client, mdns_interfaces):
        monkeypatch.setattr(module, "ipv6_unavailable", lambda: NO_IPV6)
    yield


# --- translation (no sockets) ------------------------------------------------------------


def test_addresses_are_shown_v4_mapped_as_udp6_shows_them() -> None:
    assert coap_udp4.mapped(("10.0.0.2", 5683)) == ("::ffff:10.0.0.2", 5683, 0, 0)
    assert coap_udp4.plain(("::ffff:10.0.0.2", 5683, 0, 0)) == ("10.0.0.2", 5683)
    with pytest.raises(ValueError, match="fe80::1 is an IPv6 address"):
        coap_udp4.plain(("fe80::1", 5683, 0, 2))


def test_control_messages_become_their_ipv6_twins() -> None:
    in_pktinfo = struct.pack("@i4s4s", 3, socket.inet_aton("10.0.0.1"), socket.inet_aton("224.0.1.187"))
    recverr = bytes(range(16))
    other = (socket.SOL_SOCKET, 29, b"\x01")
    out = coap_udp4.ancdata_as_ipv6(
        [(socket.IPPROTO_IP, 8, in_pktinfo), (socket.IPPROTO_IP, 11, recverr), other]
    )
    mapped_group = socket.inet_pton(socket.AF_INET6, "::ffff:224.0.1.187")
    assert out == [
        (socket.IPPROTO_IPV6, socket.IPV6_PKTINFO, struct.pack("16sI", mapped_group, 3)),
        (socket.IPPROTO_IPV6, 25, recverr),  # IPV6_RECVERR: the same sock_extended_err
        other,
    ]
    source = struct.pack("16sI", socket.inet_pton(socket.AF_INET6, "::ffff:10.0.0.1"), 3)
    assert coap_udp4.pktinfo_as_ipv4(source) == struct.pack(
        "@i4s4s", 3, socket.inet_aton("10.0.0.1"), bytes(4)
    )


# --- on loopback ---------------------------------------------------------------------------


def test_the_default_bind_listens_on_every_ipv4_address_and_says_so(
    no_ipv6: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=coap_listen.__name__)

    async def main() -> None:
        async with AsyncExitStack() as stack:
            inbox = Inbox()
            server = await started(stack, on_inbox=inbox, bind="::")
            assert server.bind == "0.0.0.0" and repr(server).startswith("<CoapServer 0.0.0.0:")
            listening = server.context.request_interfaces[0].token_interface.message_interface
            assert isinstance(listening, coap_udp4.MessageInterfaceUDP4)
            c = await client(stack)  # its own context, IPv4 as well
            raw = make_particle(b"v4").encode()
            result = await c.send_particle((LOCAL, server.port), raw, deadline_ms=soon(), sender="me")
            assert result.ok and result.attempts == 1, result
            await inbox.wait(1)
            assert inbox.inbound[0].raw == raw and inbox.inbound[0].sender == "me"
            host, port = inbox.inbound[0].remote
            assert host == LOCAL and port != server.port  # unmapped, as udp6 gives it
            big = make_particle(os.urandom(200_000)).encode()  # Block1
            assert (await c.send_particle((LOCAL, server.port), big, deadline_ms=soon())).ok
            await inbox.wait(2)
            assert inbox.items[1][0] == big
            assert (await c.get_status((LOCAL, server.port)))["coap"]["accepted"] == 2

    run(main())
    assert any(
        "IPv6 is unavailable on this host" in r.getMessage() and "IPv4 only" in r.getMessage()
        for r in caplog.records
    )


def test_a_shared_context_proves_its_key_and_learns_of_closed_ports(no_ipv6: None) -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            peer = await started(stack, bind=LOCAL)
            peer.add_resource(PROOF_PATH, ProofResource(KEY))
            ours = await started(stack, bind="0.0.0.0")
            c = await stack.enter_async_context(CoapClient(server=ours))
            proof = await challenge(c, Address(LOCAL, peer.port))
            assert proof.outcome is Outcome.PROVEN and proof.peer_id == KEY.peer_id, proof
            # ICMP port unreachable reaches the exchange: over at the first try; and the
            # same error, pending on the socket, is not blamed on the next peer sent to.
            closed, alive = await asyncio.gather(
                c.send_particle((LOCAL, free_port()), b"x", deadline_ms=soon(60_000)),
                c.send_particle((LOCAL, peer.port), b"\xa0", deadline_ms=soon(60_000)),
            )
            assert closed.outcome is SendOutcome.NOT_LISTENING and closed.attempts == 1
            assert alive.ok and alive.attempts == 1, alive
            # An IPv6 peer cannot be reached from here, and the answer says why, at once.
            with pytest.raises(RequestFailed, match="IPv6 address, and this host has no IPv6"):
                await c.request(("::1", peer.port), "GET", "status", timeout=30)

    run(main())


@pytest.mark.parametrize("bind", ["::1", "fe80::1"])
def test_an_ipv6_bind_is_a_start_error_that_says_what_to_set(no_ipv6: None, bind: str) -> None:
    async def main() -> None:
        server = CoapServer(on_inbox=Inbox(), bind=bind, port=free_port())
        with pytest.raises(StartError) as caught:
            await server.start()
        message = str(caught.value)
        assert "IPv6 is unavailable on this host" in message and NO_IPV6 in message
        assert "Set `coap.bind` to an IPv4 address of this host, or to '::' or '0.0.0.0'" in message

    run(main())


def test_a_taken_port_and_a_foreign_address_are_start_errors_as_with_ipv6(no_ipv6: None) -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            first = await started(stack, bind="::")
            with pytest.raises(StartError, match="Is another edge-agent running"):
                await CoapServer(on_inbox=Inbox(), bind="::", port=first.port).start()
            with pytest.raises(StartError, match="not an address of this host"):
                await CoapServer(on_inbox=Inbox(), bind="192.0.2.77", port=free_port()).start()

    run(main())


def test_discovery_asked_for_ipv6_alone_says_it_cannot_be_had(no_ipv6: None) -> None:
    with pytest.raises(DiscoveryError, match="needs IPv6, which this host lacks"):
        mdns_interfaces.usable_ip_version("v6")
    assert mdns_interfaces.usable_ip_version("all") is mdns_interfaces.IPVersion.V4Only


def test_an_ipv4_server_shares_its_port_with_no_other_socket(no_ipv6: None) -> None:
    """As on udp6 (tests/net/test_coap_server.py): no SO_REUSEPORT on coap_udp4's socket."""

    async def main() -> None:
        async with AsyncExitStack() as stack:
            server = await started(stack, bind="0.0.0.0")
            assert_port_held_alone(server.port)

    run(main())

"""The bounds per sender: the gate without a network (which datagrams reach aiocoap, which
bodies are answered 4.29, when the node's priority callback is asked), then floods from
strangers against a real server on loopback, with a known peer still served."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from contextlib import AsyncExitStack

import aiocoap
import pytest

from edge_agent import const
from edge_agent.logutil import OnceLog
from edge_agent.net import coap_server
from edge_agent.net.coap import CoapServer, Inbound, Refused
from edge_agent.net.coap_common import CoapReply
from edge_agent.net.coap_limits import SenderGate, SenderLimits
from edge_agent.ratelimit import Rate
from tests.support.coap import (
    CBOR,
    LOCAL,
    Inbox,
    UdpPeer,
    block1,
    client,
    datagram,
    make_particle,
    run,
    soon,
    started,
)

POST = int(aiocoap.POST)
GET_STATUS = datagram(int(aiocoap.GET), ("status",))
ACK = bytes([0x60, 0x00, 0x00, 0x01])  # empty ACK (RFC 7252 §4.2)
RESPONSE = bytes([0x60, 0x45, 0x00, 0x01])  # 2.05 piggybacked
FAR = ("::ffff:10.0.0.66", 40000, 0, 0)
NEAR = ("::ffff:10.0.0.9", 5683, 0, 0)


def gate(asked: list[tuple[str, int]], **limits: Rate) -> SenderGate:
    def priority(remote: tuple[str, int]) -> bool:
        asked.append(remote)
        return remote[0] == "10.0.0.9"

    tight = SenderLimits(requests=Rate(0, 3), bodies=Rate(0, 2), **limits)  # type: ignore[arg-type]
    return SenderGate(tight, priority, OnceLog(logging.getLogger("t.gate")))


def test_requests_over_the_rate_are_dropped_unless_priority() -> None:
    asked: list[tuple[str, int]] = []
    g = gate(asked)
    assert [g.admit_datagram(GET_STATUS, FAR) for _ in range(5)] == [True] * 3 + [False] * 2
    assert [g.admit_datagram(GET_STATUS, NEAR) for _ in range(5)] == [True] * 5
    assert g.dropped == {"requests": 2, "bodies": 0}
    # priority asked only once a bucket was empty, with the sender as peers are addressed
    assert asked == [("10.0.0.66", 40000)] * 2 + [("10.0.0.9", 5683)] * 2


def test_other_datagrams_always_pass() -> None:
    g = gate([])
    for _ in range(10):
        for data in (ACK, RESPONSE, b"", b"\x40"):
            assert g.admit_datagram(data, FAR)
    assert g.dropped["requests"] == 0


def test_all_strangers_together_share_one_bucket() -> None:
    g = gate([], all_requests=Rate(0, 4))
    senders = [(f"::ffff:10.0.1.{n}", 1, 0, 0) for n in range(8)]
    assert sum(g.admit_datagram(GET_STATUS, s) for s in senders) == 4


def test_bodies_over_the_rate_get_429_with_max_age() -> None:
    g = gate([])
    g.admit_body(("10.0.0.66", 1))
    g.admit_body(("10.0.0.66", 1))
    with pytest.raises(CoapReply) as refused:
        g.admit_body(("10.0.0.66", 1))
    message = refused.value.to_message()
    assert message.code == aiocoap.TOO_MANY_REQUESTS
    assert message.opt.max_age == const.COAP_OVERLOAD_MAX_AGE_S
    assert message.payload.startswith(b"rate_limited:")
    for _ in range(5):
        g.admit_body(("10.0.0.9", 1))
    assert g.dropped == {"requests": 0, "bodies": 1}


def test_a_failing_priority_callback_means_no_priority(caplog: pytest.LogCaptureFixture) -> None:
    def broken(remote: tuple[str, int]) -> bool:
        raise RuntimeError("bug")

    g = SenderGate(SenderLimits(), broken, OnceLog(logging.getLogger("t.gate")))
    assert g.is_priority(("10.0.0.1", 1)) is False
    assert "the priority callback failed" in caplog.text


# --- on a real server (issue 8) ------------------------------------------------------------

STRANGER = "127.0.0.2"
"""A loopback address that is not the default priority sender in these tests."""


def refuse_all(raw: bytes) -> None:
    raise Refused("malformed", "not what we take")


def known_only(remote: tuple[str, int]) -> bool:
    return remote[0] == LOCAL


def tok(n: int) -> bytes:
    return n.to_bytes(2, "big")


def dropped(server: CoapServer) -> int:
    return int(server.stats()["rate_limited"]["requests"])


async def until(done: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll `done` every 10 ms, at most `timeout` seconds (then the caller's assert says why)."""
    for _ in range(int(timeout / 0.01)):
        if done():
            return
        await asyncio.sleep(0.01)


def test_a_strangers_request_flood_is_dropped_and_a_known_peer_still_served() -> None:
    limits = SenderLimits(requests=Rate(per_s=1, burst=20))
    flood = 500

    async def main() -> None:
        async with AsyncExitStack() as stack:
            server = await started(stack, priority=known_only, limits=limits)
            transport, udp = await UdpPeer.open(stack, STRANGER)
            for first in range(0, flood, 50):  # 500 GETs, 50 at a time (the socket's buffer)
                for mid in range(first, first + 50):
                    transport.sendto(datagram(int(aiocoap.GET), ("status",), mid=mid, token=tok(mid)),
                                     (LOCAL, server.port))
                seen = first + 50
                await until(lambda: udp.answers.qsize() + dropped(server) >= seen)  # noqa: B023
            known = await client(stack)
            for _ in range(30):  # more than the stranger's burst, from a priority sender
                assert (await known.get_status((LOCAL, server.port)))["version"]
            answered = udp.drain()
            assert len(answered) + dropped(server) == flood  # each answered or dropped
            assert 20 <= len(answered) < 30 and all(a.code == aiocoap.CONTENT for a in answered)
            assert server.stats()["recent_requests"] <= len(answered) + 30

    run(main())


def test_a_strangers_particle_flood_gets_429_and_a_known_peer_still_gets_through() -> None:
    limits = SenderLimits(bodies=Rate(per_s=1, burst=5))

    async def main() -> None:
        async with AsyncExitStack() as stack:
            inbox = Inbox()
            server = await started(stack, on_inbox=inbox, priority=known_only, limits=limits)
            transport, udp = await UdpPeer.open(stack, STRANGER)
            raw = make_particle().encode()
            for mid in range(100):
                transport.sendto(datagram(POST, payload=raw, options=[CBOR], mid=mid,
                                          token=tok(mid)), (LOCAL, server.port))
            known = await client(stack)
            for _ in range(10):
                assert (await known.send_particle((LOCAL, server.port), raw,
                                                  deadline_ms=soon())).ok
            await until(lambda: udp.answers.qsize() >= 100)
            codes = [a.code.dotted for a in udp.drain()]
            assert 5 <= codes.count("2.04") < 10
            assert codes.count("4.29") == 100 - codes.count("2.04")
            assert server.stats()["rate_limited"]["bodies"] == codes.count("4.29")
            await inbox.wait(10 + codes.count("2.04"))

    run(main())


def test_callback_slots_are_kept_for_priority_senders() -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            release = asyncio.Event()

            async def held(inbound: Inbound) -> None:
                await release.wait()

            server = await started(
                stack, on_inbox=held, priority=known_only, max_pending=4,
                limits=SenderLimits(pending_reserved=2),
            )
            transport, udp = await UdpPeer.open(stack, STRANGER)
            codes = []
            for mid in range(4):
                raw = make_particle(bytes([mid])).encode()
                answer = await udp.ask(
                    transport, server.port, datagram(POST, payload=raw, options=[CBOR], mid=mid)
                )
                codes.append(answer.code.dotted)
            assert codes == ["2.04", "2.04", "5.03", "5.03"]
            known = await client(stack)
            for n in range(2):
                raw = make_particle(b"known" + bytes([n])).encode()
                assert (await known.send_particle((LOCAL, server.port), raw,
                                                  deadline_ms=soon())).ok
            assert server.stats()["pending"] == 4
            release.set()

    run(main())


def test_slow_uploads_from_strangers_leave_a_known_peer_its_slots() -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            inbox = Inbox()
            server = await started(stack, on_inbox=inbox, priority=known_only)
            first_block = [CBOR, block1(0, True)]
            busy = 0
            # 16 slow uploads from one stranger, then 16 from 16 strangers (127.0.1.x)
            for n, host in enumerate([STRANGER] * 16 + [f"127.0.1.{i}" for i in range(16)]):
                transport, udp = await UdpPeer.open(stack, host)
                tag = (292, n.to_bytes(2, "big"))  # Request-Tag (RFC 9175)
                answer = await udp.ask(transport, server.port, datagram(
                    POST, payload=b"\xa0" * 1024, options=[*first_block, tag], mid=n
                ))
                busy += answer.code == aiocoap.SERVICE_UNAVAILABLE
            in_progress = server.stats()["uploads_in_progress"]
            assert in_progress == const.COAP_BLOCK1_MAX_ASSEMBLIES - const.COAP_BLOCK1_RESERVED
            assert busy == 32 - in_progress
            raw = make_particle(os.urandom(20_000)).encode()  # Block1, from a known peer
            known = await client(stack)
            assert (await known.send_particle((LOCAL, server.port), raw, deadline_ms=soon())).ok
            await inbox.wait(1)
            assert inbox.items[0][0] == raw

    run(main())


def test_peer_caused_warnings_are_rate_limited(caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            server = await started(stack, precheck=refuse_all, priority=known_only)
            for n in range(60):  # 60 senders, each refused: one kind of warning each
                transport, udp = await UdpPeer.open(stack, f"127.0.2.{n}")
                await udp.ask(transport, server.port,
                              datagram(POST, payload=b"\xff", options=[CBOR]))
            assert server.stats()["rejected"] == {"malformed": 60}
            suppressed.append(server.stats()["log_suppressed"])

    suppressed: list[int] = []
    caplog.set_level(logging.INFO, logger=coap_server.__name__)
    run(main())
    warnings = [r for r in caplog.records
                if r.name == coap_server.__name__ and r.levelno == logging.WARNING]
    # the burst, plus what the rate refilled meanwhile (0.2/s: a few at most)
    assert const.LOG_PEER_RECORDS_BURST <= len(warnings) <= const.LOG_PEER_RECORDS_BURST + 5
    assert len(warnings) + suppressed[0] == 60


def test_a_failing_priority_callback_counts_as_stranger(caplog: pytest.LogCaptureFixture) -> None:
    def broken(remote: tuple[str, int]) -> bool:
        raise RuntimeError("bug in the node")

    async def main() -> None:
        async with AsyncExitStack() as stack:
            server = await started(
                stack, priority=broken, limits=SenderLimits(bodies=Rate(per_s=0, burst=1))
            )
            transport, udp = await UdpPeer.open(stack)
            codes = [
                (await udp.ask(transport, server.port,
                               datagram(POST, payload=b"\xa0", options=[CBOR], mid=n))).code
                for n in range(2)
            ]
            assert codes == [aiocoap.CHANGED, aiocoap.TOO_MANY_REQUESTS]

    run(main())
    assert "the priority callback failed" in caplog.text


def test_rate_limited_particles_are_retried_by_the_client() -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            inbox = Inbox()
            server = await started(
                stack, on_inbox=inbox, priority=lambda remote: False,
                limits=SenderLimits(bodies=Rate(per_s=5, burst=1)),
            )
            c = await client(stack, backoff_max_s=0.3)
            results = [
                await c.send_particle((LOCAL, server.port), make_particle(bytes([n])).encode(),
                                      deadline_ms=soon(10_000))
                for n in range(3)
            ]
            assert all(r.ok for r in results)
            assert sum(r.attempts for r in results) > 3  # some were answered 4.29 first
            assert server.stats()["rate_limited"]["bodies"] >= 1

    run(main())

"""The sender gate without a network: which datagrams reach aiocoap, which bodies are
answered 4.29, and when the node's priority callback is asked."""

from __future__ import annotations

import logging

import aiocoap
import pytest

from edge_agent import const
from edge_agent.logutil import OnceLog
from edge_agent.net.coap_common import CoapReply
from edge_agent.net.coap_limits import SenderGate, SenderLimits
from edge_agent.ratelimit import Rate
from tests.support.coap import datagram

GET = datagram(int(aiocoap.GET), ("status",))
ACK = bytes([0x60, 0x00, 0x00, 0x01])  # empty ACK (RFC 7252 §4.2)
RESPONSE = bytes([0x60, 0x45, 0x00, 0x01])  # 2.05 piggybacked
STRANGER = ("::ffff:10.0.0.66", 40000, 0, 0)
KNOWN = ("::ffff:10.0.0.9", 5683, 0, 0)


def gate(asked: list[tuple[str, int]], **limits: Rate) -> SenderGate:
    def priority(remote: tuple[str, int]) -> bool:
        asked.append(remote)
        return remote[0] == "10.0.0.9"

    tight = SenderLimits(requests=Rate(0, 3), bodies=Rate(0, 2), **limits)  # type: ignore[arg-type]
    return SenderGate(tight, priority, OnceLog(logging.getLogger("t.gate")))


def test_requests_over_the_rate_are_dropped_unless_priority() -> None:
    asked: list[tuple[str, int]] = []
    g = gate(asked)
    assert [g.admit_datagram(GET, STRANGER) for _ in range(5)] == [True] * 3 + [False] * 2
    assert [g.admit_datagram(GET, KNOWN) for _ in range(5)] == [True] * 5
    assert g.dropped == {"requests": 2, "bodies": 0}
    # priority asked only once a bucket was empty, with the sender as peers are addressed
    assert asked == [("10.0.0.66", 40000)] * 2 + [("10.0.0.9", 5683)] * 2


def test_other_datagrams_always_pass() -> None:
    g = gate([])
    for _ in range(10):
        for data in (ACK, RESPONSE, b"", b"\x40"):
            assert g.admit_datagram(data, STRANGER)
    assert g.dropped["requests"] == 0


def test_all_strangers_together_share_one_bucket() -> None:
    g = gate([], all_requests=Rate(0, 4))
    senders = [(f"::ffff:10.0.1.{n}", 1, 0, 0) for n in range(8)]
    assert sum(g.admit_datagram(GET, s) for s in senders) == 4


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

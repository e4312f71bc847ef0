"""The transport's shared vocabulary, without a network: endpoints, paths, refusals."""

from __future__ import annotations

import socket
from typing import Any

import aiocoap
import pytest

from edge_agent import const
from edge_agent.errors import LocalError, RemoteError
from edge_agent.net.addressbook import Address
from edge_agent.net.coap_common import (
    CoapReply,
    NotRunning,
    RefuseCode,
    Refused,
    RequestFailed,
    StartError,
    clip,
    destination,
    hostport,
    is_loopback,
    remote_of,
    resource_path,
)


class FakeRemote:
    def __init__(self, sockaddr: tuple[Any, ...] | None = None, hostinfo: str = "") -> None:
        self.sockaddr = sockaddr
        self.hostinfo = hostinfo


def test_remote_of_unmaps_ipv4_and_names_the_scope() -> None:
    assert remote_of(FakeRemote(("::ffff:10.1.2.3", 5683, 0, 0))) == ("10.1.2.3", 5683)
    assert remote_of(FakeRemote(("2001:db8::1", 40000, 0, 0))) == ("2001:db8::1", 40000)
    lo = socket.if_indextoname(1)
    assert remote_of(FakeRemote(("fe80::1", 5683, 0, 1))) == (f"fe80::1%{lo}", 5683)
    assert remote_of(FakeRemote(("fe80::1", 5683, 0, 999_999)))[0] == "fe80::1%999999"
    assert remote_of(FakeRemote(hostinfo="[2001:db8::2]:7")) == ("2001:db8::2", 7)
    assert remote_of(FakeRemote(hostinfo="10.0.0.1")) == ("10.0.0.1", const.COAP_DEFAULT_PORT)


def test_reply_diagnostics_are_clipped() -> None:
    msg = CoapReply(aiocoap.BAD_REQUEST, "é" * 500).to_message()
    assert len(msg.payload) <= const.COAP_MAX_DIAGNOSTIC_BYTES
    msg.payload.decode("utf-8")
    assert clip("short") == "short" and clip("x" * 300, 10) == "x" * 7 + "..."


def test_reply_options() -> None:
    msg = CoapReply(aiocoap.SERVICE_UNAVAILABLE, "busy", max_age=3, size1=9).to_message()
    assert (msg.code, msg.payload, msg.opt.max_age, msg.opt.size1) == (
        aiocoap.SERVICE_UNAVAILABLE, b"busy", 3, 9
    )
    assert repr(CoapReply(aiocoap.BAD_REQUEST, "x")) == "CoapReply(4.00, 'x')"


def test_destinations_are_checked() -> None:
    assert destination(("10.0.0.1", 5683)) == ("10.0.0.1", 5683)
    assert destination(Address("::1", 7)) == ("::1", 7)
    for bad in (("", 1), ("::1", 0), "::1", None, ("a", "b", "c")):
        with pytest.raises(ValueError):
            destination(bad)  # type: ignore[arg-type]


def test_resource_paths() -> None:
    assert resource_path("/a/b/") == ("a", "b") == resource_path(("a", "b"))
    for bad in ("", "a//b", "a?x", (), ("a", "")):
        with pytest.raises(ValueError):
            resource_path(bad)


def test_hosts_and_loopback() -> None:
    assert hostport("::1", 5) == "[::1]:5" and hostport("10.0.0.1", 5) == "10.0.0.1:5"
    assert is_loopback(("127.0.0.9", 1)) and is_loopback(("::1", 1))
    assert not is_loopback(("10.0.0.1", 1)) and not is_loopback(("fe80::1%eth0", 1))
    assert not is_loopback(("not-an-ip", 1))


def test_errors_say_whose_fault() -> None:
    assert issubclass(StartError, LocalError) and issubclass(NotRunning, LocalError)
    assert issubclass(RequestFailed, RemoteError) and issubclass(Refused, RemoteError)
    refused = Refused("expired", "too old", code=RefuseCode.BUSY)
    assert (refused.counter, str(refused), refused.code) == ("expired", "too old", RefuseCode.BUSY)
    assert Refused("x", "y").code is RefuseCode.BAD_REQUEST
    assert RequestFailed("no", code="4.04").code == "4.04"

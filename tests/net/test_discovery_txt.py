"""The DNS-SD rules without sockets: our TXT record and instance name, and reading another
instance's announcement (sizes, keys, peer id, protocol, port, addresses)."""

from __future__ import annotations

from typing import Any

import pytest

from edge_agent import const
from edge_agent.errors import LocalError, RemoteError
from edge_agent.identity import KeyPair
from edge_agent.net.addressbook import Address
from edge_agent.net.discovery_txt import (
    Announcement,
    DiscoveryError,
    Ignored,
    build_txt,
    check_instance_name,
    default_instance,
    peer_addresses,
    read_announcement,
)

ME, OTHER = (KeyPair.from_seed(bytes([0x40 + i]) * 32).peer_id for i in range(2))


def read(
    properties: dict[Any, Any] | None = None,
    *,
    port: object = 5683,
    hosts: tuple[str, ...] = ("10.0.0.2",),
    txt_bytes: int = 60,
) -> Announcement:
    props = {b"id": OTHER.encode(), b"v": b"9.9", b"proto": b"coap"} if properties is None \
        else properties
    return read_announcement(txt_bytes=txt_bytes, properties=props, port=port, hosts=hosts)


def test_our_txt_record() -> None:
    txt = build_txt(ME, "1.2.3", {"role": "sensor"})
    assert txt == {"txtvers": "1", "id": ME, "v": "1.2.3", "proto": "coap", "role": "sensor"}


@pytest.mark.parametrize(
    "extra",
    [{"id": "x"}, {"a=b": "x"}, {"": "x"}, {"k\x00": "x"}, {"k": "x" * 300},
     {f"k{i}": "x" * 200 for i in range(10)}, {"k": 5}],
)
def test_bad_extra_txt_is_refused(extra: dict[str, Any]) -> None:
    with pytest.raises(DiscoveryError):
        build_txt(ME, "1", extra)


@pytest.mark.parametrize("name", ["", "a.b", "x" * 64, "bell\x07", None, 5])
def test_bad_instance_names(name: object) -> None:
    with pytest.raises(DiscoveryError):
        check_instance_name(name)


def test_default_instance_name_fits_a_label() -> None:
    name = default_instance(ME, "my host.example.org")
    assert name == f"my-host-{ME[-8:]}" and check_instance_name(name) == name
    assert check_instance_name(default_instance(ME, "h" * 200))
    assert default_instance(ME, "").startswith("edge-agent-")


def test_error_sides() -> None:
    assert issubclass(DiscoveryError, LocalError) and issubclass(Ignored, RemoteError)


def test_a_valid_announcement() -> None:
    found = read(hosts=("fe80::1%2", "10.0.0.2"))
    assert found == Announcement(
        OTHER, (Address("10.0.0.2", 5683), Address("fe80::1%2", 5683)), "9.9"
    )
    assert read({"id": OTHER}).version is None  # str keys (older zeroconf) and no v=


@pytest.mark.parametrize(
    ("props", "port", "txt_bytes", "kind", "why"),
    [
        ({b"id": b"not-a-peer-id!"}, 5683, 60, "peer-id", "malformed id"),
        ({b"v": b"1"}, 5683, 60, "peer-id", "malformed id"),
        ({b"id": b"Qm" + b"1" * 44}, 5683, 60, "peer-id", "malformed id"),
        ({b"id": OTHER.encode() + b"\xff"}, 5683, 60, "peer-id", "malformed id"),
        ({b"id": b"1" * 200}, 5683, 60, "peer-id", "malformed id"),
        ({b"id": OTHER.encode(), b"proto": b"http"}, 5683, 60, "proto", "proto="),
        ({b"id": OTHER.encode()}, 0, 60, "port", "port 0"),
        ({b"id": OTHER.encode()}, True, 60, "port", "port True"),
        ({b"id": OTHER.encode()}, None, 60, "port", "port None"),
        ({b"id": OTHER.encode()}, 5683, const.DISCOVERY_MAX_TXT_BYTES + 1, "txt-size",
         "TXT record"),
        ({f"k{i}".encode(): b"v" for i in range(40)} | {b"id": OTHER.encode()}, 5683, 60,
         "txt-keys", "TXT keys"),
    ],
)
def test_hostile_announcements_are_ignored(
    props: dict[bytes, bytes], port: object, txt_bytes: int, kind: str, why: str
) -> None:
    with pytest.raises(Ignored) as ignored:
        read(props, port=port, txt_bytes=txt_bytes)
    assert ignored.value.kind == kind and why in str(ignored.value)


def test_a_bad_version_keeps_the_peer() -> None:
    found = read({b"id": OTHER.encode(), b"v": b"x" * 100})
    assert found.peer_id == OTHER and found.version is None
    assert found.bad_version == b"x" * 100


def test_unusable_addresses_are_left_out() -> None:
    hosts = ["fe80::2%3", "2001:db8::1", "10.0.0.1", "10.0.0.1", "224.0.0.251", "junk",
             "fe80::1", "0.0.0.0", "::"]
    assert peer_addresses(hosts, 1) == (
        Address("10.0.0.1", 1), Address("2001:db8::1", 1), Address("fe80::2%3", 1)
    )
    many = [f"10.0.0.{i}" for i in range(1, 50)]
    assert len(peer_addresses(many, 1)) == const.ADDRESSBOOK_MAX_ADDRESSES_PER_PEER
    assert read(hosts=("fe80::1", "0.0.0.0")).addresses == ()


def test_tags_ride_in_the_txt_record_and_bad_ones_are_left_out() -> None:
    txt = build_txt(ME, "1.2.3", {"tags": "kitchen,sensors"})
    assert txt["tags"] == "kitchen,sensors"
    assert read().tags == ()
    found = read({b"id": OTHER.encode(), b"tags": b"sensors,Bad,kitchen"})
    assert found.tags == ("kitchen", "sensors") and found.peer_id == OTHER

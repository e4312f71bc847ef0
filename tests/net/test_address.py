"""A peer's address: canonical form and what is refused (edge_agent/net/address.py)."""

from __future__ import annotations

import socket

import pytest

from edge_agent.net.address import Address, InvalidAddress


def test_address_canonicalises_ip_literals() -> None:
    assert Address("FE80::0001%eth0", 5683).host == "fe80::1%eth0"
    assert Address("10.1.2.3", 1).host == "10.1.2.3"
    assert Address("Pi.Local.", 5683).host == "pi.local"
    zone = max(index for index, _ in socket.if_nameindex()) + 1000  # an index of no interface
    assert Address(f"fe80::1%{zone}", 5683) == Address(f"FE80:0::1%{zone}", 5683)
    assert str(Address(f"fe80::1%{zone}", 5683)) == f"[fe80::1%{zone}]:5683"
    assert str(Address("10.0.0.1", 5683)) == "10.0.0.1:5683"
    assert Address("10.0.0.1", 1).is_ip and not Address("pi.local", 1).is_ip


@pytest.mark.parametrize(
    ("host", "port"),
    [
        ("", 5683),
        ("10.0.0.1", 0),
        ("10.0.0.1", 65536),
        ("10.0.0.1", True),
        ("10.0.0.1", "5683"),
        ("bad host", 5683),
        ("evil/../x", 5683),
        ("a" * 300, 5683),
        (b"10.0.0.1", 5683),
    ],
)
def test_address_rejects_malformed(host: object, port: object) -> None:
    with pytest.raises(InvalidAddress):
        Address(host, port)  # type: ignore[arg-type]


def test_address_errors_are_value_errors() -> None:
    with pytest.raises(ValueError):
        Address("x y", 1)


def test_a_numeric_zone_becomes_the_interface_name_aiocoap_accepts() -> None:
    """python-zeroconf gives link-local addresses with the interface index ("%1"); aiocoap
    takes only names and refused such an address ("Invalid zone identifier 1")."""
    lo = socket.if_indextoname(1)
    assert Address("fe80::1%1", 5683).host == f"fe80::1%{lo}"
    assert Address(f"fe80::1%{lo}", 5683) == Address("fe80::1%1", 5683)
    unknown = max(index for index, _ in socket.if_nameindex()) + 1000
    assert Address(f"fe80::1%{unknown}", 5683).host == f"fe80::1%{unknown}"

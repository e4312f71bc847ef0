"""Choosing zeroconf's interfaces and the addresses we announce (edge_agent/net/mdns_interfaces.py)."""

from __future__ import annotations

from zeroconf import IPVersion

from edge_agent.net.mdns_interfaces import choose_interfaces


def test_choose_loopback_interface() -> None:
    zc_ifaces, version, advertised = choose_interfaces(["lo"], IPVersion.V4Only)
    assert zc_ifaces == ["127.0.0.1"] and version is IPVersion.V4Only
    assert advertised == ["127.0.0.1"]
    zc_ifaces, _, advertised = choose_interfaces(["127.0.0.1"], IPVersion.All)
    assert zc_ifaces == ["127.0.0.1"] and advertised == ["127.0.0.1"]

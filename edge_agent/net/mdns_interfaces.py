"""Which interfaces zeroconf binds and which addresses this agent announces over mDNS.

Read from the host's adapters (ifaddr) when `Discovery` starts: every interface by default
(only non-loopback addresses announced unless there are none), or the interface names and
local addresses the config names, each checked so a typo is a clear `DiscoveryError`. On a
host without IPv6, IPv4 only (`usable_ip_version`).
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import ifaddr
from zeroconf import InterfaceChoice, IPVersion

from edge_agent.net.discovery_txt import DiscoveryError
from edge_agent.net.ipstack import ipv6_unavailable

__all__ = ["IP_VERSIONS", "IpVersion", "choose_interfaces", "usable_ip_version"]

log = logging.getLogger(__name__)

IpVersion = Literal["all", "v4", "v6"]
IP_VERSIONS = {"all": IPVersion.All, "v4": IPVersion.V4Only, "v6": IPVersion.V6Only}
"""The config's `discovery.ip_version` values and zeroconf's."""


class _NoLoopbackV6Noise(logging.Filter):
    """zeroconf binds every interface, IPv6 loopback too, where multicast has no route: every
    send there fails with ENETUNREACH and logs a traceback. Those are not news; drop them."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        return not ("Error with socket" in text and "'::1'" in text)


logging.getLogger("zeroconf").addFilter(_NoLoopbackV6Noise())


def usable_ip_version(wanted: IpVersion) -> IPVersion:
    """zeroconf's ip_version for the config's `wanted`: IPv4 only where this host has no
    IPv6 (``ipv6.disable=1``: zeroconf's IPv6 sockets would fail), said each start."""
    missing = ipv6_unavailable()
    if missing is None or wanted == "v4":
        return IP_VERSIONS[wanted]
    if wanted == "v6":
        raise DiscoveryError(
            f"mDNS over IPv6 (ip_version='v6') needs IPv6, which this host lacks ({missing})"
        )
    log.info("IPv6 is unavailable on this host (%s): mDNS runs on IPv4 only", missing)
    return IPVersion.V4Only


def choose_interfaces(
    names: Sequence[str] | None, ip_version: IPVersion
) -> tuple[Any, IPVersion, list[str]]:
    """(zeroconf's `interfaces` argument, its ip_version, the addresses we announce)."""
    want4 = ip_version is not IPVersion.V6Only
    want6 = ip_version is not IPVersion.V4Only
    adapters = list(ifaddr.get_adapters())

    def addrs(adapter: Any) -> tuple[list[str], list[str]]:
        v4 = [ip.ip for ip in adapter.ips if want4 and isinstance(ip.ip, str)]
        v6 = [ip.ip[0].split("%")[0] for ip in adapter.ips if want6 and isinstance(ip.ip, tuple)]
        return v4, v6

    if names is None:
        advertised4: list[str] = []
        advertised6: list[str] = []
        for adapter in adapters:
            v4, v6 = addrs(adapter)
            if adapter.name == "lo" or all(_is_loopback(a) for a in v4 + v6):
                continue
            advertised4 += v4
            advertised6 += v6
        if not advertised4 and not advertised6:
            for adapter in adapters:
                v4, v6 = addrs(adapter)
                advertised4 += v4
                advertised6 += v6
        if not advertised4 and not advertised6:
            raise DiscoveryError(f"no interface has an IP{_vname(ip_version)} address to announce")
        return InterfaceChoice.All, ip_version, _dedup(advertised4 + advertised6)

    by_name = {a.name: a for a in adapters}
    zc_interfaces: list[str | int] = []
    advertised: list[str] = []
    for name in names:
        adapter = by_name.get(name) or _adapter_with_address(adapters, name)
        if adapter is None:
            raise DiscoveryError(
                f"no network interface or local address {name!r}; available: "
                f"{', '.join(sorted(by_name)) or 'none'}"
            )
        v4, v6 = addrs(adapter)
        if _is_ip(name):  # one address of the interface, not all of them
            v4 = [a for a in v4 if a == name]
            v6 = [a for a in v6 if ipaddress.ip_address(a) == ipaddress.ip_address(name)]
        zc_interfaces += v4
        if v6:
            index = getattr(adapter, "index", None) or socket.if_nametoindex(adapter.name)
            zc_interfaces.append(index)
        advertised += v4 + v6
    if not advertised:
        raise DiscoveryError(
            f"interfaces {list(names)} have no IP{_vname(ip_version)} address; wait for the "
            f"network, or choose other interfaces"
        )
    has4 = any(isinstance(i, str) for i in zc_interfaces)
    has6 = any(isinstance(i, int) for i in zc_interfaces)
    version = IPVersion.All if has4 and has6 else (IPVersion.V4Only if has4 else IPVersion.V6Only)
    return _dedup(zc_interfaces), version, _dedup(advertised)


def _adapter_with_address(adapters: Iterable[Any], address: str) -> Any:
    if not _is_ip(address):
        return None
    wanted = ipaddress.ip_address(address)
    for adapter in adapters:
        for ip in adapter.ips:
            raw = ip.ip if isinstance(ip.ip, str) else ip.ip[0].split("%")[0]
            if ipaddress.ip_address(raw) == wanted:
                return adapter
    return None


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _is_loopback(address: str) -> bool:
    return ipaddress.ip_address(address).is_loopback


def _vname(version: IPVersion) -> str:
    return {IPVersion.V4Only: "v4", IPVersion.V6Only: "v6"}.get(version, "")


def _dedup(items: list[Any]) -> list[Any]:
    return list(dict.fromkeys(items))

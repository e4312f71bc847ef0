"""What an edge-agent announces over DNS-SD, and how another's announcement is read (pure).

Our instance (RFC 6763): ``<instance>._edge-agent._udp.local.``, SRV with the CoAP port, and a
TXT record ``txtvers=1``, ``id=<peer id>``, ``v=<version>``, ``proto=coap``, and the device's
tags as ``tags=a,b`` when it has some (`edge_agent.tags`). `build_txt` and
`check_instance_name` check what we are about to announce (`DiscoveryError`, our mistake);
`read_announcement` checks what another instance announced (`Ignored`, its mistake): sizes
first, then the keys, the peer id, the protocol, the port and the addresses.

No sockets and no zeroconf here: `discovery` resolves instances and hands over their parts.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from edge_agent import const
from edge_agent.errors import LocalError, RemoteError
from edge_agent.identity import InvalidPeerId, validate_peer_id
from edge_agent.net.addressbook import Address, InvalidAddress
from edge_agent.tags import TXT_KEY as TAGS_KEY
from edge_agent.tags import read_txt_tags

__all__ = [
    "PROTO",
    "SERVICE_TYPE",
    "TXT_VERSION",
    "Announcement",
    "DiscoveryError",
    "Ignored",
    "build_txt",
    "check_instance_name",
    "default_instance",
    "peer_addresses",
    "read_announcement",
]

SERVICE_TYPE = "_edge-agent._udp.local."
"""DNS-SD service type agents register and browse (RFC 6763 §7: the service name is at most
15 bytes; `_udp` because CoAP runs over UDP)."""
TXT_VERSION = "1"
"""Value of our ``txtvers`` key (RFC 6763 §6.7); bump on an incompatible TXT change."""
PROTO = "coap"
CLI_INSTANCE_PREFIX = "edge-agent-cli-"
"""The instance names of laptop CLI sessions start with this (then the end of their peer id)."""
_MAX_TXT_ENTRY_BYTES = 255
"""One TXT string, key=value, is at most 255 bytes (RFC 6763 §6.1)."""


class DiscoveryError(LocalError):
    """Discovery cannot run here: a bad option, no usable interface, or mDNS not working."""


class Ignored(RemoteError):
    """Another instance's announcement is not usable; `kind` names the problem for the logs."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True, slots=True)
class Announcement:
    """What a valid announcement says."""

    peer_id: str
    addresses: tuple[Address, ...]
    """Usable addresses, best first (may be empty: not resolved yet)."""
    version: str | None
    """The ``v=`` value, if it was well formed."""
    bad_version: bytes | None = None
    """A ``v=`` value that was not (the peer is still usable), to report."""
    tags: tuple[str, ...] = ()
    """The valid tags of its ``tags=`` value, sorted (invalid ones are left out)."""


# --- ours ------------------------------------------------------------------------------------


def is_cli_session(name: str) -> bool:
    """Whether the mDNS instance `name` (label or full name) is a laptop CLI session's: they
    come and go with every command, so their arrivals and departures are DEBUG, not INFO."""
    return name.lower().startswith(CLI_INSTANCE_PREFIX)


def default_instance(peer_id: str, hostname: str) -> str:
    """``<host>-<end of peer id>``: readable, and distinct for two agents on one host."""
    host = hostname.split(".")[0] or "edge-agent"
    host = "".join(c if c.isalnum() or c == "-" else "-" for c in host)[:40]
    return f"{host}-{peer_id[-8:]}"


def check_instance_name(name: object) -> str:
    """`name` if it can be a DNS-SD instance label (RFC 6763 §4.1.1), else `DiscoveryError`."""
    if not isinstance(name, str) or not name:
        raise DiscoveryError("the mDNS instance name must be a non-empty string")
    if len(name.encode()) > const.DISCOVERY_MAX_INSTANCE_NAME_BYTES:
        raise DiscoveryError(
            f"the mDNS instance name {name!r} is longer than "
            f"{const.DISCOVERY_MAX_INSTANCE_NAME_BYTES} bytes (RFC 6763 §4.1.1); shorten it"
        )
    if "." in name or any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        raise DiscoveryError(
            f"the mDNS instance name {name!r} may not contain dots or control characters"
        )
    return name


def build_txt(peer_id: str, version: str, extra: Mapping[str, str] | None) -> dict[str, str]:
    """Our TXT record: the keys above plus `extra`; `DiscoveryError` if it cannot be sent."""
    txt = {"txtvers": TXT_VERSION, "id": peer_id, "v": version, "proto": PROTO}
    for key, value in (extra or {}).items():
        if key in txt:
            raise DiscoveryError(f"TXT key {key!r} is set by discovery itself; choose another")
        txt[key] = value
    size = 0
    for key, value in txt.items():
        # RFC 6763 §6.4: keys are printable US-ASCII without '='.
        if (
            not isinstance(key, str) or not key or "=" in key
            or not all(0x20 <= ord(c) <= 0x7E for c in key)
        ):
            raise DiscoveryError(f"TXT key {key!r} must be printable ASCII without '='")
        if not isinstance(value, str):
            raise DiscoveryError(f"TXT value of {key!r} must be a string")
        entry = len(key.encode()) + 1 + len(value.encode())
        if entry > _MAX_TXT_ENTRY_BYTES:
            raise DiscoveryError(
                f"TXT entry {key!r} is {entry} bytes; at most {_MAX_TXT_ENTRY_BYTES} fit"
            )
        size += entry + 1
    if size > const.DISCOVERY_MAX_TXT_BYTES:
        raise DiscoveryError(
            f"the TXT record would be {size} bytes; at most {const.DISCOVERY_MAX_TXT_BYTES}"
        )
    return txt


# --- theirs ----------------------------------------------------------------------------------


def read_announcement(
    *, txt_bytes: int, properties: Mapping[Any, Any], port: object, hosts: Iterable[str]
) -> Announcement:
    """Check a resolved instance: TXT size and keys, peer id, protocol, port, addresses.

    `txt_bytes` is the size of the raw TXT record, `properties` zeroconf's decoded keys (bytes
    or str), `hosts` the resolved addresses as text (link-local ones with ``%scope``).
    Raises `Ignored` for an instance that is not a usable edge-agent.
    """
    if txt_bytes > const.DISCOVERY_MAX_TXT_BYTES:
        raise Ignored(
            "txt-size",
            f"TXT record of {txt_bytes} bytes (at most {const.DISCOVERY_MAX_TXT_BYTES} accepted)",
        )
    if len(properties) > const.DISCOVERY_MAX_TXT_KEYS:
        raise Ignored(
            "txt-keys", f"{len(properties)} TXT keys (at most {const.DISCOVERY_MAX_TXT_KEYS})"
        )
    try:
        peer_id = validate_peer_id(ascii_field(_prop(properties, "id")))
    except (InvalidPeerId, ValueError) as exc:
        raise Ignored("peer-id", f"malformed id in TXT ({exc})") from None
    proto = _prop(properties, "proto")
    if proto is not None and proto != PROTO.encode():
        raise Ignored("proto", f"proto={proto[:20]!r}, not {PROTO}")
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise Ignored("port", f"port {port!r}")
    version, bad_version = None, None
    raw_version = _prop(properties, "v")
    if raw_version is not None:
        try:
            version = ascii_field(raw_version, const.DISCOVERY_MAX_VERSION_CHARS)
        except ValueError:
            bad_version = raw_version
    tags = read_txt_tags(_prop(properties, TAGS_KEY))
    return Announcement(peer_id, peer_addresses(hosts, port), version, bad_version, tags)


def peer_addresses(hosts: Iterable[str], port: int) -> tuple[Address, ...]:
    """Usable addresses, IPv4 first, then global IPv6, then link-local IPv6 with a scope."""
    ranked: list[tuple[int, Address]] = []
    for host in hosts:
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            continue
        if ip.is_unspecified or ip.is_multicast:
            continue
        if ip.version == 6 and ip.is_link_local and "%" not in host:
            continue  # unusable without knowing the interface it was heard on
        try:
            address = Address(host, port)
        except InvalidAddress:
            continue
        rank = 0 if ip.version == 4 else (2 if ip.is_link_local else 1)
        if all(a != address for _, a in ranked):
            ranked.append((rank, address))
        if len(ranked) >= const.ADDRESSBOOK_MAX_ADDRESSES_PER_PEER:
            break
    ranked.sort(key=lambda r: r[0])
    return tuple(a for _, a in ranked)


def _prop(props: Mapping[Any, Any], key: str) -> bytes | None:
    value = props.get(key.encode(), props.get(key))
    if isinstance(value, str):
        return value.encode()
    return value if isinstance(value, bytes) else None


def ascii_field(raw: bytes | None, limit: int = const.MAX_PEER_ID_CHARS) -> str:
    if raw is None:
        raise ValueError("missing")
    if len(raw) > limit:
        raise ValueError(f"{len(raw)} bytes, at most {limit}")
    text = raw.decode("ascii")  # UnicodeDecodeError is a ValueError
    if not text or not all(0x21 <= ord(c) <= 0x7E for c in text):
        raise ValueError("not printable ASCII")
    return text


def txt_value(text: bytes, key: bytes) -> bytes | None:
    """The value of `key` in raw TXT rdata (length-prefixed "key=value" strings, RFC 6763
    §6.3), looked at only within the size accepted from a peer."""
    text, i = text[: const.DISCOVERY_MAX_TXT_BYTES], 0
    while i < len(text):
        item = text[i + 1 : i + 1 + text[i]]
        i += 1 + text[i]
        k, sep, value = item.partition(b"=")
        if sep and k.lower() == key:
            return value
    return None

"""A peer's address: one UDP endpoint (`Address`, checked and canonical), where it came from
(`Source`), and one address book entry (`Entry`: an address from a source, with when it was
seen and when it expires).

An address is a claim, not a fact: anyone on the LAN can announce or hint one. What makes
one usable is `edge_agent.net.addressbook` (proofs) and `edge_agent.net.proof`. Pure: no I/O.
"""

from __future__ import annotations

import enum
import functools
import ipaddress
import socket
from dataclasses import dataclass

from edge_agent import const
from edge_agent.errors import EdgeAgentError

__all__ = ["Address", "Entry", "InvalidAddress", "Source"]

_HOSTNAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-_")


class InvalidAddress(EdgeAgentError, ValueError):
    """A (host, port) pair is not usable as a peer address.

    Like `identity.InvalidPeerId` it sits at the root of the error tree: the caller knows
    whether the pair came from config (a `ConfigError`) or from the network (a `RemoteError`).
    """


class Source(enum.Enum):
    """Where an address came from; the order of preference in `AddressBook.lookup`."""

    STATIC = "static"
    """Configured by a person; never expires, never evicted."""
    MDNS = "mdns"
    """Announced over mDNS/DNS-SD; removed on the peer's goodbye or its records' expiry."""
    INCOMING = "incoming"
    """The source address of a particle the peer sent us; expires unless seen again."""


@dataclass(frozen=True, slots=True)
class Address:
    """One UDP endpoint of a peer; IP literals are stored in canonical form.

    `host` is an IPv4 or IPv6 literal (an IPv6 link-local one with its ``%scope``) or a DNS
    name (lower-cased); `port` is 1-65535.
    """

    host: str
    port: int

    def __post_init__(self) -> None:
        host, port = self.host, self.port
        if not isinstance(host, str) or not host:
            raise InvalidAddress(f"an address host is a non-empty string, got {host!r}")
        if len(host) > const.ADDRESSBOOK_MAX_HOST_CHARS:
            raise InvalidAddress(
                f"address host {host[:40]!r}... is {len(host)} characters long; "
                f"at most {const.ADDRESSBOOK_MAX_HOST_CHARS} are accepted"
            )
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            raise InvalidAddress(f"an address port is an integer 1-65535, got {port!r}")
        object.__setattr__(self, "host", _canonical_host(host))

    @property
    def is_ip(self) -> bool:
        """Whether `host` is an IP literal (else a DNS name to resolve)."""
        try:
            ipaddress.ip_address(self.host)
        except ValueError:
            return False
        return True

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


@functools.lru_cache(maxsize=const.ADDRESSBOOK_MAX_PEERS)
def _canonical_host(host: str) -> str:
    """The canonical text of an IP literal, or a lower-cased DNS name (cached: every incoming
    particle's sender address passes through here)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return _named_scope(address)
    name = host.lower().rstrip(".")
    if not name or not set(name) <= _HOSTNAME_CHARS:
        raise InvalidAddress(
            f"address host {host!r} is neither an IP address nor a DNS name "
            f"(letters, digits, '.', '-', '_')"
        )
    return name


def _named_scope(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """An IPv6 literal's zone by interface name ("fe80::1%eth0"): python-zeroconf gives the
    interface's index ("%2"), which aiocoap refuses ("Invalid zone identifier 2"), so that
    address was never reached. An index that names no interface here stays a number."""
    text = str(address)
    scope = getattr(address, "scope_id", None)
    if scope and scope.isdigit():
        try:
            return f"{text.split('%', 1)[0]}%{socket.if_indextoname(int(scope))}"
        except (OSError, OverflowError):
            pass
    return text


@dataclass(frozen=True, slots=True)
class Entry:
    """One address of one peer from one source, with when it was last seen and expires."""

    address: Address
    source: Source
    seen_at: float
    """Clock reading when the address was last added or refreshed, in seconds."""
    expires_at: float | None
    """Clock reading after which the address is no longer used, in seconds; None: never."""

    def expired(self, now: float) -> bool:
        """Whether this entry is no longer valid at clock reading `now`."""
        return self.expires_at is not None and now >= self.expires_at

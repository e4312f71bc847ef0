"""Reading what zeroconf holds about other instances: the unexpired records in its cache for
one instance name, and the addresses of a resolved `ServiceInfo`.

Resolving keeps one record of each kind, so the cache is where two agents claiming one name
both show (`Discovery.announced`). What the records say is untrusted: a peer id is only
taken if `validate_peer_id` accepts it, addresses only as `peer_addresses` bounds them.
Pure reading: nothing here sends or blocks.
"""

from __future__ import annotations

import contextlib
import socket
from typing import Any

from zeroconf import ServiceInfo, Zeroconf, current_time_millis

from edge_agent.identity import InvalidPeerId, validate_peer_id
from edge_agent.net.addressbook import Address
from edge_agent.net.discovery_txt import ascii_field, peer_addresses, txt_value

__all__ = ["cached_announcement", "record_host", "scoped_addresses"]

_TYPE_A, _TYPE_TXT, _TYPE_AAAA, _TYPE_SRV, _CLASS_IN = 1, 16, 28, 33, 1
"""DNS record types and class IN (RFC 1035 §3.2.2, §3.2.4; RFC 3596; RFC 2782)."""


def record_host(record: Any) -> str | None:
    """The IP text of an A or AAAA record (with its interface index as the zone, if any)."""
    raw = getattr(record, "address", None)
    if not isinstance(raw, bytes) or len(raw) not in (4, 16):
        return None
    host = socket.inet_ntop(socket.AF_INET if len(raw) == 4 else socket.AF_INET6, raw)
    scope = getattr(record, "scope_id", None)
    return f"{host}%{scope}" if len(raw) == 16 and isinstance(scope, int) and scope else host


def cached_announcement(zc: Zeroconf, name: str) -> tuple[set[str], list[Address]]:
    """The valid peer ids of every unexpired TXT record zeroconf holds for the instance `name`
    (the full name), and the addresses of every unexpired SRV record's host."""
    cache, now = zc.cache, current_time_millis()
    ids: set[str] = set()
    addresses: list[Address] = []

    def live(record_name: str, kind: int) -> list[Any]:
        records = cache.get_all_by_details(record_name, kind, _CLASS_IN)
        return [r for r in records if not r.is_expired(now)]

    for record in live(name, _TYPE_TXT):
        with contextlib.suppress(ValueError, InvalidPeerId):
            ids.add(validate_peer_id(ascii_field(txt_value(record.text or b"", b"id"))))
    for srv in live(name, _TYPE_SRV):
        hosts = [record_host(r) for kind in (_TYPE_A, _TYPE_AAAA) for r in live(srv.server, kind)]
        addresses.extend(peer_addresses((h for h in hosts if h), srv.port))
    return ids, addresses


def scoped_addresses(info: ServiceInfo) -> list[str]:
    getter = getattr(info, "parsed_scoped_addresses", None) or info.parsed_addresses
    try:
        return [str(a) for a in getter()]
    except Exception:  # noqa: BLE001 - a malformed record is just no address
        return []

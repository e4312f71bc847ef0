"""One deployed service as the registry (services.json) keeps it, and reading that file back
(pure: the state directory, `edge_agent.store`, does the I/O and the locking).

A record names the service (it becomes a directory name: no separators, no leading dot), its
module by SHA-256, its limits, access rule and metadata. A file that does not read whole can
still give the records that do (`readable_records`): the agent starts with those.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from edge_agent.access import DEFAULT_ACCESS, AccessRule
from edge_agent.statefile import StoreError, json_entries

__all__ = ["DAMAGE", "SERVICES_FORMAT", "SHA256_HEX", "ServiceRecord", "check_service_name",
           "parse_services", "readable_records", "valid_service_name"]

SERVICES_FORMAT = 1
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
# A service name becomes a directory name: no separators, no leading dot ("..", temp files).
_SERVICE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,63}")


def valid_service_name(name: str) -> bool:
    """Whether `name` can name a stored service (it becomes a directory name)."""
    return isinstance(name, str) and _SERVICE_NAME.fullmatch(name) is not None


def check_service_name(name: str) -> None:
    if not valid_service_name(name):
        raise StoreError(
            f"service name {name!r} cannot be stored: use 1-64 letters, digits, '_', '-' "
            f"or '.', not starting with '.' or '-'"
        )


@dataclass(frozen=True, slots=True)
class ServiceRecord:
    """One deployed service as stored in services.json.

    `limits` are the service's own Wasm limits (e.g. fuel, memory_pages, deadline_ms);
    `info` is any other JSON-like metadata the service host wants back after a restart;
    `access` says who may call it (records written before access rules existed load as
    ``trusted``, the default).
    """

    name: str
    module_sha256: str
    limits: Mapping[str, int] = field(default_factory=dict)
    deployed_at_ms: int = 0
    info: Mapping[str, Any] = field(default_factory=dict)
    access: AccessRule = DEFAULT_ACCESS

    def __post_init__(self) -> None:
        check_service_name(self.name)
        if not isinstance(self.module_sha256, str) or not SHA256_HEX.fullmatch(
            self.module_sha256
        ):
            raise StoreError(f"service {self.name}: module hash must be 64 lower-case hex digits")
        if not all(isinstance(k, str) and type(v) is int for k, v in self.limits.items()):
            raise StoreError(f"service {self.name}: limits must map names to integers")
        if type(self.deployed_at_ms) is not int or self.deployed_at_ms < 0:
            raise StoreError(f"service {self.name}: deployed_at_ms must be an integer >= 0")
        if not isinstance(self.access, AccessRule):
            raise StoreError(f"service {self.name}: access must be an AccessRule")
        object.__setattr__(self, "limits", dict(self.limits))
        object.__setattr__(self, "info", dict(self.info))

    def modules(self) -> set[str]:
        """Its module and those of the versions it keeps (`edge_agent.versions`) by hash."""
        kept = self.info.get("versions")
        entries = kept if isinstance(kept, list) else []
        hashes = (str(e.get("module")) for e in entries if isinstance(e, dict))
        return {self.module_sha256} | {h for h in hashes if SHA256_HEX.fullmatch(h)}

    def to_json(self) -> dict[str, Any]:
        return {
            "module": self.module_sha256,
            "limits": dict(self.limits),
            "deployed_at_ms": self.deployed_at_ms,
            "info": dict(self.info),
            "access": self.access.text,
        }

    @classmethod
    def from_json(cls, name: str, obj: Any) -> ServiceRecord:
        if not isinstance(obj, dict):
            raise StoreError(f"service {name}: entry is not an object")
        try:
            access = AccessRule.parse(obj.get("access", DEFAULT_ACCESS.text))
        except ValueError as exc:
            raise StoreError(f"service {name}: {exc}") from None
        limits, info = obj.get("limits", {}), obj.get("info", {})
        if not isinstance(limits, dict) or not isinstance(info, dict):
            raise StoreError(f"service {name}: limits and info must be objects")
        return cls(
            name=name,
            module_sha256=obj.get("module"),  # type: ignore[arg-type]
            limits=limits,
            deployed_at_ms=obj.get("deployed_at_ms", 0),
            info=info,
            access=access,
        )


DAMAGE = (ValueError, StoreError, OSError)
"""What reading a damaged services.json raises: bad JSON, a record that is not one, the disk
itself (EIO)."""


def parse_services(raw: bytes) -> dict[str, ServiceRecord]:
    """services.json's records (`ValueError` or `StoreError` says what is wrong)."""
    entries = json_entries(raw, SERVICES_FORMAT, "services", dict)
    return {n: ServiceRecord.from_json(n, e) for n, e in entries.items()}


def readable_records(raw: bytes) -> tuple[dict[str, ServiceRecord], list[str]]:
    """The records of a damaged services.json that still read, and the names of the others."""
    try:
        entries = json_entries(raw, SERVICES_FORMAT, "services", dict)
    except DAMAGE:
        return {}, []
    kept, lost = {}, []
    for name, entry in entries.items():
        try:
            kept[name] = ServiceRecord.from_json(name, entry)
        except DAMAGE:
            lost.append(str(name)[:64])
    return kept, lost

"""A service's versions: which one serves, the ones kept for a rollback, and how each ended.

Pure: values in, values out; no I/O, no clock (callers pass the time). The history lives in
the service's registry record (`ServiceRecord.info["versions"]`), so one atomic write of
services.json switches the serving version and records it together: after a power cut the
registry names either the old version or the new one, with a history that says so.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from edge_agent import const

__all__ = ["BadHistory", "Check", "History", "Version", "VersionState", "is_healthy"]


class BadHistory(ValueError):
    """A stored history that cannot be read (the registry then reads as corrupt)."""


class VersionState(enum.Enum):
    """Where a version stands. Exactly one version of a history serves (WATCHING or SERVING)."""

    WATCHING = "watching"
    """Serving, in its watch window: a failure switches back to the previous version."""
    SERVING = "serving"
    """Serving, kept."""
    PREVIOUS = "previous"
    """Replaced by a later version or a rollback; kept so a rollback can return to it."""
    FAILED = "failed"
    """Switched away from by the device itself (its health check, a trap, its fuel); kept for
    inspection, and a rollback may still return to it."""

    @property
    def serves(self) -> bool:
        return self in (VersionState.WATCHING, VersionState.SERVING)


@dataclass(frozen=True, slots=True)
class Check:
    """How an update checks its new version: the `health` export, or a smoke call."""

    function: str = "health"
    args: tuple[Any, ...] = ()
    smoke: bool = False
    """A smoke call (`--check`) passes when it returns; `health` also fails on false or 0."""

    def __post_init__(self) -> None:
        if not isinstance(self.function, str) or not 0 < len(self.function) <= 64:
            raise ValueError("a check names a function of 1-64 characters")
        size = len(json.dumps([self.function, list(self.args)], default=str))
        if size > const.UPDATE_MAX_CHECK_BYTES:
            raise ValueError(f"a check is at most {const.UPDATE_MAX_CHECK_BYTES} bytes of JSON, not {size}")

    def to_json(self) -> list[Any]:
        return [self.function, list(self.args), self.smoke]

    @classmethod
    def from_json(cls, obj: Any) -> Check:
        if not (isinstance(obj, list) and len(obj) == 3 and isinstance(obj[1], list)):
            raise ValueError("a check is [function, args, smoke]")
        return cls(obj[0], tuple(obj[1]), bool(obj[2]))


def is_healthy(check: Check, value: Any) -> bool:
    """Whether a check that returned `value` passed: a smoke call always, `health` unless it
    said false or 0 (a numeric export answers 1 or 0)."""
    if check.smoke:
        return True
    return value is not False and not (type(value) is int and value == 0)


@dataclass(frozen=True, slots=True)
class Version:
    """One deployed version of a service: its module by hash, its limits and access, who
    deployed it and when, where it stands and why it ended (empty while it serves)."""

    number: int
    module: str
    limits: Mapping[str, int] = field(default_factory=dict)
    access: str = "trusted"
    deployed_at_ms: int = 0
    by: str = ""
    state: VersionState = VersionState.SERVING
    reason: str = ""
    ended_at_ms: int = 0
    watch_until_ms: int = 0
    """While WATCHING: when the watch window ends (wall clock, ms)."""
    check: Check | None = None
    """While WATCHING: the check the watch runs (None: none, traps and fuel still count)."""
    max_failures: int = 0
    """While WATCHING: failures tolerated; one more switches back."""
    replaced: int = 0
    """The version this one took over from (0: none), which a failure or `rollback` returns to."""

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "version": self.number, "module": self.module, "limits": dict(self.limits),
            "access": self.access, "deployed_at_ms": self.deployed_at_ms, "by": self.by,
            "state": self.state.value, "reason": self.reason, "ended_at_ms": self.ended_at_ms,
            "replaced": self.replaced,
        }
        if self.state is VersionState.WATCHING:
            doc["watch_until_ms"] = self.watch_until_ms
            doc["check"] = self.check.to_json() if self.check else None
            doc["max_failures"] = self.max_failures
        return doc

    @classmethod
    def from_json(cls, obj: Any) -> Version:
        if not isinstance(obj, dict):
            raise BadHistory("a version is an object")
        try:
            check = obj.get("check")
            version = cls(
                number=_int(obj["version"]), module=str(obj["module"]), limits=dict(obj.get("limits", {})),
                access=str(obj.get("access", "trusted")), deployed_at_ms=_int(obj.get("deployed_at_ms", 0)),
                by=str(obj.get("by", "")), state=VersionState(obj.get("state", "serving")),
                reason=str(obj.get("reason", "")), ended_at_ms=_int(obj.get("ended_at_ms", 0)),
                watch_until_ms=_int(obj.get("watch_until_ms", 0)),
                check=Check.from_json(check) if check is not None else None,
                max_failures=_int(obj.get("max_failures", 0)), replaced=_int(obj.get("replaced", 0)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise BadHistory(f"a version cannot be read: {exc}") from None
        return version

    def describe(self) -> dict[str, Any]:
        """What `srv.history` answers for this version (no watch internals)."""
        doc = self.to_json()
        doc.pop("check", None)
        doc.pop("max_failures", None)
        return doc


def _int(value: Any) -> int:
    if type(value) is not int or value < 0:
        raise ValueError(f"{value!r} is not an integer >= 0")
    return value


@dataclass(frozen=True, slots=True)
class History:
    """A service's versions, oldest first; the newest `keep` are kept, and the serving one."""

    versions: tuple[Version, ...] = ()

    @classmethod
    def from_json(cls, obj: Any) -> History:
        if not isinstance(obj, list) or len(obj) > const.MAX_KEEP_VERSIONS + 1:
            raise BadHistory(f"a history is a list of at most {const.MAX_KEEP_VERSIONS + 1} versions")
        history = cls(tuple(Version.from_json(v) for v in obj))
        if sum(v.state.serves for v in history.versions) > 1:
            raise BadHistory("more than one version serves")
        return history

    def to_json(self) -> list[dict[str, Any]]:
        return [v.to_json() for v in self.versions]

    @property
    def current(self) -> Version | None:
        """The version that serves, if any."""
        return next((v for v in self.versions if v.state.serves), None)

    def get(self, number: int) -> Version | None:
        return next((v for v in self.versions if v.number == number), None)

    def next_number(self) -> int:
        return max((v.number for v in self.versions), default=0) + 1

    def modules(self) -> frozenset[str]:
        """The module hashes the kept versions need."""
        return frozenset(v.module for v in self.versions)

    def added(self, version: Version, keep: int, now_ms: int) -> History:
        """`version` serving in place of the current one (which becomes PREVIOUS), trimmed to
        the newest `keep` versions (the serving one is always kept)."""
        ended = tuple(self._end(v, VersionState.PREVIOUS, "", now_ms) for v in self.versions)
        return History((*ended, version)).trimmed(keep)

    def switched(self, number: int, state: VersionState, reason: str, now_ms: int) -> History:
        """Version `number` serving (as SERVING) in place of the current one, which ends in
        `state` (PREVIOUS for a rollback asked for, FAILED for one the device decided) with
        `reason`."""
        out = []
        for v in self.versions:
            if v.number == number:
                v = replace(v, state=VersionState.SERVING, reason="", ended_at_ms=0, watch_until_ms=0,
                            check=None)
            else:
                v = self._end(v, state, reason, now_ms)
            out.append(v)
        return History(tuple(out))

    def kept(self, number: int) -> History:
        """Version `number`, which was WATCHING, now SERVING: its watch ended well."""
        return History(tuple(
            replace(v, state=VersionState.SERVING, watch_until_ms=0, check=None) if v.number == number else v
            for v in self.versions
        ))

    def trimmed(self, keep: int) -> History:
        newest = sorted(self.versions, key=lambda v: v.number)[-keep:] if keep > 0 else []
        keep_numbers = {v.number for v in newest} | {v.number for v in self.versions if v.state.serves}
        return History(tuple(v for v in self.versions if v.number in keep_numbers))

    @staticmethod
    def _end(v: Version, state: VersionState, reason: str, now_ms: int) -> Version:
        """`v` ended in `state` if it was the serving one; else as it was."""
        if not v.state.serves:
            return v
        reason = reason[: const.UPDATE_MAX_REASON_CHARS]
        return replace(v, state=state, reason=reason, ended_at_ms=now_ms, watch_until_ms=0, check=None)

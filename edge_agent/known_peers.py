"""A laptop's pins of device names to peer ids (the known_peers file, like SSH's known_hosts).

The first device that announces a name is pinned to it; a later announcer of the same name
with another peer id is refused until the pin is changed by hand (`edge-agent known`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from edge_agent import const, identity
from edge_agent.statefile import CorruptState, FileLock, StoreError, atomic_write, peer_id_lines

__all__ = ["KnownPeers", "pin_name"]

logger = logging.getLogger(__name__)


def pin_name(name: str) -> str:
    """A device name as pinned: stripped and lower case (DNS names ignore case); `ValueError`
    if it cannot be one mDNS instance label."""
    pinned = name.strip().lower() if isinstance(name, str) else ""
    if (
        not pinned
        # as pinned: lower case may be longer ('İ' is 2 bytes, its lower case 3), and a pin
        # written must read back
        or len(pinned.encode()) > const.DISCOVERY_MAX_INSTANCE_NAME_BYTES
        or not name.isprintable()  # no control, format or separator characters (U+2028)
        or any(c in "#." for c in name)
    ):
        raise ValueError(
            f"{name!r} is not a device name (1-{const.DISCOVERY_MAX_INSTANCE_NAME_BYTES} bytes, "
            f"no dots, '#' or control characters)"
        )
    return pinned



class KnownPeers:
    """The known_peers file of a state directory; changes hold the state dir's lock."""

    def __init__(self, path: Path, lock: FileLock) -> None:
        self.path = path
        self._lock = lock

    def __repr__(self) -> str:
        return f"KnownPeers({str(self.path)!r})"

    def pins(self) -> dict[str, str]:
        """Device name (lower case) -> the peer id pinned for it on first use."""
        pins: dict[str, str] = {}
        path, limit = self.path, const.MAX_KNOWN_PEERS_FILE_BYTES
        for line in peer_id_lines(path, limit, "known peers file"):
            try:
                pins[pin_name(line.rest)] = line.peer_id
            except ValueError as exc:
                raise CorruptState(f"{path}, line {line.number}: {exc}; fix or delete the line") from None
        return pins

    def pin(self, name: str, peer_id: str) -> str | None:
        """Pin the device name `name` to `peer_id`; the id it was pinned to before, if another.
        `ValueError` if either is malformed."""
        name = pin_name(name)
        identity.validate_peer_id(peer_id)
        with self._lock():
            pins = self.pins()
            before = pins.get(name)
            if before == peer_id:
                return None
            if before is None and len(pins) >= const.MAX_KNOWN_PEERS:
                raise StoreError(
                    f"{self.path} holds {len(pins)} names, its limit: forget some first "
                    f"(edge-agent known forget NAME)"
                )
            pins[name] = peer_id
            self._write(pins)
        logger.info("pinned %r to %s", name, peer_id)
        return before

    def forget(self, name: str) -> str | None:
        """Unpin the device name `name`; the id it was pinned to, None if it was not."""
        name = pin_name(name)
        with self._lock():
            pins = self.pins()
            before = pins.pop(name, None)
            if before is not None:
                self._write(pins)
        return before

    def _write(self, pins: Mapping[str, str]) -> None:
        text = (
            "# Devices this laptop has used by name: peer id, then the name (pinned on first use).\n"
            "# Edit with `edge-agent known pin NAME PEER_ID` and `edge-agent known forget NAME`.\n"
            + "".join(f"{peer_id} {name}\n" for name, peer_id in sorted(pins.items()))
        )
        atomic_write(self.path, text.encode(), mode=0o644)

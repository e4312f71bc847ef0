"""Other devices' fleet certificates that this device verified, kept across restarts.

After a restart every enrolled device's first call needed a GET /membership, at most
`const.MEMBERSHIP_MAX_FETCHES` at a time: devices calling together beyond that were refused
(ret_code 13), and a stranger that kept the fetches busy (fresh identities that let each
address challenge time out, 3 s a slot) had them all refused. Kept here, a device is admitted
again without asking it. The file grants nothing by itself: each certificate is checked again
when it is first used (signature, expiry, and that its signer is still trusted), as a fetched
one is. Written atomically, in a thread (an SD card's fsync must not hold the event loop),
once per device newly verified; bounded in entries and bytes. A file that cannot be read is
started afresh, with a warning.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from pathlib import Path

from edge_agent import const
from edge_agent.access import BadMembership, Membership
from edge_agent.statefile import StoreError, atomic_write, json_entries, read_bounded

__all__ = ["MemberCache", "MEMBERS_FILE"]

log = logging.getLogger(__name__)

MEMBERS_FILE = "fleet_members.json"
"""In the state dir: the certificates of other devices this one admitted."""

_FORMAT = 1
_MAX_FILE_BYTES = const.MEMBERSHIP_MAX_CACHED * 512  # a certificate takes ~300 bytes of JSON


class MemberCache:
    """The certificates in `path`: `load` them (unverified), `save` the ones to keep."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> list[Membership]:
        """The certificates stored (at most `const.MEMBERSHIP_MAX_CACHED`), not yet verified;
        none if the file is missing or cannot be read (a warning says why)."""
        try:
            raw = read_bounded(self.path, _MAX_FILE_BYTES, "fleet members file")
            if raw is None:
                return []
            entries = json_entries(raw, _FORMAT, "certificates", list)
            return [Membership.from_json(e) for e in entries[: const.MEMBERSHIP_MAX_CACHED]]
        except (StoreError, OSError, ValueError, BadMembership) as exc:
            log.warning("%s cannot be read (%s); devices of the fleet are asked again", self.path, exc)
            return []

    def save(self, certificates: Iterable[Membership]) -> None:
        """Replace the file with `certificates` (a warning if it cannot be written)."""
        doc = {"format": _FORMAT, "certificates": [c.to_json() for c in certificates]}
        try:
            atomic_write(self.path, (json.dumps(doc) + "\n").encode(), mode=0o644)
        except (StoreError, OSError) as exc:
            log.warning("could not keep the fleet's verified devices in %s: %s", self.path, exc)

"""A device's tags as they are now, and `srv.tag`, the call that changes them (issue 13).

The tags are config.toml's `tags` plus the overrides `edge-agent tag` recorded in
``STATE_DIR/tags.json`` (`edge_agent.tags` says why a state file, not a config rewrite). A
change is written atomically (`statefile.atomic_write`) before it takes effect, then the
mDNS TXT record is announced again (`Discovery.update_properties`, RFC 6762 §8.4), so a
restart at any moment keeps either the old or the new tags. Only trusted peers may call
`srv.tag` (`LocalServices` checks, as for `srv.deploy`); the file is read once, at start.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from edge_agent import const
from edge_agent.errors import ConfigError, LocalError
from edge_agent.services.base import RET_BAD_REQUEST, ServiceError
from edge_agent.statefile import atomic_write, move_aside, read_bounded
from edge_agent.tags import TXT_KEY, BadTag, Overrides, parse_changes, txt_value

__all__ = ["FILE_NAME", "DeviceTags"]

log = logging.getLogger(__name__)

FILE_NAME = "tags.json"
_MAX_FILE_BYTES = 64 + 4 * const.TAGS_MAX_COUNT * (const.TAG_MAX_CHARS + 4)
"""Largest tags.json read: both lists at their longest, quoted, with room for spaces."""
_USAGE = "usage: srv.tag(add, remove): two lists of tags"


class DeviceTags:
    """This device's tags: `current`, its TXT entry (`txt`), and `change` for `srv.tag`.

    `discovery()` gives the running `Discovery` (or None) to announce a change with.
    `ConfigError` at construction if the tags are too many (tags.json unreadable: see `_load`).
    """

    def __init__(self, base: Iterable[str], state_dir: Path, discovery: Callable[[], Any]) -> None:
        self.base = tuple(base)
        self.path = Path(state_dir) / FILE_NAME
        self._discovery = discovery
        self._overrides = _load(self.path)
        self.current = self._overrides.apply(self.base)
        if len(self.current) > const.TAGS_MAX_COUNT:
            raise ConfigError(
                f"tags: config.toml's tags with those `edge-agent tag` added ({self.path}) are "
                f"{len(self.current)}; a device carries at most {const.TAGS_MAX_COUNT}: remove some"
            )
        self._lock = asyncio.Lock()

    def txt(self) -> dict[str, str]:
        """The TXT entries that announce the tags (none without tags)."""
        return {TXT_KEY: txt_value(self.current)} if self.current else {}

    async def call(self, args: list[Any]) -> dict[str, Any]:
        """`srv.tag(add, remove)`, its caller already checked: see `change`."""
        if len(args) != 2 or not all(isinstance(a, list) and all(type(t) is str for t in a) for a in args):
            raise ServiceError(_USAGE, ret_code=RET_BAD_REQUEST)
        try:
            add, remove = parse_changes([*("+" + t for t in args[0]), *("-" + t for t in args[1])])
        except BadTag as exc:
            raise ServiceError(f"srv.tag: {exc}", ret_code=RET_BAD_REQUEST) from None
        return await self.change(add, remove)

    async def change(self, add: Iterable[str], remove: Iterable[str]) -> dict[str, Any]:
        """Add and remove tags: saved first, then announced. Answers the tags now, those
        added and removed by this call, and whether the new TXT record went out."""
        async with self._lock:
            try:
                overrides = self._overrides.change(self.base, add, remove)
            except BadTag as exc:
                raise ServiceError(f"srv.tag: {exc}", ret_code=RET_BAD_REQUEST) from None
            if overrides != self._overrides:
                data = json.dumps(overrides.to_json(), sort_keys=True).encode()
                try:
                    await asyncio.to_thread(atomic_write, self.path, data)
                except LocalError as exc:
                    raise ServiceError(f"could not store the tags: {exc}") from None
            before, self._overrides = self.current, overrides
            self.current = overrides.apply(self.base)
            announced = await self._announce() if self.current != before else True
        log.info("tags now %s (were %s)", ",".join(self.current) or "none", ",".join(before) or "none")
        return {
            "tags": list(self.current),
            "added": sorted(set(self.current) - set(before)),
            "removed": sorted(set(before) - set(self.current)),
            "announced": announced,
        }

    async def _announce(self) -> bool:
        discovery = self._discovery()
        if discovery is None:
            return False
        try:
            await discovery.update_properties(self.txt())
        except LocalError as exc:  # saved: the next start announces them
            log.error("could not announce the new tags over mDNS: %s", exc)
            return False
        return True


def _load(path: Path) -> Overrides:
    """The overrides in tags.json (none if it does not exist). One that cannot be read is moved
    aside (`move_aside`) and logged: the device starts with config.toml's tags, reachable, rather
    than stop in a loop."""
    try:
        raw = read_bounded(path, _MAX_FILE_BYTES, "tags file")
        return Overrides() if raw is None else Overrides.from_json(json.loads(raw))
    except (LocalError, ValueError, OSError) as exc:  # OSError: a bad sector (EIO), say
        problem = exc
    try:
        aside = move_aside(path)
    except OSError as exc:
        raise ConfigError(
            f"{path}: {problem}, and it cannot be moved aside ({exc}); it holds `edge-agent tag`'s "
            f"changes: remove it to go back to config.toml's tags"
        ) from None
    log.error(
        "%s could not be read (%s); it was moved to %s. This device has config.toml's tags "
        "until `edge-agent tag` sets them again", path, problem, aside,
    )
    return Overrides()

"""One rule for log records that peers cause: once per kind at its level, then DEBUG, and few.

A stranger can make the agent log as often as it can send a packet, and a journal full of
one peer's noise hides everything else. So a peer-caused record is logged at its level the
first time its key (e.g. the kind of problem and the sender) is seen and at DEBUG after that
(python-zeroconf's `QuietLogger` does the same), and at most `rate.burst` records above DEBUG
are logged in a burst, `rate.per_s` a second after that: past it, records of new keys go to
DEBUG too and are counted in `suppressed`. The key table is bounded: the least recently seen
key is forgotten first, so a flood of new keys cannot grow it, only use up the rate.

`DemoteRepeats` applies the same rule to another library's logger, keyed by message template.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

from edge_agent import const
from edge_agent.ratelimit import Rate, TokenBucket

__all__ = ["DemoteRepeats", "OnceLog"]

_DEFAULT_RATE = Rate(const.LOG_PEER_RECORDS_PER_S, const.LOG_PEER_RECORDS_BURST)


class OnceLog:
    """Logs peer-caused records through `logger` under the module's rule (see above)."""

    def __init__(
        self,
        logger: logging.Logger,
        *,
        max_keys: int = const.LOG_ONCE_MAX_KEYS,
        rate: Rate = _DEFAULT_RATE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_keys < 1:
            raise ValueError(f"max_keys must be positive, got {max_keys}")
        self.logger = logger
        self.max_keys = max_keys
        self.suppressed = 0
        """Records of a new key that went to DEBUG because the rate was used up."""
        self._clock = clock
        self._budget = TokenBucket(rate, clock())
        self._seen: OrderedDict[Hashable, None] = OrderedDict()

    def level_for(self, level: int, key: Hashable) -> int:
        """The level to log a record of `key` at: `level` the first time, then DEBUG.

        A key is remembered only once logged at its level, so a key first met while the rate
        is used up still gets its one record later.
        """
        if level <= logging.DEBUG:
            return level
        if key in self._seen:
            self._seen.move_to_end(key)
            return logging.DEBUG
        if not self._budget.take(self._clock()):
            self.suppressed += 1
            return logging.DEBUG
        self._seen[key] = None
        if len(self._seen) > self.max_keys:
            self._seen.popitem(last=False)
        return level

    def log(self, level: int, key: Hashable, msg: str, *args: object) -> None:
        """Log `msg % args` at `level_for(level, key)` (lazy: formatted only if enabled)."""
        self.logger.log(self.level_for(level, key), msg, *args)

    def warning(self, key: Hashable, msg: str, *args: object) -> None:
        """A peer misbehaved (aiocoap's meaning of WARNING): once per key, then DEBUG."""
        self.log(logging.WARNING, key, msg, *args)

    def info(self, key: Hashable, msg: str, *args: object) -> None:
        """Something worth knowing once (e.g. overload began): once per key, then DEBUG."""
        self.log(logging.INFO, key, msg, *args)


class DemoteRepeats(logging.Filter):
    """A filter for a library's logger: INFO to WARNING records go through `once`'s rule,
    keyed by level and message template (the library's own text, before formatting)."""

    def __init__(self, once: OnceLog) -> None:
        super().__init__()
        self.once = once

    def filter(self, record: logging.LogRecord) -> bool:
        if logging.INFO <= record.levelno <= logging.WARNING:
            level = self.once.level_for(record.levelno, (record.levelno, str(record.msg)))
            if level != record.levelno:
                record.levelno, record.levelname = level, logging.getLevelName(level)
                return logging.getLogger(record.name).isEnabledFor(level)
        return True

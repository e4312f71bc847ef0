"""The agent's log ring: the last lines an operator needs, in bounded memory (pure, no I/O).

What goes in (issue 11): the agent's own WARNING+ records, deploys and removals (who, what,
hash), refused deploys and why, particles that failed here, and each service's `ea_log`
lines. Each line gets a sequence number (1, 2, ...; never reused while the agent runs), so a
reader asks for the lines after the last one it saw and never gets one twice.

Bounds: a line's text is cut at `LOG_LINE_MAX_CHARS`; the ring keeps its newest
`max_lines`; services' lines pass a token bucket per service and one for all of them
(`edge_agent.ratelimit`): past it they are counted, and the count is written as a line of
its own once that service's lines are admitted again. Lines a stranger's particle caused (a
refused call, a failed run) pass one bucket for all untrusted peers together, counted the same
way: they never push the operator's lines out. The clocks are injected.
"""

from __future__ import annotations

import enum
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from edge_agent import const_observe as K
from edge_agent.errors import RemoteError
from edge_agent.ratelimit import Rate, SenderLimiter, TokenBucket

__all__ = ["BadLogLine", "Kind", "Level", "LogLine", "LogRing", "clip"]


class Kind(enum.Enum):
    """What a line is about."""

    AGENT = "agent"
    """A WARNING+ record of the agent itself."""
    DEPLOY = "deploy"
    REMOVE = "remove"
    REFUSED = "refused"
    """A refused srv.deploy / srv.remove, and why."""
    FAILED = "failed"
    """A particle that failed here (uncaught error)."""
    SERVICE = "service"
    """A service's `ea_log` line."""


class Level(enum.IntEnum):
    """Levels as `ea_log` numbers them (docs/service-abi.md): 0 debug .. 3 error."""

    DEBUG = 0
    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def text(self) -> str:
        return self.name.lower()


class BadLogLine(RemoteError):
    """A log line from a peer that is not one (wrong shape or out of bounds)."""


def clip(text: str, limit: int = K.LOG_LINE_MAX_CHARS) -> str:
    """`text` on one line, at most `limit` characters (cut ones end with "…")."""
    flat = text.replace("\r", " ").replace("\n", " ⏎ ")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class LogLine:
    """One ring line: its sequence number, wall time (ms since the epoch), level, kind, the
    service it is about ("" for the agent) and its text."""

    seq: int
    t_ms: int
    level: Level
    kind: Kind
    service: str
    text: str

    def to_wire(self) -> list[Any]:
        """The CBOR/JSON form: ``[seq, t_ms, level 0-3, kind, service, text]``."""
        return [self.seq, self.t_ms, int(self.level), self.kind.value, self.service, self.text]

    def to_json(self) -> dict[str, Any]:
        """The form `edge-agent logs --json` prints."""
        return {
            "seq": self.seq, "t_ms": self.t_ms, "level": self.level.text, "kind": self.kind.value,
            "service": self.service, "text": self.text,
        }

    @classmethod
    def from_wire(cls, item: Any) -> LogLine:
        """A line from `to_wire`'s form, checked (`BadLogLine`): bounded strings and numbers."""
        if not isinstance(item, list) or len(item) != 6:
            raise BadLogLine("a log line is [seq, t_ms, level, kind, service, text]")
        seq, t_ms, level, kind, service, text = item
        if type(seq) is not int or type(t_ms) is not int or not 0 < seq < 2**63 or not 0 <= t_ms < 2**63:
            raise BadLogLine("a log line's seq and t_ms are non-negative integers")
        if type(level) is not int or level not in (0, 1, 2, 3):
            raise BadLogLine("a log line's level is 0-3")
        if not isinstance(service, str) or not isinstance(text, str) or not isinstance(kind, str):
            raise BadLogLine("a log line's kind, service and text are text")
        try:
            what = Kind(kind)
        except ValueError:
            raise BadLogLine(f"unknown log line kind {kind[:20]!r}") from None
        return cls(seq, t_ms, Level(level), what, clip(service, K.LOG_SERVICE_NAME_MAX_CHARS), clip(text))

    def render(self, *, utc: bool = False) -> str:
        """One line for a person: time, level, where, text."""
        seconds = self.t_ms / 1000
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(seconds) if utc else time.localtime(seconds))
        where = self.service or self.kind.value
        return f"{stamp}.{self.t_ms % 1000:03d} {self.level.text:<7} {where}: {self.text}"


_EACH = Rate(K.LOG_SERVICE_LINES_PER_S, K.LOG_SERVICE_LINES_BURST)
_TOGETHER = Rate(K.LOG_ALL_SERVICES_LINES_PER_S, K.LOG_ALL_SERVICES_LINES_BURST)
_STRANGERS = Rate(K.LOG_STRANGER_LINES_PER_S, K.LOG_STRANGER_LINES_BURST)


class LogRing:
    """The newest `max_lines` lines, numbered; services' lines rate-limited (see the module)."""

    def __init__(
        self,
        max_lines: int = K.LOG_RING_DEFAULT_LINES,
        *,
        clock_ms: Callable[[], int],
        monotonic: Callable[[], float] = time.monotonic,
        each: Rate = _EACH,
        together: Rate = _TOGETHER,
    ) -> None:
        if not K.LOG_RING_MIN_LINES <= max_lines <= K.LOG_RING_MAX_LINES:
            raise ValueError(
                f"a log ring holds {K.LOG_RING_MIN_LINES}-{K.LOG_RING_MAX_LINES} lines, not {max_lines}"
            )
        self.max_lines = max_lines
        self._lines: deque[LogLine] = deque(maxlen=max_lines)
        self._clock_ms = clock_ms
        self._limiter = SenderLimiter(each, together, max_senders=K.LOG_MAX_SERVICES_TRACKED, clock=monotonic)
        self._held_back: dict[str, int] = {}
        self._strangers = TokenBucket(_STRANGERS, monotonic())
        self._strangers_held = 0
        self._monotonic = monotonic
        self.last_seq = 0
        self.dropped = 0
        """Lines not admitted (over their rate), since the start."""
        self.listener: Callable[[LogLine], None] | None = None
        """Called with each line added (the /logs resource: notifies its observers)."""

    def __len__(self) -> int:
        return len(self._lines)

    def add(
        self, kind: Kind, text: str, *, level: Level = Level.INFO, service: str = "", stranger: bool = False
    ) -> LogLine | None:
        """Append a line (None if it is over its rate: it is counted instead). A service's lines
        have a rate per service; those a stranger's particle caused (`stranger`: a refused call,
        a failed run) one for all strangers together, so they never push out the operator's."""
        service = clip(service, K.LOG_SERVICE_NAME_MAX_CHARS)
        if stranger:
            if not self._strangers.take(self._monotonic()):
                self.dropped += 1
                self._strangers_held += 1
                return None
            missed, self._strangers_held = self._strangers_held, 0
            if missed:
                note = f"({missed} lines of untrusted peers not kept: over the rate)"
                self._append(kind, Level.WARNING, "", note)
        if kind is Kind.SERVICE:
            if not self._limiter.allow(service):
                self.dropped += 1
                if len(self._held_back) < K.LOG_MAX_SERVICES_TRACKED or service in self._held_back:
                    self._held_back[service] = self._held_back.get(service, 0) + 1
                return None
            missed = self._held_back.pop(service, 0)
            if missed:
                note = f"({missed} lines not kept: over the rate)"
                self._append(Kind.SERVICE, Level.WARNING, service, note)
        return self._append(kind, level, service, clip(text))

    def _append(self, kind: Kind, level: Level, service: str, text: str) -> LogLine:
        self.last_seq += 1
        line = LogLine(self.last_seq, self._clock_ms(), level, kind, service, text)
        self._lines.append(line)
        if self.listener is not None:
            self.listener(line)
        return line

    def lines(
        self,
        *,
        after: int = 0,
        since_ms: int | None = None,
        service: str | None = None,
        limit: int = K.LOG_ANSWER_MAX_LINES,
    ) -> list[LogLine]:
        """The lines numbered above `after`, at or after `since_ms`, of `service` (its own
        lines and the agent's lines about it; None: all), oldest first, at most the newest
        `limit` of them."""
        if after >= self.last_seq or limit <= 0:
            return []
        chosen = [line for line in self._newer_than(after) if _wanted(line, since_ms, service)]
        return chosen[-limit:]

    def _newer_than(self, after: int) -> Iterable[LogLine]:
        if not self._lines:
            return ()
        first = self._lines[0].seq
        if after < first:
            return self._lines
        # Sequence numbers are consecutive in the ring: skip straight to the first one wanted.
        return (self._lines[i] for i in range(after - first + 1, len(self._lines)))


def _wanted(line: LogLine, since_ms: int | None, service: str | None) -> bool:
    if since_ms is not None and line.t_ms < since_ms:
        return False
    return service is None or line.service == service

"""What an operator sees of one agent: its log ring and metrics, and the hooks that feed them.

`Observer.attach(node)` (in `Node.__init__`) makes the ring and the per-service metrics,
hears the services (`LocalServices.events`: deploys, removals, refusals, each Wasm call's
outcome) and the Wasm host (`ea_log` lines, fuel and memory per call), and serves the ring at
GET /logs (`edge_agent.net.coap_logs`) to trusted peers that prove their key where they ask
from. `capturing()` (around `edge-agent serve`) copies the agent's own WARNING+ records into
the ring. The journal gets the same events: deploys and removals at INFO
(`edge_agent.services.local`), refusals and failed particles at WARNING once per kind, then
DEBUG (`edge_agent.events`, `OnceLog`: a peer decides how often they happen); the ring keeps
each one. `status()` adds the figures to /status under "metrics".
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from edge_agent import gc_policy
from edge_agent.clock import now_ms
from edge_agent.logring import Kind, Level, LogRing
from edge_agent.logutil import OnceLog
from edge_agent.metrics import ServiceTable
from edge_agent.net.addressbook import Address
from edge_agent.net.coap_common import Remote, hostport
from edge_agent.net.coap_logs import LOGS_PATH, LogsResource
from edge_agent.net.proof import Outcome

if TYPE_CHECKING:
    from edge_agent.core import ScriptFailed
    from edge_agent.node import Node

__all__ = ["EVENTS_LOGGER", "Observer", "RingHandler", "rss_bytes"]

EVENTS_LOGGER = "edge_agent.events"
"""Where refusals and failed particles are logged (the ring has them already)."""
events_log = logging.getLogger(EVENTS_LOGGER)

_SERVICE_LOGGER = "edge_agent.services.wasm.service"
"""Services' `ea_log` lines are logged here too; the ring has them from the host."""

_LEVELS = ((logging.ERROR, Level.ERROR), (logging.WARNING, Level.WARNING), (logging.INFO, Level.INFO))


def _level(levelno: int) -> Level:
    return next((level for at, level in _LEVELS if levelno >= at), Level.DEBUG)


def rss_bytes() -> int | None:
    """This process's resident memory in bytes (Linux /proc), None where unknown."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


class RingHandler(logging.Handler):
    """Copies WARNING+ records into a ring, on the ring's event loop (records from other
    threads are handed over to it), except those the ring has as events already."""

    def __init__(self, ring: LogRing, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(logging.WARNING)
        self.ring = ring
        self._loop = loop
        self._thread = threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(EVENTS_LOGGER) or record.name == _SERVICE_LOGGER:
            return
        try:
            text = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad record must not break logging
            return
        where = record.name.removeprefix("edge_agent.")
        line = (Kind.AGENT, f"{where}: {text}", _level(record.levelno))
        if threading.get_ident() == self._thread:
            self._add(*line)
        elif not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._add, *line)

    def _add(self, kind: Kind, text: str, level: Level) -> None:
        self.ring.add(kind, text, level=level)


class Observer:
    """One agent's log ring and per-service metrics (see the module)."""

    def __init__(self, ring_lines: int, *, peer_id: str = "") -> None:
        self.ring = LogRing(ring_lines, clock_ms=now_ms)
        self.services = ServiceTable()
        self.peer_id = peer_id
        self.resource: LogsResource | None = None
        self._journal = OnceLog(events_log)
        self.is_trusted: Callable[[str], bool] = lambda peer: True
        """Whose refused calls are the operator's own (the rest share the strangers' rate)."""

    @classmethod
    def attach(cls, node: Node) -> Observer:
        """The observer of `node`: hears its services and Wasm host, serves GET /logs."""
        observer = cls(node.config.logs.ring_lines, peer_id=node.peer_id)
        node.services.events = observer
        node.host.observe(observer)
        fleet, prover = node.services.fleet, node.prover
        observer.is_trusted = fleet.is_trusted

        async def authorize(peer: str, remote: Remote) -> str | None:
            if not fleet.is_trusted(peer):
                return (
                    f"{peer} may not read this device's logs: they are for its trusted peers "
                    f"(on the device: edge-agent trust add {peer})"
                )
            proof = await prover.prove(peer, Address(remote[0], remote[1]))
            if proof.outcome is not Outcome.PROVEN:
                return f"{peer} did not prove its key at {hostport(*remote)}: {proof.detail}"
            return None

        def proven(peer: str, remote: Remote) -> bool:
            return node.book.is_proven(peer, Address(remote[0], remote[1]))

        observer.resource = LogsResource(observer.ring, authorize, proven)
        node.server.add_resource(LOGS_PATH, observer.resource)
        return observer

    @contextlib.contextmanager
    def capturing(self, logger: str = "edge_agent") -> Iterator[None]:
        """Copy `logger`'s WARNING+ records into the ring while the block runs (on this loop)."""
        handler = RingHandler(self.ring, asyncio.get_running_loop())
        target = logging.getLogger(logger)
        target.addHandler(handler)
        try:
            yield
        finally:
            target.removeHandler(handler)
            if self.resource is not None:
                self.resource.close()

    # --- events (`LocalServices.events`) ----------------------------------------------------

    def deployed(self, by: str, name: str, sha256: str, access: str) -> None:
        self.services.forget(name)  # a new module: its figures start again
        text = f"deployed {name} (module {sha256}, access {access}) by {by}"
        self.ring.add(Kind.DEPLOY, text, service=name)

    def removed(self, by: str, name: str) -> None:
        self.services.forget(name)
        self.ring.add(Kind.REMOVE, f"removed {name} by {by}", service=name)

    def refused(self, by: str, what: str, why: str) -> None:
        text = f"refused {what} from {by}: {why}"
        self.ring.add(Kind.REFUSED, text, level=Level.WARNING, stranger=not self.is_trusted(by))
        self._journal.warning(("refused", what, by), "%s", text)

    def called(self, service: str, ms: float, ret_code: int, error: str) -> None:
        self.services.of(service).called(ms, ret_code, error, now_ms() if ret_code else 0)

    def failed(self, action: ScriptFailed, *, stranger: bool = False) -> None:
        """A particle failed here (an uncaught error): the ring, and the journal once per kind.
        `stranger`: its init peer is not trusted."""
        text = f"particle {action.particle_id} failed here with {action.ret_code}: {action.message}"
        self.ring.add(Kind.FAILED, text, level=Level.WARNING, stranger=stranger)
        self._journal.warning(("failed", action.ret_code, action.message[:80]), "%s", text)

    # --- the Wasm host (`replies.CallObserver`) ---------------------------------------------

    def service_logs(self, name: str, lines: list[tuple[int, str]]) -> list[bool]:
        return [self.ring.add(Kind.SERVICE, text, level=Level(level), service=name) is not None
                for level, text in lines]

    def service_usage(self, name: str, fuel: int | None, pages: int | None) -> None:
        self.services.of(name).used(fuel, pages)

    # --- /status ------------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """The figures /status adds under "metrics"."""
        return {
            "metrics": {
                "rss_bytes": rss_bytes(),
                "gc": gc_policy.stats(),
                "services": self.services.to_json(),
                "log": {
                    "lines": len(self.ring), "last": self.ring.last_seq, "dropped": self.ring.dropped,
                    "followers": self.resource.observers if self.resource is not None else 0,
                },
            }
        }

"""The Prometheus endpoint (`metrics.listen`): the agent's figures in the text format.

Served with `prometheus_client` (>= 0.16, Debian bookworm's python3-prometheus-client) by a
custom collector: a scrape asks the agent's event loop for one snapshot of its live counters
(`Node.status()` and the per-service metrics, read on the loop, where they change), waits at
most `METRICS_SCRAPE_TIMEOUT_S` for it, and turns it into metric families in the HTTP
server's own thread, so a scrape never blocks the loop for longer than the snapshot takes.
Off by default; `metrics.listen = "127.0.0.1:9464"` serves it on this host only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import socketserver
import sys
import threading
from collections.abc import AsyncIterator, Callable, Iterable
from typing import TYPE_CHECKING, Any, cast
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from edge_agent import const_observe as K
from edge_agent.errors import ConfigError

if TYPE_CHECKING:
    from edge_agent.node import Node

__all__ = ["MetricsEndpoint", "families", "snapshot"]

# prometheus_client imports ssl, and http.client (wsgiref's) has HTTPS only if ssl was there
# when it was first imported: `edge-agent serve` lets OpenSSL in (`edge_agent.openssl`)
# before it imports this module, when metrics.listen is set, at a cost of 4.8 MB.

log = logging.getLogger(__name__)

Snapshot = dict[str, Any]


def snapshot(node: Node) -> Snapshot:
    """What a scrape shows, read on the node's loop: its /status map and, per service, the
    latency histogram's cumulative buckets (plain data, safe to read in another thread)."""
    status = node.status()
    status["histograms"] = {
        name: {"buckets": m.latency.cumulative(), "sum_ms": m.latency.sum_ms}
        for name, m in node.observe.services.items()
    }
    return status


def families(snap: Snapshot) -> Iterable[Any]:
    """The metric families of a snapshot (prometheus_client's metrics_core)."""
    from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

    info = GaugeMetricFamily(
        "edge_agent_info", "this agent's peer id and version", labels=["peer_id", "version"]
    )
    info.add_metric([str(snap.get("peer_id", "")), str(snap.get("version", ""))], 1)
    yield info
    metrics = snap.get("metrics", {})
    for name, help_, value in (
        ("edge_agent_uptime_seconds", "seconds since the agent started", snap.get("uptime_s")),
        ("edge_agent_particles_in_flight", "particles the agent works on now", snap.get("particles")),
        ("edge_agent_peers_known", "peers in the address book", snap.get("peers_known")),
        ("edge_agent_services", "services deployed here", len(snap.get("services", []))),
        ("edge_agent_resident_memory_bytes", "the agent process's RSS", metrics.get("rss_bytes")),
        ("edge_agent_log_lines", "lines in the log ring", metrics.get("log", {}).get("lines")),
    ):
        if value is not None:
            yield GaugeMetricFamily(name, help_, value=value)
    counters = CounterMetricFamily("edge_agent_events", "the counters of /status", labels=["counter"])
    for counter, n in sorted(snap.get("counters", {}).items()):
        counters.add_metric([counter], n)
    yield counters
    yield CounterMetricFamily(
        "edge_agent_log_lines_dropped", "services' log lines over the rate",
        value=metrics.get("log", {}).get("dropped", 0),
    )
    yield from _service_families(metrics.get("services", {}), snap.get("histograms", {}))


def _service_families(services: dict[str, Any], histograms: dict[str, Any]) -> Iterable[Any]:
    from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

    calls = CounterMetricFamily("edge_agent_service_calls", "calls of each service", labels=["service"])
    errors = CounterMetricFamily(
        "edge_agent_service_errors", "failed calls by ret_code", labels=["service", "ret_code"]
    )
    fuel = CounterMetricFamily("edge_agent_service_fuel_used", "fuel the calls used", labels=["service"])
    pages = GaugeMetricFamily(
        "edge_agent_service_memory_pages", "linear memory, 64 KiB pages", labels=["service"]
    )
    latency = HistogramMetricFamily(
        "edge_agent_service_call_duration_seconds", "call latency", labels=["service"]
    )
    for name, m in sorted(services.items()):
        calls.add_metric([name], m["calls"])
        for code, n in sorted(m["errors"].items()):
            errors.add_metric([name, code], n)
        fuel.add_metric([name], m["fuel_used"])
        if m["memory_pages"] is not None:
            pages.add_metric([name], m["memory_pages"])
        hist = histograms.get(name)
        if hist is not None:
            buckets = [(_le(bound), n) for bound, n in hist["buckets"]]
            latency.add_metric([name], buckets, hist["sum_ms"] / 1000)
    yield from (calls, errors, fuel, pages, latency)


def _le(bound_ms: float) -> str:
    return "+Inf" if bound_ms == float("inf") else repr(bound_ms / 1000)


class _Collector:
    """A prometheus_client collector that asks the loop for a snapshot at each scrape."""

    def __init__(self, take: Callable[[], Snapshot], loop: asyncio.AbstractEventLoop) -> None:
        self._take = take
        self._loop = loop

    def collect(self) -> Iterable[Any]:
        async def read() -> Snapshot:
            return self._take()

        try:
            future = asyncio.run_coroutine_threadsafe(read(), self._loop)
            snap = future.result(K.METRICS_SCRAPE_TIMEOUT_S)
        except Exception as exc:  # noqa: BLE001 - a scrape fails, the agent does not
            log.warning("metrics: could not read the agent's figures: %s", exc)
            return []
        return list(families(snap))


class _Quiet(WSGIRequestHandler):
    timeout = K.METRICS_CONNECTION_TIMEOUT_S
    """A connection that sends nothing is closed after this (socket timeout, in seconds)."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        """Scrapes are not logged (one every 15 s by default)."""


class _Server(socketserver.ThreadingMixIn, WSGIServer):
    """wsgiref's server, a thread per connection (at most `METRICS_MAX_CONNECTIONS`; more are
    closed at once): one connection that sends nothing no longer holds every scrape, and the
    agent's stop, until it closes."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._slots = threading.BoundedSemaphore(K.METRICS_MAX_CONNECTIONS)
        super().__init__(*args, **kwargs)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A connection that timed out or went away is the client's business (socketserver
        would print a traceback to the journal for each); anything else is logged."""
        error = sys.exc_info()[1]
        if isinstance(error, TimeoutError | ConnectionError):
            log.debug("metrics: a connection from %s ended: %s", client_address, error)
            return
        log.warning("metrics: a request from %s failed", client_address, exc_info=True)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


class MetricsEndpoint:
    """The HTTP server of the endpoint, in a thread of its own; `start()`, `stop()`."""

    def __init__(self, listen: str, take: Callable[[], Snapshot], loop: asyncio.AbstractEventLoop) -> None:
        from prometheus_client import CollectorRegistry, make_wsgi_app

        self.host, _, port = listen.rpartition(":")
        self.host = self.host.strip("[]")
        self.registry = CollectorRegistry(auto_describe=False)
        # prometheus_client types `register` from 0.20 on (a Collector protocol `_Collector`
        # meets), and not in bookworm's 0.16: Any suits both.
        self.registry.register(cast(Any, _Collector(take, loop)))
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET

        class Server(_Server):
            address_family = family

        try:
            self._server = make_server(
                self.host, int(port), make_wsgi_app(self.registry), Server, handler_class=_Quiet
            )
        except OSError as exc:
            raise ConfigError(f"metrics.listen = {listen!r}: cannot listen there: {exc}") from None
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="edge-agent-metrics", daemon=True
        )

    def start(self) -> None:
        self._thread.start()
        log.info("Prometheus metrics on http://%s:%d/metrics", self.host, self.port)

    def stop(self) -> None:
        """Stop serving and close the socket (a scrape in progress ends with its thread)."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


@contextlib.asynccontextmanager
async def serving(node: Node) -> AsyncIterator[MetricsEndpoint | None]:
    """The endpoint of `node`'s `metrics.listen` while the block runs (None when it is "").
    It stops in a thread: a scrape in progress waits for this loop."""
    listen = node.config.metrics.listen
    if not listen:
        yield None
        return
    endpoint = MetricsEndpoint(listen, lambda: snapshot(node), asyncio.get_running_loop())
    endpoint.start()
    try:
        yield endpoint
    finally:
        await asyncio.to_thread(endpoint.stop)

"""The laptop's view of devices: `edge-agent logs`, `edge-agent top` and the `status` table.

`logs` reads a device's log ring (GET /logs, `edge_agent.net.coap_logs`) where the device
proves its key, and with `-f` follows it by CoAP Observe (RFC 7641): a notification brings
the lines added since the previous one; lines are numbered, so none is printed twice, and a
follow that ends (the device restarted) starts again after the last line seen. `top` asks
each device's /status every `TOP_REFRESH_S` and redraws one table (plain ANSI: home, clear);
`--once` (and any output that is not a terminal) prints it once. Only the CLI prints.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import aiocoap
from aiocoap.numbers.codes import Code

from edge_agent import const_observe as K
from edge_agent.cli_text import terminal_safe
from edge_agent.clock import now_ms
from edge_agent.errors import EdgeAgentError, RemoteError
from edge_agent.logring import BadLogLine, LogLine
from edge_agent.net.addressbook import Address
from edge_agent.net.coap_common import hostport
from edge_agent.net.coap_logs import LOGS_PATH, decode_answer, query_items
from edge_agent.net.delivery import proven_addresses

__all__ = ["logs_command", "parse_duration", "render_status", "render_top", "top_command"]

_DURATION = re.compile(r"(\d+)(ms|s|m|h|d)\Z")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}


def parse_duration(text: str) -> int:
    """"10m" -> 600000 (ms); units ms, s, m, h, d. `ValueError` says what is wanted."""
    match = _DURATION.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a duration such as 30s, 10m, 2h or 1d")
    return int(match.group(1)) * _UNIT_MS[match.group(2)]


# --- logs -----------------------------------------------------------------------------------


class LogsRefused(RemoteError):
    """The device answered GET /logs with a refusal (4.03: not trusted; ...)."""


class LogReader:
    """Reads one device's ring from this laptop's client peer (see the module)."""

    def __init__(self, client: Any, peer_id: str, service: str | None, timeout_s: float) -> None:
        self.client = client
        self.peer_id = peer_id
        self.service = service
        self.timeout_s = timeout_s
        self.last = 0
        """The newest seq printed (lines at or below it are not printed again)."""

    def _query(self, *, after: int, since_ms: int | None = None) -> list[str]:
        return query_items(self.client.peer_id, after=after, since_ms=since_ms, service=self.service)

    async def address(self) -> Address:
        """An address where the device proves its key (`Unreachable`-like `ConnectionError`)."""
        async with contextlib.aclosing(proven_addresses(self.client.node.prover, self.peer_id)) as found:
            async for address in found:
                return address
        raise ConnectionError(f"no address known where {self.peer_id} proves its key")

    async def fetch(self, since_ms: int | None) -> list[LogLine]:
        """The ring's lines (since `since_ms`), oldest first."""
        address = await self.address()
        response = await self.client.node.client.request(
            address, "GET", LOGS_PATH, query=self._query(after=0, since_ms=since_ms),
            timeout=self.timeout_s, max_bytes=K.LOG_ANSWER_MAX_BYTES + 1024,
        )
        if response.code != "2.05":
            raise LogsRefused(f"{response.code} {response.diagnostic}".strip())
        lines, last, _ = decode_answer(response.payload)
        return self._new(lines, last)

    def _new(self, lines: list[LogLine], last: int) -> list[LogLine]:
        if last < self.last:  # the device restarted: its numbers start again
            self.last = 0
        fresh = [line for line in lines if line.seq > self.last]
        self.last = max([self.last, *(line.seq for line in fresh)])
        return fresh

    async def follow(self) -> AsyncIterator[list[LogLine]]:
        """Each notification's new lines, for as long as the caller iterates."""
        while True:
            try:
                address = await self.address()
            except ConnectionError:  # down, or restarting: ask again
                await asyncio.sleep(K.LOG_FOLLOW_RETRY_S)
                continue
            message = aiocoap.Message(code=Code.GET, uri_path=LOGS_PATH, observe=0)
            message.opt.uri_query = tuple(self._query(after=self.last))
            message.unresolved_remote = hostport(address.host, address.port)
            request = self.client.node.server.context.request(message)
            try:
                first = await asyncio.wait_for(request.response, self.timeout_s)
                if not first.code.is_successful():
                    said = first.payload.decode("utf-8", "replace")
                    raise LogsRefused(f"{first.code.dotted} {said}".strip())
                yield self._new(*decode_answer(first.payload)[:2])
                notes = request.observation.__aiter__()
                while True:  # a quiet minute: observe again (a restarted device forgot us)
                    note = await asyncio.wait_for(notes.__anext__(), K.LOG_FOLLOW_RENEW_S)
                    if note.code.is_successful():
                        yield self._new(*decode_answer(note.payload)[:2])
            except (aiocoap.error.Error, TimeoutError, StopAsyncIteration, BadLogLine):
                pass  # the observation ended (the device restarted, or went away): again
            finally:
                if request.observation is not None and not request.observation.cancelled:
                    request.observation.cancel()
            await asyncio.sleep(K.LOG_FOLLOW_RETRY_S)


def _print_lines(lines: list[LogLine], as_json: bool) -> None:
    for line in lines:
        text = json.dumps(line.to_json(), sort_keys=True) if as_json else terminal_safe(line.render())
        print(text, flush=True)


async def logs_command(args: argparse.Namespace, client: Any) -> int:
    """`edge-agent logs TARGET [SERVICE] [-f] [--since 10m] [--json]`."""
    from edge_agent.cli import EXIT_OK, EXIT_REMOTE, EXIT_UNREACHABLE, EXIT_USAGE, CliError

    try:
        since_ms = now_ms() - parse_duration(args.since) if args.since else None
    except ValueError as exc:
        raise CliError(f"--since: {exc}", EXIT_USAGE) from None
    target = await client.resolve(args.target, timeout_s=args.timeout)
    reader = LogReader(client, target.peer_id, args.service, args.timeout)
    try:
        lines = await reader.fetch(since_ms)
    except LogsRefused as exc:
        raise CliError(f"{target.name} refused to show its logs: {exc}", EXIT_REMOTE) from None
    except (ConnectionError, EdgeAgentError) as exc:
        raise CliError(f"{target.name}: {exc}", EXIT_UNREACHABLE) from None
    if args.json and not args.follow:
        print(json.dumps({"peer_id": target.peer_id, "lines": [x.to_json() for x in lines]}, indent=2))
        return EXIT_OK
    _print_lines(lines, args.json)
    if args.follow:
        try:
            async for fresh in reader.follow():
                _print_lines(fresh, args.json)
        except LogsRefused as exc:
            raise CliError(f"{target.name} refused to show its logs: {exc}", EXIT_REMOTE) from None
    return EXIT_OK


# --- status and top -------------------------------------------------------------------------


def _size(n: float | None) -> str:
    if n is None:
        return "-"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return "-"  # pragma: no cover


def _count(n: float | None) -> str:
    if n is None:
        return "-"
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if n >= limit:
            return f"{n / limit:.1f}{suffix}"
    return f"{n:g}"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}"


def _uptime(seconds: Any) -> str:
    if type(seconds) not in (int, float) or not 0 < seconds < 1e12:  # a device's, not ours
        return "-"
    s = int(seconds)
    days, s = divmod(s, 86400)
    hours, s = divmod(s, 3600)
    minutes, s = divmod(s, 60)
    return f"{days}d{hours:02d}h" if days else f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{s:02d}s"


def _errors(m: dict[str, Any]) -> int:
    return sum(m.get("errors", {}).values())


def render_status(
    status: dict[str, Any], name: str | None = None, peer_name: Callable[[str], str] = str
) -> str:
    """`edge-agent status`'s table: the agent, its tags and peers (`peer_name` shows each),
    its counters, and one row per service."""
    metrics = status.get("metrics", {})
    services = metrics.get("services", {})
    log_info = metrics.get("log", {})
    head = [
        f"{name or status.get('peer_id', '?')}  {status.get('peer_id', '')}",
        f"version {status.get('version', '?')}  up {_uptime(status.get('uptime_s'))}  "
        f"port {status.get('port', '?')}  RSS {_size(metrics.get('rss_bytes'))}",
        f"particles in flight {status.get('particles', 0)}  peers known {_peers_known(status)}  "
        f"log {log_info.get('lines', 0)} lines ({log_info.get('dropped', 0)} dropped)",
    ]
    head.append("tags: " + (", ".join(status.get("tags", [])) or "none"))
    peers = status.get("peers", [])
    more = _peers_known(status) - len(peers)
    listed = ", ".join(peer_name(p) for p in peers) or "none"
    head.append(f"peers: {listed}" + (f" (+{more} more)" if more > 0 else ""))
    head += [f"{key}: {status[key]}" for key in ("cbor2", "max_module_bytes") if key in status]
    for r in status.get("updates", {}).get("rollbacks", []):  # the device switched back by itself
        head.append(f"rolled back: {r['service']} version {r['version']} to {r['to']}: {r['reason']}")
    counters = status.get("counters", {})
    if counters:
        head.append("counters: " + ", ".join(f"{k} {v}" for k, v in sorted(counters.items())))
    names = sorted(set(status.get("services", [])) | set(services))
    if not names:
        return "\n".join([*head, "no services"])
    rows = [("SERVICE", "CALLS", "ERRORS", "P50 ms", "P99 ms", "FUEL", "PAGES", "LAST ERROR")]
    for service in names:
        m = services.get(service, {})
        latency = m.get("latency_ms", {})
        rows.append((
            service, _count(m.get("calls", 0)), str(_errors(m)), _ms(latency.get("p50")),
            _ms(latency.get("p99")), _count(m.get("fuel_used", 0)), _ms(m.get("memory_pages")),
            (m.get("last_error") or "")[:60],
        ))
    return "\n".join([*head, "", *_table(rows)])


def _table(rows: Sequence[tuple[str, ...]]) -> list[str]:
    """Columns padded to their widest cell; the numeric ones (1-6) right-aligned."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    out = []
    for row in rows:
        pairs = enumerate(zip(row, widths, strict=True))
        cells = (c.rjust(w) if 1 <= i <= 6 else c.ljust(w) for i, (c, w) in pairs)
        out.append("  ".join(cells).rstrip())
    return out


def _calls(status: dict[str, Any]) -> int | None:
    counters = status.get("counters")
    calls = counters.get("calls", 0) if isinstance(counters, dict) else None
    return calls if type(calls) is int else None


def render_top(devices: list[tuple[str, dict[str, Any] | str]], rates: dict[str, float]) -> str:
    """`edge-agent top`'s table: per device its load, services and errors (or why not)."""
    rows: list[tuple[str, ...]] = [
        ("DEVICE", "UP", "PARTICLES", "CALLS/S", "SERVICES", "ERRORS", "FAILED", "RSS", "PEER")
    ]
    for name, status in devices[: K.TOP_MAX_DEVICES]:
        if isinstance(status, str):
            rows.append((name, "-", "-", "-", "-", "-", "-", "-", status[:60]))
            continue
        try:
            rows.append(_top_row(name, status, rates))
        except (AttributeError, TypeError, ValueError, KeyError, OverflowError) as exc:  # its shape
            rows.append((name, "-", "-", "-", "-", "-", "-", "-", f"malformed /status: {exc!r}"[:60]))
    lines = _table(rows)
    if len(devices) > K.TOP_MAX_DEVICES:
        lines.append(f"... and {len(devices) - K.TOP_MAX_DEVICES} more")
    return "\n".join(lines)


def _top_row(name: str, status: dict[str, Any], rates: dict[str, float]) -> tuple[str, ...]:
    metrics = status.get("metrics", {})
    services = metrics.get("services", {})
    counters = status.get("counters", {})
    rate = rates.get(status.get("peer_id", ""))
    return (
        name, _uptime(status.get("uptime_s")), str(status.get("particles", 0)),
        "-" if rate is None else f"{rate:.1f}", str(len(status.get("services", []))),
        str(sum(_errors(m) for m in services.values())), str(counters.get("failed_runs", 0)),
        _size(metrics.get("rss_bytes")), str(status.get("peer_id", ""))[-12:],
    )


Row = tuple[str, "dict[str, Any] | str"]
"""A device's name and its /status, or why it could not be had."""


async def _statuses(client: Any, targets: list[Any], timeout_s: float) -> list[Row]:
    async def one(target: Any) -> Row:
        try:
            return target.name, await client.status(target, timeout_s=timeout_s)
        except (EdgeAgentError, ConnectionError, OSError) as exc:
            return target.name, f"unreachable: {exc}"

    return list(await asyncio.gather(*(one(t) for t in targets)))


async def _targets(args: argparse.Namespace, client: Any) -> list[Any]:
    from edge_agent.client import Target

    if args.targets:
        return [await client.resolve(t, timeout_s=args.timeout) for t in args.targets[: K.TOP_MAX_DEVICES]]
    found = await client.browse(args.wait)
    return [Target(d["peer_id"], None, d["name"] or d["peer_id"]) for d in found[: K.TOP_MAX_DEVICES]]


async def top_command(
    args: argparse.Namespace, client: Any, *, isatty: Callable[[], bool] = sys.stdout.isatty
) -> int:
    """`edge-agent top [TARGET...] [--once]`: a live table of every device (see the module)."""
    from edge_agent.cli import EXIT_OK

    once = args.once or not isatty()
    targets = await _targets(args, client)
    calls_before: dict[str, tuple[float, int]] = {}
    loop = asyncio.get_running_loop()
    while True:
        devices = await _statuses(client, targets, args.timeout)
        now = loop.time()
        rates = {}
        for _, status in devices:
            if isinstance(status, dict) and isinstance(calls := _calls(status), int):
                peer = status.get("peer_id", "")
                if peer in calls_before:
                    then, before = calls_before[peer]
                    rates[peer] = max(calls - before, 0) / max(now - then, 1e-3)
                calls_before[peer] = (now, calls)
        table = terminal_safe(render_top(devices, rates)) if devices else "no devices found"
        if once:
            print(table)
            return EXIT_OK
        print(f"\x1b[H\x1b[2Jedge-agent top  {len(devices)} devices, every {K.TOP_REFRESH_S:g} s  "
              f"(Ctrl-C quits)\n\n{table}", flush=True)
        await asyncio.sleep(K.TOP_REFRESH_S)
        if not args.targets:
            targets = await _targets(argparse.Namespace(**{**vars(args), "wait": 0}), client) or targets


def _peers_known(status: dict[str, Any]) -> int:
    """Peers in a device's address book: /status lists the first `STATUS_MAX_PEERS`."""
    known = status.get("peers_known")
    return known if isinstance(known, int) and not isinstance(known, bool) else len(status.get("peers", []))

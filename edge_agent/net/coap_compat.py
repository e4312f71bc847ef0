"""Every use of aiocoap's private internals, in one place, for the aiocoap versions pinned here.

aiocoap has no public way to do what the transport needs here:

- `PathSite`: hand a request for an exact path to its resource as it is (aiocoap deep-copies
  every request's options to strip the path first: a third of a loopback exchange);
- `local_port`: the port the OS picked for a server bound to port 0;
- `guard_datagrams`: look at each datagram before aiocoap decodes it, to drop requests over a
  sender's rate, and catch what its decoder raises besides its own "unparsable" error (0.4.17:
  a Uri-Path that is not UTF-8 raises UnicodeDecodeError into the event loop);
- `bound_duplicates`: put a bounded `DuplicateTable` in place of aiocoap's request
  deduplication (RFC 7252 §4.5), which keeps every request for 247 s with a timer each and
  no bound on their number;
- `demote_repeated_logs`: aiocoap logs each unparsable datagram or duplicate at INFO or
  WARNING, so a stranger could fill the journal; repeats go to DEBUG (`logutil`);
- `plain_render_tasks` and `cache_multicast_checks`: aiocoap names each request's task
  after the request's repr, and parses the remote's address text with `ipaddress` up to four
  times per exchange to ask whether it is multicast; together about 7% of a loopback
  particle round trip, the same on a Pi (`benchmarks/node_bench.py`);
- `count_retransmissions`: how often a context sent a confirmable message again for want of
  an ACK (RFC 7252 §4.2), which aiocoap only logs: under CPU starvation the first sign of a
  peer, or of us, answering too late;
- `resend_after_stale_errors`: Linux reports an ICMP error (port unreachable) on a UDP
  socket twice: in the error queue, with the address it is about, and as the socket's
  pending error, which the next send on the socket fails with -- a send to another peer,
  which aiocoap then blames for it (and the datagram is not sent). Such a send is made
  once more;
- `drop_responses_to_given_up_requests`: a request whose response future is cancelled (our
  timeout ran out) stops only when aiocoap's done callback runs, a loop turn later; a
  response processed in between was set on the cancelled future, and InvalidStateError went
  up through dispatch_message (logged as an error with its traceback, on a CLI's stderr).
  Its runner now ends at the first event after the cancel;
- `unregister_without_cycles`: `Pipe.on_event` hands back a partial that holds the callback,
  and the callbacks hold that partial (a client `Request`'s `_stop_interest`, a server
  request's `stop` in TokenManager's closure): each exchange left about 30 objects (the pipe,
  both messages, their options, the request) in a reference cycle that only the collector
  freed. On a laptop with 50 particles in flight, its young collections took 30 µs of each
  round trip, and the memory went back cold. The partial now holds the callback weakly (the
  pipe holds it while it is registered), so an exchange's objects go when it ends;
- `literal_remote`: aiocoap finds where a request goes with `loop.getaddrinfo` (a call in
  an executor thread) and a route check, even for an IP literal. That thread needs the GIL
  to hand its answer back, and a busy loop lets go of the GIL only for a moment at each
  select(): a challenge's GET to a CLI's new port took 0.9 s to leave while three
  strangers' folds ran (0.5 ms idle), and a laptop's call ran out of its ttl on a slow
  board (issue 14). Peers are addressed by IP literals, so the remote is built here as
  udp6 builds it after resolving (udp6's private pktinfo helpers for a zone);
- `coap_udp4` (its own module): udp6's message interface on an IPv4 socket, for hosts
  without IPv6, added to a `Context` as aiocoap's own constructors add udp6.

`SUPPORTED` is the version range of pyproject.toml; `VERIFIED` the releases whose source was
read for these hooks (all of 0.4.8 to 0.4.17 have them, unchanged). `missing_hooks()` names
any hook whose target is gone, and each installer returns False instead of failing when the
layout differs, so an aiocoap upgrade fails tests/net/test_coap_compat.py, not a device.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import re
import socket
import struct
import weakref
from collections.abc import Callable, Hashable
from typing import Any

import aiocoap
import aiocoap.messagemanager
import aiocoap.meta
import aiocoap.pipe
import aiocoap.protocol
import aiocoap.resource
import aiocoap.transports.udp6
from aiocoap.numbers.types import CON

from edge_agent.logutil import DemoteRepeats, OnceLog
from edge_agent.net.coap_dedup import DuplicateTable

__all__ = [
    "AIOCOAP_LOGGER",
    "SUPPORTED",
    "VERIFIED",
    "PathSite",
    "blockwise_key",
    "bound_duplicates",
    "cache_multicast_checks",
    "count_retransmissions",
    "demote_repeated_logs",
    "drop_responses_to_given_up_requests",
    "guard_datagrams",
    "installed_version",
    "local_port",
    "missing_hooks",
    "plain_render_tasks",
    "process_wide_hooks",
    "recent_requests",
    "resend_after_stale_errors",
    "unregister_without_cycles",
]

AIOCOAP_LOGGER = "edge_agent.net.aiocoap"
"""The logger our aiocoap contexts log to (``loggername=``): under ours, so the agent's log
level applies to it, and with repeats demoted (`demote_repeated_logs`)."""
SUPPORTED = ((0, 4, 8), (0, 5))
"""aiocoap versions these hooks support: at least the first, below the second (pyproject)."""
VERIFIED = tuple(f"0.4.{n}" for n in range(8, 18))
"""Releases whose source was checked for every hook below."""

Admit = Callable[[bytes, Any], bool]
"""(datagram, sender's socket address) -> whether aiocoap gets to see it."""


def installed_version() -> tuple[int, ...]:
    """The installed aiocoap's version as numbers, e.g. (0, 4, 17)."""
    # aiocoap's own attribute, not importlib.metadata: that pulls email, zipfile and csv into
    # the agent for one string (docs/install.md, memory).
    text = aiocoap.meta.version
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def missing_hooks() -> list[str]:
    """The private names this module relies on that the installed aiocoap lacks."""
    wanted = {
        "Site._find_child_and_pathstripped_message": (
            aiocoap.resource.Site, "_find_child_and_pathstripped_message"
        ),
        "MessageManager._deduplicate_message": (
            aiocoap.messagemanager.MessageManager, "_deduplicate_message"
        ),
        "MessageManager._store_response_for_duplicates": (
            aiocoap.messagemanager.MessageManager, "_store_response_for_duplicates"
        ),
        "MessageManager._send_initially": (
            aiocoap.messagemanager.MessageManager, "_send_initially"
        ),
        "MessageManager._retransmit": (aiocoap.messagemanager.MessageManager, "_retransmit"),
        "MessageInterfaceUDP6.datagram_msg_received": (
            aiocoap.transports.udp6.MessageInterfaceUDP6, "datagram_msg_received"
        ),
        "MessageInterfaceUDP6._local_port": (
            aiocoap.transports.udp6.MessageInterfaceUDP6, "_local_port"
        ),
        "Context._render_to_pipe": (aiocoap.protocol.Context, "_render_to_pipe"),
        "Context._append_tokenmanaged_messagemanaged_transport": (
            aiocoap.protocol.Context, "_append_tokenmanaged_messagemanaged_transport"
        ),
        "MessageInterfaceUDP6.datagram_errqueue_received": (
            aiocoap.transports.udp6.MessageInterfaceUDP6, "datagram_errqueue_received"
        ),
        "Request._response_cancellation_handler": (
            aiocoap.protocol.Request, "_response_cancellation_handler"
        ),
        "Pipe.on_event": (aiocoap.pipe.Pipe, "on_event"),
        "Pipe._unregister_on_event": (aiocoap.pipe.Pipe, "_unregister_on_event"),
        "pipe.run_driving_pipe": (aiocoap.pipe, "run_driving_pipe"),
        "pipe.error_to_message": (aiocoap.pipe, "error_to_message"),
        **{f"udp6.{name}": (aiocoap.transports.udp6, name) for name in _UDP6_PKTINFO_NAMES},
    }
    missing = [name for name, (cls, attr) in wanted.items() if not hasattr(cls, attr)]
    if not isinstance(vars(aiocoap.resource.Site()).get("_resources"), dict):
        missing.append("Site._resources")
    return missing


class PathSite(aiocoap.resource.Site):
    """aiocoap's Site, handing a request whose path is exactly a resource's to it unchanged.

    The resources served this way are leaves that ignore the request's path, so aiocoap's
    copy (a deepcopy of the options, and a rendered URI) is not needed for them.
    """

    def _find_child_and_pathstripped_message(self, request: aiocoap.Message) -> Any:
        resource = self._resources.get(request.opt.uri_path)
        if resource is not None:
            return resource, request
        return super()._find_child_and_pathstripped_message(request)


def local_port(ctx: aiocoap.Context) -> int:
    """The UDP port `ctx` listens on; LookupError if this aiocoap cannot tell."""
    interface = _udp_interface(ctx)
    try:
        return int(interface._local_port())
    except Exception as exc:  # noqa: BLE001 - internals of another aiocoap version
        raise LookupError("cannot tell which port aiocoap listens on") from exc


def guard_datagrams(
    ctx: aiocoap.Context, *, admit: Admit, on_error: Callable[[Any, Exception], None]
) -> bool:
    """Ask `admit(data, sockaddr)` about each datagram before aiocoap decodes it (False: it
    is dropped unseen), and hand what decoding raises to `on_error(sockaddr, exc)` instead of
    the event loop. False if this aiocoap's layout is not the known one (nothing changed)."""
    interface = _udp_interface(ctx)
    receive = getattr(interface, "datagram_msg_received", None)
    if receive is None:
        return False

    def guarded(data: bytes, ancdata: Any, flags: int, address: Any) -> None:
        if not admit(data, address):
            return
        try:
            receive(data, ancdata, flags, address)
        except Exception as exc:  # noqa: BLE001 - a stranger's datagram must not raise
            on_error(address, exc)

    interface.datagram_msg_received = guarded
    return True


def bound_duplicates(ctx: aiocoap.Context, table: DuplicateTable) -> bool:
    """Deduplicate received requests with `table` instead of aiocoap's unbounded dict, with
    aiocoap's behaviour otherwise (RFC 7252 §4.5: a confirmable duplicate gets the stored
    response again). False if this aiocoap's layout is not the known one."""
    manager = _message_manager(ctx)
    if manager is None:
        return False
    send_again = manager._send_initially
    mlog = manager.log

    def deduplicate(message: aiocoap.Message) -> bool:
        key = (message.remote, message.mid)
        seen, response = table.recall(key)
        if not seen:
            table.remember(key, _sender(message.remote),
                           message.transport_tuning.EXCHANGE_LIFETIME)
            return False
        if message.mtype is not CON:
            mlog.info("Duplicate NON, ACK or RST received")
        elif response is None:
            mlog.info("Duplicate CON received, no response to send yet")
        else:
            mlog.info("Duplicate CON received, sending old response again")
            send_again(response)
        return True

    def store(message: aiocoap.Message) -> None:
        table.answer((message.remote, message.mid), message)

    manager._deduplicate_message = deduplicate
    manager._store_response_for_duplicates = store
    return True


def count_retransmissions(ctx: aiocoap.Context, count: Callable[[], None]) -> bool:
    """Call `count()` each time `ctx` sends a confirmable message again (no ACK within its
    timeout), as aiocoap does otherwise. False if this aiocoap's layout is not the known one."""
    manager = _message_manager(ctx)
    retransmit = getattr(manager, "_retransmit", None)
    if retransmit is None:
        return False

    def counted(message: aiocoap.Message, timeout: float, retransmission_counter: int) -> None:
        if retransmission_counter < message.transport_tuning.MAX_RETRANSMIT:
            count()  # sent again now (at the limit, aiocoap gives up instead)
        retransmit(message, timeout, retransmission_counter)

    manager._retransmit = counted
    return True


def recent_requests(ctx: aiocoap.Context) -> int:
    """Requests `ctx` remembers for deduplication now, by aiocoap's own table (the figure the
    bounded table replaces; 0 once `bound_duplicates` is in place)."""
    manager = _message_manager(ctx)
    recent = getattr(manager, "_recent_messages", None)
    return len(recent) if isinstance(recent, dict) else 0


def blockwise_key(remote: Any) -> Hashable:
    """What identifies a peer's Block1 upload stream (aiocoap >= 0.4.8 names it)."""
    key = getattr(remote, "blockwise_key", None)
    return key if key is not None else remote


def demote_repeated_logs(logger_name: str) -> None:
    """Log aiocoap's INFO/WARNING records under `logger_name` once per template, then at
    DEBUG (the context is created with ``loggername=logger_name``). Installed once."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(f, DemoteRepeats) for f in logger.filters):
        logger.addFilter(DemoteRepeats(OnceLog(logger)))


def plain_render_tasks(ctx: aiocoap.Context) -> bool:
    """Render `ctx`'s requests as aiocoap does, in a task with a fixed name: aiocoap names it
    "Rendering for %r" % request, formatting the whole message and its addresses each time.
    False if this aiocoap's layout is not the known one (nothing changed)."""
    run = getattr(aiocoap.pipe, "run_driving_pipe", None)
    errors_to_message = getattr(aiocoap.pipe, "error_to_message", None)
    render = getattr(ctx, "_render_to_pipe", None)
    if run is None or errors_to_message is None or render is None:
        return False

    def render_to_pipe(pipe: Any) -> None:
        run(errors_to_message(pipe, ctx.log), render(pipe), name="coap-render")

    ctx.render_to_pipe = render_to_pipe
    return True


_IN6_ADDR = struct.Struct("16s")


@functools.lru_cache(maxsize=1024)  # bounded: a stranger may send from many addresses
def _is_multicast(host: str | bytes) -> bool:
    """Whether an IPv6 address (text, or 16 bytes of a pktinfo), or the IPv4 address mapped
    into it, is multicast: what aiocoap's properties compute, by way of their text form."""
    address: ipaddress.IPv4Address | ipaddress.IPv6Address
    if isinstance(host, bytes):
        address = ipaddress.IPv6Address(host)
    else:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_multicast


_PROCESS_WIDE: dict[str, Any] = {
    "cache_multicast_checks": aiocoap.transports.udp6.UDP6EndpointAddress,
    "drop_responses_to_given_up_requests": aiocoap.protocol.Request,
    "unregister_without_cycles": aiocoap.pipe.Pipe,
}
"""The hooks that change an aiocoap class for every context in the process, ours or not,
and the class each changes (and marks: `_hooked`)."""
_MARK = "_edge_agent_hook"


def _hooked(hook: str) -> bool:
    return vars(_PROCESS_WIDE[hook]).get(_MARK) == hook


def _mark(hook: str) -> bool:
    setattr(_PROCESS_WIDE[hook], _MARK, hook)
    return True


def process_wide_hooks() -> list[str]:
    """The process-wide hooks in place (a benchmark's bare aiocoap client must run without)."""
    return [hook for hook in _PROCESS_WIDE if _hooked(hook)]


def cache_multicast_checks() -> bool:
    """Answer aiocoap's `UDP6EndpointAddress.is_multicast` and `.is_multicast_locally` from a
    bounded cache keyed by the address, in place of parsing its text on every message. Same
    answers (tests/net/test_coap_compat.py compares them). Process-wide; idempotent."""
    cls = _PROCESS_WIDE["cache_multicast_checks"]
    if _hooked("cache_multicast_checks"):
        return True
    if not isinstance(vars(cls).get("is_multicast"), property) or not isinstance(
        vars(cls).get("is_multicast_locally"), property
    ):
        return False
    cls.is_multicast = property(lambda self: _is_multicast(self.sockaddr[0]))
    cls.is_multicast_locally = property(
        lambda self: _is_multicast(_IN6_ADDR.unpack_from(self.pktinfo)[0])
    )
    return _mark("cache_multicast_checks")


class _UntilGivenUp:
    """aiocoap's `Request` runner (a generator fed the exchange's events), ended at the first
    event after the request's response future was cancelled."""

    __slots__ = ("_response", "_runner")

    def __init__(self, runner: Any, response: Any) -> None:
        self._runner = runner
        self._response = response

    def send(self, event: Any) -> Any:
        if self._response.cancelled():
            raise StopIteration  # aiocoap's `process` takes it as "call me no more"
        return self._runner.send(event)


def drop_responses_to_given_up_requests() -> bool:
    """A response that comes for a request given up in the same loop turn is dropped, as
    aiocoap drops one that comes later, instead of raising InvalidStateError into the
    datagram handler. Process-wide; idempotent; False if the layout is not the known one."""
    cls = _PROCESS_WIDE["drop_responses_to_given_up_requests"]
    if _hooked("drop_responses_to_given_up_requests"):
        return True
    if not callable(getattr(cls, "_response_cancellation_handler", None)):
        return False
    init = cls.__init__

    @functools.wraps(init)
    def guarded_init(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        runner = getattr(self, "_runner", None)
        if runner is not None and hasattr(runner, "send"):
            self._runner = _UntilGivenUp(runner, self.response)

    cls.__init__ = guarded_init
    return _mark("drop_responses_to_given_up_requests")


class _Unregister:
    """What `Pipe.on_event` hands back: calling it unregisters the callback, as aiocoap's
    partial did, but it holds the callback weakly (while registered, the pipe holds it)."""

    __slots__ = ("_pipe", "_callback")

    def __init__(self, pipe: Any, callback: Any) -> None:
        self._pipe = pipe
        try:
            self._callback: Callable[[], Any] = weakref.ref(callback)
        except TypeError:  # a callable that cannot be referred to weakly: held, as before
            self._callback = lambda: callback

    def __call__(self) -> None:
        callback = self._callback()
        # A callback that is gone is no longer registered: unregistering it matches nothing,
        # as unregistering it twice did (then aiocoap ends a pipe left without interest).
        self._pipe._unregister_on_event(_GONE if callback is None else callback)


def _GONE(event: Any) -> bool:  # pragma: no cover - never registered, never called
    return False


def unregister_without_cycles() -> bool:
    """Make `Pipe.on_event`'s unregister handle hold the callback weakly, so an exchange's
    pipe, messages and request are freed when it ends rather than by the collector.
    Process-wide; idempotent; False if the layout is not the known one."""
    cls = _PROCESS_WIDE["unregister_without_cycles"]
    if _hooked("unregister_without_cycles"):
        return True
    if not callable(getattr(cls, "on_event", None)) or not callable(
        getattr(cls, "_unregister_on_event", None)
    ):
        return False

    def on_event(self: Any, callback: Any, is_interest: bool = True) -> _Unregister:
        self._event_callbacks.append((callback, is_interest))
        return _Unregister(self, callback)

    on_event.__doc__ = cls.on_event.__doc__
    cls.on_event = on_event
    return _mark("unregister_without_cycles")


def resend_after_stale_errors(ctx: aiocoap.Context) -> bool:
    """Send a datagram of `ctx` once more when the socket refuses it with an error (then
    aiocoap reports what the second try meets, as before).

    The usual such error is stale: an ICMP error for an earlier datagram (a closed port
    elsewhere), which Linux keeps as the socket's pending error and returns from the next
    send whatever its destination, sending nothing (sock_alloc_send_pskb). aiocoap would
    blame the peer being sent to -- a live peer then looks closed (`SendOutcome.NOT_LISTENING`).
    The first failure clears the pending error; the ICMP error itself still reaches aiocoap
    from the error queue, with its true address. False if this aiocoap's layout is not the
    known one (nothing changed)."""
    interface = _udp_interface(ctx)
    transport: Any = getattr(interface, "transport", None)
    send = getattr(transport, "sendmsg", None)
    sock = transport.get_extra_info("socket") if send is not None else None
    if send is None or sock is None:
        return False

    def sendmsg(data: bytes, ancdata: Any, flags: int, address: Any) -> None:
        try:
            sock.sendmsg((data,), ancdata, flags, address)
        except OSError:
            send(data, ancdata, flags, address)

    transport.sendmsg = sendmsg
    return True


_UDP6_PKTINFO_NAMES = ("_in6_pktinfo", "_ipv4_unspecified", "_ipv6_unspecified", "InterfaceOnlyPktinfo")


def literal_remote(ctx: Any, host: str, port: int) -> Any | None:
    """The `UDP6EndpointAddress` of `host` (an IP literal, maybe with a %zone) and `port` on
    `ctx`'s UDP transport, or None where aiocoap should resolve it itself: a host name, an
    unknown zone, another transport (coap_udp4 takes IPv4 literals without a thread already),
    or an aiocoap without udp6's helpers. tests/net/test_literal_remote.py holds it to what
    aiocoap's own resolution gives."""
    interface = _udp_interface(ctx)
    if type(interface) is not aiocoap.transports.udp6.MessageInterfaceUDP6:
        return None
    address, _, zone = host.partition("%")
    try:
        if ":" in address:
            ip = socket.inet_ntop(socket.AF_INET6, socket.inet_pton(socket.AF_INET6, address))
        else:
            ip = "::ffff:" + socket.inet_ntop(socket.AF_INET, socket.inet_pton(socket.AF_INET, address))
        scope = (int(zone) if zone.isdigit() else socket.if_nametoindex(zone)) if zone else 0
        udp6 = aiocoap.transports.udp6
        pktinfo = None
        if scope:  # as udp6 does: Linux needs the interface in the local part to send
            unspecified = udp6._ipv4_unspecified if ip.startswith("::ffff:") else udp6._ipv6_unspecified
            pktinfo = udp6.InterfaceOnlyPktinfo(udp6._in6_pktinfo.pack(unspecified, scope))
    except (OSError, ValueError, AttributeError):
        return None
    return udp6.UDP6EndpointAddress((ip, port, 0, scope), interface, pktinfo=pktinfo)


def _udp_interface(ctx: aiocoap.Context) -> Any:
    manager = _message_manager(ctx)
    return getattr(manager, "message_interface", None)


def _message_manager(ctx: aiocoap.Context) -> Any:
    for token_manager in getattr(ctx, "request_interfaces", ()):
        manager = getattr(token_manager, "token_interface", None)
        if isinstance(manager, aiocoap.messagemanager.MessageManager):
            return manager
    return None


def _sender(remote: Any) -> Hashable:
    sockaddr = getattr(remote, "sockaddr", None)
    return sockaddr[0] if isinstance(sockaddr, tuple) and sockaddr else remote

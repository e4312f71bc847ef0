"""What each sender may make the CoAP server do, priority senders first (issue 8).

`SenderGate` keeps, per source address and for all non-priority senders together, a token
bucket for requests (checked on the raw datagram, before aiocoap decodes it: over the rate
it is dropped, as if lost, and a confirmable one is retransmitted by its sender later) and
one for inbox bodies (checked at a body's first block: over the rate it is answered 4.29
Too Many Requests with Max-Age, RFC 8516). Who is a priority sender is the node's answer to
`priority(remote)` -- its trusted and known peers; loopback by default -- asked only once a
bucket is empty, so the common case costs one dictionary lookup.

The Block1 slots and the callback slots kept for priority senders are counted where those
slots are (`coap_spool`, `coap_server`); they ask `SenderGate.is_priority` too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiocoap.numbers.codes import Code

from edge_agent import const
from edge_agent.logutil import OnceLog
from edge_agent.net.coap_common import CoapReply, Remote, host_of_sockaddr, hostport
from edge_agent.ratelimit import Rate, SenderLimiter

__all__ = ["Priority", "SenderGate", "SenderLimits"]

log = logging.getLogger(__name__)

Priority = Callable[[Remote], bool]
"""Whether a sender goes first (the node's trusted and known peers)."""


@dataclass(frozen=True, slots=True)
class SenderLimits:
    """What one source address, and all non-priority senders together, may make us do."""

    requests: Rate = Rate(const.COAP_SENDER_REQUESTS_PER_S, const.COAP_SENDER_REQUESTS_BURST)
    all_requests: Rate = Rate(
        const.COAP_STRANGERS_REQUESTS_PER_S, const.COAP_STRANGERS_REQUESTS_BURST
    )
    bodies: Rate = Rate(const.COAP_SENDER_BODIES_PER_S, const.COAP_SENDER_BODIES_BURST)
    all_bodies: Rate = Rate(const.COAP_STRANGERS_BODIES_PER_S, const.COAP_STRANGERS_BODIES_BURST)
    max_senders: int = const.COAP_MAX_TRACKED_SENDERS
    pending_reserved: int = const.COAP_PENDING_RESERVED
    """Inbox callback slots only priority senders may take."""


class SenderGate:
    """Admits requests and inbox bodies by sender (see the module docstring)."""

    def __init__(self, limits: SenderLimits, priority: Priority, warn: OnceLog) -> None:
        self.limits = limits
        self.dropped = {"requests": 0, "bodies": 0}
        """Requests dropped and bodies answered 4.29, so far."""
        self._priority = priority
        self._warn = warn
        self._requests = SenderLimiter(
            limits.requests, limits.all_requests, max_senders=limits.max_senders
        )
        self._bodies = SenderLimiter(
            limits.bodies, limits.all_bodies, max_senders=limits.max_senders
        )

    def is_priority(self, remote: Remote) -> bool:
        """The node's `priority(remote)`; False (and logged) if it fails."""
        try:
            return bool(self._priority(remote))
        except Exception:  # noqa: BLE001 - a bug in the node must not break the transport
            log.exception("the priority callback failed for %s", hostport(*remote))
            return False

    def admit_datagram(self, data: bytes, address: Any) -> bool:
        """Whether a datagram from socket address `address` reaches aiocoap: a request
        (codes 0.01-0.31, RFC 7252 §12.1) within its sender's rate, and everything else."""
        if len(data) < 2 or not 0 < data[1] < 32:
            return True
        if self._requests.allow(address[0]):
            return True
        remote = (host_of_sockaddr(address), int(address[1]))
        if self.is_priority(remote):
            return True
        self.dropped["requests"] += 1
        self._warn.warning(
            ("requests", remote[0]), "%s sends more than %g requests/s; dropping the excess",
            remote[0], self.limits.requests.per_s,
        )
        return False

    def admit_body(self, remote: Remote) -> None:
        """A body from `remote` starts at the inbox; `CoapReply` 4.29 if over its rate."""
        if self._bodies.allow(remote[0]) or self.is_priority(remote):
            return
        self.dropped["bodies"] += 1
        self._warn.warning(
            ("bodies", remote[0]), "%s sends more than %g particles/s; answering 4.29",
            remote[0], self.limits.bodies.per_s,
        )
        raise CoapReply(
            Code.TOO_MANY_REQUESTS,
            f"rate_limited: more than {self.limits.bodies.per_s:g} particles/s from "
            f"{remote[0]}; retry in {const.COAP_OVERLOAD_MAX_AGE_S} s",
            max_age=const.COAP_OVERLOAD_MAX_AGE_S,
        )

"""Answers that ride back in the CoAP response to the POST that brought a particle.

A peer that sends us a particle whose next hop is that peer again (a call on this device,
its result back to the caller) saves an exchange when our copy goes in the response to its
POST (`CoapServer.offer_reply`, which holds such a response for `COAP_REPLY_WAIT_S`). Only
where that POST came from an address at which the target proved its key: the `from=` hint
alone is anyone's to write. The copy carries its hop tag for the target, as a POST would.
A copy sent so is kept until the particle is forgotten, should the target lose the response
and send its copy again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from edge_agent import const
from edge_agent.core import SendCopy
from edge_agent.net.addressbook import Address, AddressBook
from edge_agent.net.coap import CoapServer
from edge_agent.net.proof import Outcome, Prover

__all__ = ["ResponseReplies"]

Remote = tuple[str, int]
HopTag = Callable[[str, bytes], "bytes | None"]
"""(target, copy) -> the hop tag that proves to `target` we sent it (edge_agent/hop.py)."""


class ResponseReplies:
    """Where each particle's POSTs came from, and the copies sent back in their responses."""

    def __init__(
        self, server: CoapServer, book: AddressBook, prover: Prover, counters: Counter[str], tag: HopTag
    ) -> None:
        self._server = server
        self._tag = tag
        self._book = book
        self._prover = prover
        self._counters = counters
        # particle -> sender -> the remote its POST came from: alive, and its POST may wait
        self._posted_from: dict[str, dict[str, Remote]] = {}
        self._sent: dict[str, dict[str, bytes]] = {}  # particle -> target -> copy sent in a response

    def heard(self, pid: str, sender: str, remote: Remote) -> None:
        """The core took a copy of `pid` that came in `sender`'s POST from `remote`."""
        heard = self._posted_from.setdefault(pid, {})  # NODE_MAX_HEARD_PER_PARTICLE senders
        waits = self._server.has_reply_slot((pid, sender))
        if waits or len(heard) < const.NODE_MAX_HEARD_PER_PARTICLE:
            heard[sender] = remote

    def posted_from(self, pid: str, target: str) -> Address | None:
        """Where `target`'s POST of `pid` came from: an address it is alive at."""
        remote = self._posted_from.get(pid, {}).get(target)
        return Address(*remote) if remote is not None else None

    def now(self, action: SendCopy) -> bool:
        """`in_response` without a task where the target proved its key at the POST's
        address (a particle back to its sender); else the node's send tries, in a task, and
        the POST waits for it."""
        pid, target = action.particle_id, action.target
        remote = self._posted_from.get(pid, {}).get(target)
        if remote is None or not self._server.has_reply_slot((pid, target)):
            return False
        if not self._book.is_proven(target, Address(*remote)):
            self._server.expect_reply((pid, target))  # `in_response` proves it first, then offers
            return False
        del self._posted_from[pid][target]
        return self._offer(pid, target, action.envelope.encode())

    async def in_response(self, pid: str, target: str, raw: bytes) -> bool:
        """Put the copy in the response to `target`'s POST of this particle, if that POST
        still waits and came from an address where `target` proves its key."""
        remote = self._posted_from.get(pid, {}).pop(target, None)
        if remote is None or not self._server.has_reply_slot((pid, target)):
            return False
        if (await self._prover.prove(target, Address(*remote))).outcome is not Outcome.PROVEN:
            return False
        return self._offer(pid, target, raw)

    def again(self, pid: str, sender: str | None, remote: Any) -> None:
        """`sender` sent a copy of `pid` that added nothing: if we answered it in a response
        and it asks from where it proved its key, it lost that response; answer again."""
        reply = self._sent.get(pid, {}).get(sender) if sender else None
        if reply is None or not sender or not isinstance(remote, tuple):
            return
        if self._book.is_proven(sender, Address(*remote)):
            self._server.offer_reply((pid, sender), reply, self._tag(sender, reply))

    def forget(self, pid: str) -> None:
        self._sent.pop(pid, None)
        self._posted_from.pop(pid, None)

    def _offer(self, pid: str, target: str, raw: bytes) -> bool:
        if not self._server.offer_reply((pid, target), raw, self._tag(target, raw)):
            return False
        self._sent.setdefault(pid, {})[target] = raw
        self._counters["sent"] += 1
        return True

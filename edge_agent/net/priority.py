"""Who the transport serves first when its limits are reached (issue 8, issue 12).

A priority sender is exempt from the per-sender and strangers' limits (`coap_limits`) and
may take the upload and callback slots kept back from strangers (`coap_spool`,
`coap_server`). Priority goes to:

- this host (loopback);
- the hosts where a trusted peer is configured or proved its key lately;
- the hosts where a peer proved its key that this node sent a particle of its OWN to (it is
  the init peer), until that particle's deadline: those peers' answers are what the node is
  waiting for. A laptop fanning out to 100 devices otherwise met their 100 answers with
  the 12 upload slots strangers share: uploads refused (5.03), retried, abandoned half-way
  when the device's time for the address ran out, and some answers lost for good after the
  device's 10 s of trying (the join then waited for its timeout).

Only the node decides whom it sends its own particles to (the CLI's user, a spell's script),
so a stranger cannot make itself expected; the expected peers are bounded in number.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

from edge_agent import const
from edge_agent.net.addressbook import AddressBook
from edge_agent.net.coap_common import is_loopback

__all__ = ["PrioritySenders"]


class PrioritySenders:
    """`priority(remote)` for the CoAP server; `expect(peer, seconds)` as own particles go out.

    The set of hosts is recomputed at most every `refresh_s` seconds, and only when a limit
    is reached (the server asks only then), so it costs nothing on a quiet node.
    """

    def __init__(
        self,
        book: AddressBook,
        trusted: Callable[[], Iterable[str]],
        *,
        clock: Callable[[], float] = time.monotonic,
        refresh_s: float = 1.0,
        max_expected: int = const.PRIORITY_MAX_EXPECTED_PEERS,
    ) -> None:
        self._book = book
        self._trusted = trusted
        self._clock = clock
        self._refresh_s = refresh_s
        self._max_expected = max_expected
        self._expected: OrderedDict[str, float] = OrderedDict()  # peer id -> until (clock s)
        self._hosts: frozenset[str] = frozenset()
        self._at = float("-inf")

    def expect(self, peer_id: str, seconds: float) -> None:
        """`peer_id` was sent a particle of ours that lives `seconds` more: its answers are
        expected. The oldest expectation goes first beyond `max_expected`."""
        if seconds <= 0:
            return
        until = self._clock() + min(seconds, const.PRIORITY_MAX_EXPECTED_S)
        before = self._expected.pop(peer_id, None)
        self._expected[peer_id] = until if before is None else max(until, before)
        if before is None:
            self.refresh()  # a new peer: its hosts count from the next question on
        while len(self._expected) > self._max_expected:
            self._expected.popitem(last=False)

    def is_expected(self, peer_id: str) -> bool:
        """Whether `peer_id` was sent a particle of ours that still lives."""
        until = self._expected.get(peer_id)
        return until is not None and until > self._clock()

    def refresh(self) -> None:
        """Recompute the hosts at the next question (a proof or the trust list changed)."""
        self._at = float("-inf")

    def expected(self) -> list[str]:
        """The peers whose answers are expected now."""
        now = self._clock()
        for peer_id in [p for p, until in self._expected.items() if until <= now]:
            del self._expected[peer_id]
        return list(self._expected)

    def __call__(self, remote: tuple[str, int]) -> bool:
        if is_loopback(remote):
            return True
        now = self._clock()
        if now - self._at > self._refresh_s:
            self._at = now
            self._hosts = self._book.vouched_hosts([*self._trusted(), *self.expected()])
        return remote[0] in self._hosts

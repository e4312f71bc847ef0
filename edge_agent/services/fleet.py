"""Who a ``trusted`` access rule admits: this device's trusted peers and the devices they enrolled.

The trust list comes from the state dir (`TrustList`, reread when the file changes). A caller
that is not on it may still be a device of the fleet: a peer this device trusts signed a
membership certificate for it (`edge_agent.access`). The caller keeps its certificates and
answers ``GET /membership``; `Fleet` fetches them from an address where the caller proved its
key (the fetcher the node passes in), checks them, and remembers the outcome:

- a valid certificate until it expires (and only while its signer stays trusted: removing a
  laptop from the trust list revokes every device it enrolled, at once);
- the absence of one for `const.MEMBERSHIP_REFUSED_TTL_S`, so a stranger's calls cost one
  fetch per that time, not one per call;
- both in tables bounded by `const.MEMBERSHIP_MAX_CACHED`; concurrent calls by one peer
  share one fetch, and at most `const.MEMBERSHIP_MAX_FETCHES` fetches are outstanding;
- valid certificates also in the state dir (`fleet_cache`), so that after a restart a device
  is admitted without a fetch (each is verified again when first used).

It does no I/O of its own beyond the fetcher it is given, the trust list's stat, and the
cache it is given.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from edge_agent import const, identity
from edge_agent.access import BadMembership, Membership, Verify, decode_memberships, valid_membership
from edge_agent.clock import now_ms
from edge_agent.logutil import OnceLog
from edge_agent.services.fleet_cache import MemberCache
from edge_agent.store import TrustList

__all__ = ["Fleet", "MembershipFetcher"]

log = logging.getLogger(__name__)

MembershipFetcher = Callable[[str], Awaitable[bytes]]
"""fetch(peer_id) -> that peer's answer to GET /membership, from where it proved its key."""


class Fleet:
    """Answers "is this peer trusted here, or a device a trusted peer enrolled?"."""

    def __init__(
        self,
        peer_id: str,
        trust: TrustList,
        fetch: MembershipFetcher | None = None,
        *,
        clock_ms: Callable[[], int] = now_ms,
        monotonic: Callable[[], float] = time.monotonic,
        verify: Verify = identity.verify,
        cache: MemberCache | None = None,
    ) -> None:
        self.peer_id = peer_id
        self.trust = trust
        self.fetch = fetch
        self._clock_ms = clock_ms
        self._monotonic = monotonic
        self._verify = verify
        self._members: OrderedDict[str, Membership] = OrderedDict()
        self._refused: OrderedDict[str, float] = OrderedDict()
        """Peer -> monotonic time until which it is refused without a new fetch."""
        self._fetching: dict[str, asyncio.Future[bool]] = {}
        self._cache = cache
        self._stored = {c.member: c for c in cache.load()} if cache is not None else {}
        """Certificates kept from before the restart, not verified yet."""
        self._saving = asyncio.Lock()
        self._peer_log = OnceLog(log)
        self.counters = {"fetches": 0, "members": 0, "refused": 0}

    def is_trusted(self, peer_id: str) -> bool:
        """Whether `peer_id` is this device or on its trust list: a peer added to the file is
        seen at once (a peer not on the list costs a stat), one removed within
        `const.TRUST_RECHECK_S`."""
        if peer_id == self.peer_id:
            return True
        if peer_id in self.trust:
            self.trust.recheck()
        else:
            self.trust.refresh()
        return peer_id in self.trust

    async def admits(self, peer_id: str) -> bool:
        """Whether a ``trusted`` rule admits `peer_id`: trusted, or an enrolled device (a
        device known to be enrolled is admitted without looking at the trust file)."""
        return self.vouched(peer_id) or await self.is_member(peer_id)

    def vouched(self, peer_id: str) -> bool:
        """Trusted, or a device known to be enrolled; never asks the network (`admits` may)."""
        return self._known_member(peer_id) or self.is_trusted(peer_id)

    def _known_member(self, peer_id: str) -> bool:
        """Whether a certificate kept for `peer_id` still admits it (else it is forgotten)."""
        cert = self._members.get(peer_id) or self._from_store(peer_id)
        if cert is None:
            return False
        if cert.expires_ms > self._clock_ms() and self.is_trusted(cert.by):
            self._members.move_to_end(peer_id)
            return True
        del self._members[peer_id]
        return False

    def _from_store(self, peer_id: str) -> Membership | None:
        """A certificate kept for `peer_id` before the restart, if it is still valid."""
        stored = self._stored.pop(peer_id, None)
        if stored is None:
            return None
        cert = valid_membership([stored], peer_id, self.is_trusted, self._clock_ms(), self._verify)
        if cert is not None:
            _remember(self._members, peer_id, cert)
        return cert

    async def is_member(self, peer_id: str) -> bool:
        """Whether `peer_id` shows a valid certificate of a trusted peer (cached, see above)."""
        if self._known_member(peer_id):
            return True
        if self.fetch is None:
            return False
        until = self._refused.get(peer_id)
        if until is not None:
            if self._monotonic() < until:
                return False
            del self._refused[peer_id]
        shared = self._fetching.get(peer_id)
        if shared is not None:
            return await asyncio.shield(shared)
        if len(self._fetching) >= const.MEMBERSHIP_MAX_FETCHES:
            return False  # not remembered: a later call may ask
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._fetching[peer_id] = future
        found = False
        try:
            found = await self._look_up(peer_id)
        finally:
            del self._fetching[peer_id]
            future.set_result(found)  # others waiting get it, also if we were cancelled
        return found

    async def _look_up(self, peer_id: str) -> bool:
        """Fetch `peer_id`'s certificates and remember what they show."""
        assert self.fetch is not None
        self.counters["fetches"] += 1
        why = "no valid certificate"
        cert = None
        try:
            async with asyncio.timeout(const.MEMBERSHIP_FETCH_TIMEOUT_S + const.PROOF_TIMEOUT_S):
                payload = await self.fetch(peer_id)
            cert = valid_membership(
                decode_memberships(payload), peer_id, self.is_trusted, self._clock_ms(), self._verify
            )
        except BadMembership as exc:
            why = str(exc)
        except (TimeoutError, ConnectionError, OSError) as exc:
            why = f"could not ask it: {exc or type(exc).__name__}"
        if cert is None:
            self.counters["refused"] += 1
            self._peer_log.info(
                ("not a member", peer_id), "%s is not in this device's fleet: %s", peer_id, why
            )
            _remember(self._refused, peer_id, self._monotonic() + const.MEMBERSHIP_REFUSED_TTL_S)
            return False
        self.counters["members"] += 1
        log.info("%s is in the fleet of %s until %d ms", peer_id, cert.by, cert.expires_ms)
        _remember(self._members, peer_id, cert)
        await self._save()
        return True

    async def _save(self) -> None:
        if self._cache is None:
            return
        async with self._saving:  # one at a time: an older list must not land last
            kept = {**self._stored, **self._members}
            certificates = list(kept.values())[-const.MEMBERSHIP_MAX_CACHED :]
            await asyncio.to_thread(self._cache.save, certificates)


def _remember(table: OrderedDict[str, Any], key: str, value: Any) -> None:
    table[key] = value
    table.move_to_end(key)
    while len(table) > const.MEMBERSHIP_MAX_CACHED:
        table.popitem(last=False)

"""Who takes part in a particle: its init peer, and the peers its participants sent it to (pure).

A seal proves who wrote an entry, not that its writer had any business in the particle:
anyone who reads a copy off the LAN could otherwise add entries under identities of its
own -- junk, or the result of a call that has not run yet, sent to the call's target
first, which then refuses the real copy as forged. So a particle's *participants* are its
init peer and every peer that a participant sent it to: the target of each sent record
(`air.data`) sealed by a participant (`edge_agent.seals` seals sent records with entries).
A copy is refused as `uninvited` when one of the seals it adds is a non-participant's:
before any signature is checked, for the price of a walk over the copy's new seals. (A
genuine copy may still reach a peer it does not invite yet: it holds nothing but what
participants wrote, and that peer runs no more of it than the data lets it.)

The walk goes roots first (`uninvited` reorders the copy's seals so), and the signatures
are checked in that order: an invitation claimed in a forged seal fails on the first
check, before any seal of the peers it claims to invite costs one.

What the held data proves needs no walk: every sent record held was sealed by a
participant or written here, so its participants are the init peer and the targets of
its sent records (`Invited`, kept per particle and grown as records are added).
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass, field
from itertools import islice

from edge_agent.air.data import Data, Seal

__all__ = ["Invited", "uninvited"]


@dataclass(slots=True)
class Invited:
    """The peers a particle's held data invites (its init peer aside): the targets of its
    sent records. Sent records are never removed and merges append them, so only the ones
    after `upto` are new."""

    peers: set[str] = field(default_factory=set)
    upto: int = 0

    def known(self, sent: dict[str, str]) -> Set[str]:
        if len(sent) != self.upto:
            start = self.upto if len(sent) > self.upto else 0  # (never fewer: a safe fallback)
            self.peers.update(islice(sent.values(), start, None))
            self.upto = len(sent)
        return self.peers


def uninvited(incoming: Data, init_peer: str, invited: Set[str], held: Set[bytes]) -> str | None:
    """Why `incoming` may not be taken (None: it may): a seal it adds to those `held` (their
    signatures; `edge_agent.seals.Sealer.check` finds any altered one) is
    by a peer neither the init peer, nor `invited`, nor invited by another of its new seals.
    Reorders `incoming.seals` so that each new seal comes after the one that invited its peer."""
    new = [s for s in incoming.seals if s.signature not in held] if held else incoming.seals
    if all(s.peer == init_peer or s.peer in invited for s in new):
        return None  # the common case: every new seal's peer was invited before (none to reorder)
    by_peer: dict[str, list[Seal]] = {}
    for seal in new:
        by_peer.setdefault(seal.peer, []).append(seal)
    frontier = [p for p in by_peer if p == init_peer or p in invited]
    walked = set(frontier)
    order: list[Seal] = []
    while frontier:
        for seal in by_peer[frontier.pop()]:
            order.append(seal)
            for key in seal.sent:
                target = incoming.sent[key]  # decode checked that it is there
                if target in by_peer and target not in walked:
                    walked.add(target)
                    frontier.append(target)
    stray = next((p for p in by_peer if p not in walked), None)
    if stray is not None:
        return f"the copy holds a seal of {stray}, whom no participant of the particle sent it to"
    if len(order) > 1:
        keep = [s for s in incoming.seals if s.signature in held] if held else []
        incoming.seals = keep + order
    return None

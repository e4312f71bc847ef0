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

A report (a failure or trace report, sent to the init peer alone) carries its writer's
invitation (`with_invitation`): the seals that lead from a peer the init peer sent the
particle to, down to the writer, and what they cover. The init peer has not seen the copies
that hold them; with them it takes a report only from a participant (`uninvited_beside`),
not from anyone who read the particle's id off the LAN. The entries those seals cover go
to the init peer with it: values anyone on the path could read anyway (payloads are not
encrypted, docs/security.md).
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass, field
from itertools import islice

from edge_agent.air.data import Data, Entry, Kind, Seal

__all__ = ["Invited", "invitation", "uninvited", "uninvited_beside", "with_invitation"]


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


def invitation(data: Data, init_peer: str, peer: str) -> list[Seal]:
    """The seals in `data` that invite `peer`, roots first: a shortest chain from a peer the
    init peer sent the particle to (the init peer's own seals left out: it holds them).
    Empty if the init peer invited `peer` itself, or if `data` does not show who did."""
    by_peer: dict[str, list[Seal]] = {}
    for seal in data.seals:
        by_peer.setdefault(seal.peer, []).append(seal)
    inviter: dict[str, Seal] = {}
    frontier, reached = [init_peer], {init_peer}
    while frontier and peer not in reached:
        later = []
        for inviting in frontier:
            for seal in by_peer.get(inviting, ()):
                for key in seal.sent:
                    target = data.sent[key]  # decode checked that it is there
                    if target not in reached:
                        reached.add(target)
                        inviter[target] = seal
                        later.append(target)
        frontier = later
    chain: list[Seal] = []
    at = peer
    while at in inviter and inviter[at].peer != init_peer:
        chain.append(inviter[at])
        at = inviter[at].peer
    return chain[::-1] if at in inviter else []


def with_invitation(key: str, entry: Entry, data: Data, init_peer: str) -> Data:
    """A report's data: `entry` (by this peer) at `key`, and the seals of `data` that invite
    its writer (`invitation`) with the entries and sent records they cover."""
    chain = invitation(data, init_peer, entry.peer)
    entries: dict[str, Entry] = {key: entry}
    sent: dict[str, str] = {}
    for seal in chain:
        for covered in seal.keys:
            held = data.entries[covered]
            if held.peer != seal.peer and held.kind == Kind.AP:  # the seal signs its peer's copy
                held = Entry(held.kind, held.value, seal.peer, held.stream, held.gen)
            entries.setdefault(covered, held)
        sent.update((k, data.sent[k]) for k in seal.sent)
    return Data(entries, sent, list(chain))


def uninvited_beside(incoming: Data, init_peer: str, invited: Invited, held: Data) -> str | None:
    """`uninvited` for a copy or a report of a particle this peer holds: the seals `held`
    (their signatures: from the seal index when it describes them) are not walked, and the
    peers the held data invites (`invited`) count. The seals' signatures are checked after
    (`edge_agent.seals.Sealer.check`), in the order this leaves."""
    index = held.seal_index
    signatures = index.signatures if index is not None and index.describes(held.seals) else {
        s.signature for s in held.seals}
    return uninvited(incoming, init_peer, invited.known(held.sent), signatures)

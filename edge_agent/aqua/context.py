"""What the code generator knows at a point of a function: names, place, parallelism.

`Env` maps Aqua names to AIR operands; `Ctx` is where the code runs: the chain of `on`
frames from the init peer inwards, and whether it runs in a parallel branch (then an `on`
block must bring the particle back to its parent peer itself).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Union

from edge_agent.aqua import ast
from edge_agent.aqua import types as t

INIT = "%init_peer_id%"
RELAY = "-relay-"
SERVICE_ID = "service id of "
"""Env key prefix under which `Srv "id"` keeps the id (no Aqua name has a space)."""


@dataclass(frozen=True, slots=True)
class Binding:
    """What an Aqua name stands for in AIR: an operand text and its type.

    An arrow (callback) stands for a func of the program (`func`) or a closure (`closure`),
    both inlined where it is called, or, as an argument of the function the client calls,
    for the client's `callbackSrv.<text>`."""

    text: str
    type: t.Type
    func: str | None = None
    closure: Captured | None = None
    """A closure of the function being generated, which is inlined where it is called."""


@dataclass(frozen=True, slots=True)
class Captured:
    """A closure: its definition, the names it sees, and where it was defined."""

    closure: ast.Closure
    env: Env
    ctx: Ctx


@dataclass(frozen=True, slots=True)
class Relays:
    """`via RELAYS` with an array: its operand, whose relays are visited first to last (on
    the way back, `backwards`: last to first)."""

    array: str
    backwards: bool = False


Via = Union[str, Relays]
"""One `via`: a relay's operand, or an array of them."""


def reverse(vias: Iterable[Via]) -> tuple[Via, ...]:
    """The way back through `vias`: in reverse order, each array visited backwards."""
    return tuple(Relays(v.array, not v.backwards) if isinstance(v, Relays) else v
                 for v in reversed(tuple(vias)))


@dataclass(frozen=True, slots=True)
class Frame:
    """One `on` level: the peer and the relays it is reached through."""

    peer: str
    vias: tuple[Via, ...]


Chain = tuple[Frame, ...]


@dataclass(frozen=True, slots=True)
class Ctx:
    """Where code runs (`chain`), where execution goes on after the current statement
    (`cont`, an ancestor of chain or chain itself), and, in a parallel branch, where the
    branch must bring its results (`home`): its `on` blocks end with hops all the way there,
    because nothing after the branch will carry its data on."""

    chain: Chain
    cont: Chain
    home: Chain | None = None
    onward: Chain | None = None
    """In a branch: where its results go after `home`, when the block around it ends there."""

    @property
    def peer(self) -> str:
        return self.chain[-1].peer

    def branch(self) -> Ctx:
        """This context as a parallel branch whose results go where execution goes on, and
        from there on to where the block around it goes on (`onward`)."""
        return Ctx(self.chain, self.cont, self.cont, self.onward)


Env = dict[str, Binding]

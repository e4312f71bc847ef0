"""Reject, before running, the scripts AquaVM's parser rejects.

A `next` must name the iterator of a fold around it, and every scalar or canon stream must
be defined (by a call or ap output, a canon, or a fold iterator around the use) somewhere
*before* its first use in the text. Streams may be read before anything writes them (a
canon of an empty stream is empty) — except by a fold, which needs a stream that some
instruction before it writes or declares. A script
that passes runs without "undefined variable" surprises; values that are merely not there
*yet* are the interpreter's join, not an error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from edge_agent.air import ast
from edge_agent.air.errors import ParseError


def validate(tree: ast.Instruction, positions: list[tuple[int, int]] | None = None) -> None:
    """Raise ParseError for the first problem found, in script order."""
    _Validator(positions or []).walk(tree)


class _Validator:
    """One walk over a tree in script order: the names defined so far and the folds around."""

    def __init__(self, positions: list[tuple[int, int]]) -> None:
        self.positions = positions
        self.defined: set[str] = set()
        self.iterators: list[str] = []

    def walk(self, node: ast.Instruction) -> None:
        if type(node) is ast.Fold:
            self.fold(node)
            return
        check = _CHECKS.get(type(node))
        if check is not None:
            check(self, node)
        for child in ast.children(node):
            self.walk(child)

    def where(self, node: ast.Instruction) -> tuple[int, int]:
        if node.node_id < len(self.positions):
            return self.positions[node.node_id]
        return (0, 0)

    def use(self, node: ast.Instruction, *values: object) -> None:
        """Each variable `values` read (a lens's index variables too) must be defined by now."""
        for value in values:
            names: list[str] = []
            if isinstance(value, (ast.Scalar, ast.CanonStream, ast.CanonStreamMap)):
                names.append(value.name)
            names.extend(acc.name for acc in getattr(value, "lens", ()) if isinstance(acc, ast.IndexVar))
            for name in names:
                if name not in self.defined and name not in self.iterators:
                    line, column = self.where(node)
                    raise ParseError(
                        f"variable '{name}' wasn't defined before it is used in "
                        f"({ast.render(node).rstrip()})",
                        line,
                        column,
                    )

    def define(self, output: object) -> None:
        if isinstance(output, (ast.Scalar, ast.CanonStream, ast.CanonStreamMap, ast.Stream, ast.StreamMap)):
            self.defined.add(output.name)

    def call(self, node: ast.Call) -> None:
        self.use(node, node.peer, node.service, node.function, *node.args)
        self.define(node.output)

    def ap(self, node: ast.Ap) -> None:
        self.use(node, node.value)
        self.define(node.result)

    def ap_map(self, node: ast.ApMap) -> None:
        self.use(node, node.key, node.value)
        self.define(node.map)

    def new(self, node: ast.New) -> None:
        self.define(node.variable)

    def canon(self, node: ast.Canon) -> None:
        self.use(node, node.peer)
        self.define(node.canon)

    def match(self, node: ast.Match | ast.MisMatch) -> None:
        self.use(node, node.left, node.right)

    def fail(self, node: ast.FailValue) -> None:
        self.use(node, node.value)

    def next(self, node: ast.Next) -> None:
        if node.iterator not in self.iterators:
            line, column = self.where(node)
            raise ParseError(
                f"(next {node.iterator}) is not inside a fold whose iterator is '{node.iterator}'",
                line,
                column,
            )

    def fold(self, node: ast.Fold) -> None:
        if isinstance(node.iterable, (ast.Stream, ast.StreamMap)):
            if node.iterable.name not in self.defined:  # a fold needs a stream someone writes
                line, column = self.where(node)
                raise ParseError(
                    f"variable '{node.iterable.name}' wasn't defined: nothing writes to the stream "
                    "this fold iterates over before it",
                    line,
                    column,
                )
        elif not isinstance(node.iterable, ast.EmptyArray):
            self.use(node, node.iterable)
        self.iterators.append(node.iterator)
        for child in ast.children(node):
            self.walk(child)
        self.iterators.pop()


_CHECKS: dict[type, Callable[[_Validator, Any], None]] = {
    ast.Call: _Validator.call,
    ast.Ap: _Validator.ap,
    ast.ApMap: _Validator.ap_map,
    ast.New: _Validator.new,
    ast.Canon: _Validator.canon,
    ast.Match: _Validator.match,
    ast.MisMatch: _Validator.match,
    ast.FailValue: _Validator.fail,
    ast.Next: _Validator.next,
}
"""Instruction class -> what it reads and defines (before its children are walked)."""

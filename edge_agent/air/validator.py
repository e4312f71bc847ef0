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

from edge_agent.air import ast
from edge_agent.air.errors import ParseError


def validate(tree: ast.Instruction, positions: list[tuple[int, int]] | None = None) -> None:
    """Raise ParseError for the first problem found, in script order."""
    defined: set[str] = set()
    iterators: list[str] = []

    def where(node: ast.Instruction) -> tuple[int, int]:
        if positions and node.node_id < len(positions):
            return positions[node.node_id]
        return (0, 0)

    def use_value(value: object, node: ast.Instruction) -> None:
        names: list[str] = []
        if isinstance(value, (ast.Scalar, ast.CanonStream, ast.CanonStreamMap)):
            names.append(value.name)
        lens = getattr(value, "lens", ())
        for acc in lens:
            if isinstance(acc, ast.IndexVar):
                names.append(acc.name)
        for name in names:
            if name not in defined and name not in iterators:
                line, column = where(node)
                raise ParseError(
                    f"variable '{name}' wasn't defined before it is used in ({ast.render(node).rstrip()})", line, column
                )

    def define(output: object) -> None:
        if isinstance(output, (ast.Scalar, ast.CanonStream, ast.CanonStreamMap, ast.Stream, ast.StreamMap)):
            defined.add(output.name)

    def walk(node: ast.Instruction) -> None:
        if isinstance(node, ast.Call):
            for value in (node.peer, node.service, node.function, *node.args):
                use_value(value, node)
            define(node.output)
        elif isinstance(node, ast.Ap):
            use_value(node.value, node)
            define(node.result)
        elif isinstance(node, ast.ApMap):
            use_value(node.key, node)
            use_value(node.value, node)
            define(node.map)
        elif isinstance(node, ast.New):
            define(node.variable)
        elif isinstance(node, ast.Canon):
            use_value(node.peer, node)
            define(node.canon)
        elif isinstance(node, (ast.Match, ast.MisMatch)):
            use_value(node.left, node)
            use_value(node.right, node)
        elif isinstance(node, ast.FailValue):
            use_value(node.value, node)
        elif isinstance(node, ast.Next):
            if node.iterator not in iterators:
                line, column = where(node)
                raise ParseError(
                    f"(next {node.iterator}) is not inside a fold whose iterator is '{node.iterator}'", line, column
                )
        elif isinstance(node, ast.Fold):
            if isinstance(node.iterable, (ast.Stream, ast.StreamMap)):
                if node.iterable.name not in defined:  # a fold needs a stream someone writes
                    line, column = where(node)
                    raise ParseError(
                        f"variable '{node.iterable.name}' wasn't defined: nothing writes to the stream this fold "
                        "iterates over before it",
                        line,
                        column,
                    )
            elif not isinstance(node.iterable, ast.EmptyArray):
                use_value(node.iterable, node)
            iterators.append(node.iterator)
            walk(node.body)
            if node.last is not None:
                walk(node.last)
            iterators.pop()
            return
        for child in ast.children(node):
            walk(child)

    walk(tree)

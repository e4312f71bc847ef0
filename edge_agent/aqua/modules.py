"""`use "file.aqua" as Name`: another module's declarations under a qualified name.

Fluence's compiler 0.14 lets a module `use` another one: its declarations are then written
`Name.f(...)`, `Name.Srv.f(...)`, `Name.Type`, `Name.CONST`, where `Name` is the `as` name
or else the used module's own header name. The checker declares them under those dotted
names (`"Name.f"`), which no Aqua name can clash with. Two syntax-tree rewrites do it, pure
functions over the frozen nodes:
- `qualify` renames, inside the used module's declarations, every reference to one of its
  own top-level names (they see each other unqualified);
- `resolve_qualified` turns what the parser read as a service call `Name.f(...)` or a field
  `Name.CONST` into a reference to the dotted name, when that name was declared by a `use`.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

from edge_agent.aqua import ast

Rewrite = Callable[[Any], Any]


def rewrite(node: Any, fn: Rewrite) -> Any:
    """`node` with `fn` applied to every syntax-tree node under it, children first."""
    if isinstance(node, tuple):
        return tuple(rewrite(item, fn) for item in node)
    if not dataclasses.is_dataclass(node) or isinstance(node, type):
        return node
    changes = {}
    for f in dataclasses.fields(node):
        old = getattr(node, f.name)
        new = rewrite(old, fn)
        if new is not old:
            changes[f.name] = new
    return fn(dataclasses.replace(node, **changes) if changes else node)


def qualify(decl: ast.Decl, names: set[str], prefix: str) -> ast.Decl:
    """`decl` of a used module, named `prefix.NAME`, its references to `names` (the used
    module's top-level names) renamed the same way."""
    def fn(node: Any) -> Any:
        if isinstance(node, (ast.Var, ast.StructLit, ast.NamedType)) and node.name in names:
            return dataclasses.replace(node, name=f"{prefix}.{node.name}")
        if isinstance(node, ast.CallExpr):
            if node.service is None and node.name in names:
                return dataclasses.replace(node, name=f"{prefix}.{node.name}")
            if node.service in names:
                return dataclasses.replace(node, service=f"{prefix}.{node.service}")
        if isinstance(node, ast.ServiceId) and node.service in names:
            return dataclasses.replace(node, service=f"{prefix}.{node.service}")
        return node

    renamed = rewrite(decl, fn)
    return dataclasses.replace(renamed, name=f"{prefix}.{decl.name}")


def resolve_qualified(decl: ast.Decl, qualified: set[str]) -> ast.Decl:
    """`decl` with `Name.f(...)` a call of the used function `Name.f` and `Name.X` a
    reference to the used constant or function `Name.X`, for each dotted name in `qualified`."""
    if not qualified:
        return decl

    def fn(node: Any) -> Any:
        if isinstance(node, ast.CallExpr) and node.service is not None:
            dotted = f"{node.service}.{node.name}"
            if dotted in qualified and node.service not in qualified:
                return ast.CallExpr(None, dotted, node.args, node.pos)
        if isinstance(node, ast.Field) and isinstance(node.base, ast.Var):
            dotted = f"{node.base.name}.{node.name}"
            if dotted in qualified:
                return ast.Var(dotted, node.base.pos)
        return node

    return rewrite(decl, fn)

"""Type-check an Aqua module and collect what the code generator needs to know.

Resolves every type name, checks every call, return, push, struct literal, field and index
against the declarations, and records the type of each expression (`Program.types`, keyed
by node identity) so that code generation never guesses whether a name is a stream. Errors
name both types: what was expected and what was given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from edge_agent.aqua import ast
from edge_agent.aqua import types as t
from edge_agent.aqua.checker_body import check_function
from edge_agent.aqua.checker_expr import expr_type
from edge_agent.aqua.errors import AquaError, Pos, Source
from edge_agent.aqua.library import LIBRARY
from edge_agent.aqua.modules import qualify, resolve_qualified
from edge_agent.aqua.parser import parse

Resolver = Callable[[str, str], "Source | None"]
"""(importing file's name, import path) -> the imported file, or None when there is none."""


@dataclass(frozen=True, slots=True)
class ServiceInfo:
    name: str
    default_id: str | None
    funcs: dict[str, t.Signature]


@dataclass(slots=True)
class Program:
    """A checked module: its declarations by name and the type of every expression."""

    module: ast.Module
    services: dict[str, ServiceInfo] = field(default_factory=dict)
    funcs: dict[str, tuple[ast.Func, t.Signature]] = field(default_factory=dict)
    structs: dict[str, t.Struct] = field(default_factory=dict)
    aliases: dict[str, t.Type] = field(default_factory=dict)
    consts: dict[str, ast.Expr] = field(default_factory=dict)
    types: dict[int, t.Type] = field(default_factory=dict)

    def type_of(self, node: ast.Expr) -> t.Type:
        return self.types[id(node)]


class Checker:
    """Collects the declarations of one module, then checks each function in order."""

    def __init__(self, source: Source, module: ast.Module, resolve: Resolver | None = None) -> None:
        self.source = source
        self.prog = Program(module)
        self.resolve_file = resolve
        self.imported = {source.name}  # a file imported twice, or by itself, is declared once

    def error(self, pos: Pos, message: str) -> AquaError:
        return AquaError(self.source, pos, message)

    def run(self) -> Program:
        main = self.source
        self.module(self.source, self.prog.module)
        self.source = main
        for alias, name, pos in self.prog.module.renames:
            if name not in self.prog.funcs:
                raise self.error(pos, f"'{name}' is exported as '{alias}' but is not a function of this file")
            self.taken(alias, pos)
            self.prog.funcs[alias] = self.prog.funcs[name]
        for name in self.prog.module.exports:
            if name not in self.prog.funcs and name not in self.prog.services:
                raise self.error(Pos(1, 1), f"'{name}' is exported but not declared in this file")
        return self.prog

    def module(self, source: Source, module: ast.Module) -> None:
        """Declare the contents of `module`'s imports and uses, then its own declarations."""
        for decl_source, decl in self.gather(source, module, ()):
            self.source = decl_source
            self.declare(decl)

    def gather(self, source: Source, module: ast.Module,
               using: tuple[str, ...]) -> list[tuple[Source, ast.Decl]]:
        """The declarations `module` brings, in order, each with its file: an imported file's
        (once), a used module's (under its dotted names), then its own. `using`: the files
        whose `use` led here, so that a module using itself is an error, not a loop."""
        out: list[tuple[Source, ast.Decl]] = []
        qualified: set[str] = set()
        for imp in module.imports:
            self.source = source
            found = self.find(imp)
            if not imp.use:
                if found.name not in self.imported:
                    self.imported.add(found.name)
                    out.extend(self.gather(found, parse(found), using))
                continue
            if found.name in using or found.name == source.name:
                raise self.error(imp.pos, f"'{imp.path}' uses itself")
            used = parse(found)
            prefix = imp.alias or used.name
            if prefix is None:
                raise self.error(imp.pos, f"'{imp.path}' has no module header: "
                                          f"write use \"{imp.path}\" as Name")
            inner = self.gather(found, used, (*using, source.name))
            names = {decl.name for _, decl in inner}
            for decl_source, decl in inner:
                renamed = qualify(decl, names, prefix)
                qualified.add(renamed.name)
                out.append((decl_source, renamed))
        out.extend((source, resolve_qualified(decl, qualified)) for decl in module.decls)
        return out

    def find(self, imp: ast.Import) -> Source:
        """The file `imp` names: a bundled one, or one `resolve` reads."""
        if imp.path in LIBRARY:
            return Source(imp.path, LIBRARY[imp.path])
        if imp.path.startswith("@"):
            raise self.error(imp.pos, f"'{imp.path}' is not bundled with edge-agent; bundled: "
                                      + ", ".join(sorted(LIBRARY)))
        if self.resolve_file is None:
            raise self.error(imp.pos, "importing a file needs the importing file's path "
                                      "(compile a file, not a string)")
        found = self.resolve_file(self.source.name, imp.path)
        if found is None:
            raise self.error(imp.pos, f"cannot read '{imp.path}'")
        return found

    def taken(self, name: str, pos: Pos) -> None:
        p = self.prog
        if any(name in table for table in (p.services, p.funcs, p.structs, p.aliases, p.consts)):
            raise self.error(pos, f"'{name}' is already declared")

    def declare(self, decl: ast.Decl) -> None:
        self.taken(decl.name, decl.pos)
        if isinstance(decl, ast.Data):
            fields = tuple((f.name, self.resolve(f.type)) for f in decl.fields)
            self.prog.structs[decl.name] = t.Struct(decl.name, fields)
        elif isinstance(decl, ast.Alias):
            self.prog.aliases[decl.name] = self.resolve(decl.type)
        elif isinstance(decl, ast.Service):
            funcs = {f.name: self.signature(f.args, f.results) for f in decl.funcs}
            self.prog.services[decl.name] = ServiceInfo(decl.name, decl.default_id, funcs)
        elif isinstance(decl, ast.Const):
            self.expr(decl.value, {})
            self.prog.consts[decl.name] = decl.value
        else:
            sig = self.signature(decl.args, decl.results, callbacks=True)
            self.prog.funcs[decl.name] = (decl, sig)
            check_function(self, decl, sig)

    def signature(self, args: tuple[ast.Arg, ...], results: tuple[ast.TypeRef, ...],
                  callbacks: bool = False) -> t.Signature:
        """A signature; only a func's arguments (`callbacks`) may be arrows."""
        return t.Signature(tuple((a.name, self.resolve(a.type, callbacks)) for a in args),
                           tuple(self.resolve(r) for r in results))

    def resolve(self, ref: ast.TypeRef, arrow: bool = False) -> t.Type:
        """The type a written type names; AquaError for an unknown name, or for an arrow
        anywhere but a func's argument (`arrow`): nothing else can hold a callback."""
        if isinstance(ref, ast.ArrayType):
            return t.Array(self.resolve(ref.elem))
        if isinstance(ref, ast.OptionType):
            return t.Option(self.resolve(ref.elem))
        if isinstance(ref, ast.StreamType):
            return t.Stream(self.resolve(ref.elem))
        if isinstance(ref, ast.ArrowType):
            if not arrow:
                raise self.error(ref.pos, "an arrow (callback) type is only supported as the type "
                                          "of a func's argument")
            return t.Arrow(tuple(self.resolve(a) for a in ref.args),
                           tuple(self.resolve(r) for r in ref.results))
        if ref.name in t.SCALARS:
            return t.Scalar(ref.name)
        if ref.name in self.prog.structs:
            return self.prog.structs[ref.name]
        if ref.name in self.prog.aliases:
            return self.prog.aliases[ref.name]
        raise self.error(ref.pos, f"unknown type '{ref.name}'")

    def expr(self, node: ast.Expr, scope: dict[str, t.Type]) -> t.Type:
        """The type of `node` in `scope`, recorded in the program; AquaError when ill-typed."""
        typ = expr_type(self, node, scope)
        self.prog.types[id(node)] = typ
        return typ

    def expect(self, node: ast.Expr, scope: dict[str, t.Type], want: t.Type, what: str) -> t.Type:
        got = self.expr(node, scope)
        if not t.assignable(got, want):
            raise self.error(node.pos, f"{what} must be {want}, but this is {got}")
        return got


def check(source: Source, module: ast.Module, resolve: Resolver | None = None) -> Program:
    """The checked program of `module` and its imports; AquaError at the first type error.

    `@fluencelabs/aqua-lib/...` imports are the bundled declarations (edge_agent.aqua.library);
    other imports are read through `resolve`.
    """
    return Checker(source, module, resolve).run()

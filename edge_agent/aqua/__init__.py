"""The Aqua compiler: Aqua source in, AIR text out, with Fluence's client convention.

Stages, each its own module: lexer -> parser (syntax tree) -> checker (types) -> codegen
(AIR). Pure: no I/O beyond reading the file `compile_file` is given.
"""

from __future__ import annotations

from pathlib import Path

from edge_agent.aqua.checker import Program, Resolver, check
from edge_agent.aqua.codegen import Generator
from edge_agent.aqua.errors import AquaError, Pos, Source
from edge_agent.aqua.parser import parse
from edge_agent.aqua.types import Signature

__all__ = [
    "AquaError", "Pos", "Program", "Source",
    "Signature", "compile_all", "compile_file", "compile_function", "compile_source", "load",
    "read_relative", "read_source",
]


def load(text: str, name: str = "<aqua>", resolve: Resolver | None = None) -> tuple[Source, Program]:
    """Parse and type-check Aqua text; raises AquaError at the first mistake.

    Imports of files (not of the bundled `@fluencelabs/aqua-lib/...`) are read by `resolve`;
    `compile_file` gives one that reads them relative to the importing file.
    """
    source = Source(name, text)
    return source, check(source, parse(source), resolve)


def read_relative(importer: str, path: str) -> Source | None:
    """The file `path` names, relative to the directory of the file `importer`."""
    target = Path(importer).parent / path
    try:
        return Source(str(target), target.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None


def _own(prog: Program) -> list[str]:
    """The functions of the file itself and of its imports, not those of a `use`."""
    return [name for name in prog.funcs if "." not in name]


def _pick(source: Source, prog: Program, func: str | None) -> str:
    exported = [n for n in prog.module.exports if n in prog.funcs] or _own(prog)
    if func is None:
        if len(exported) != 1:
            raise AquaError(source, Pos(1, 1), "choose the function to compile; exported: "
                                               + (", ".join(exported) or "none"))
        return exported[0]
    if func not in prog.funcs:
        raise AquaError(source, Pos(1, 1), f"no function '{func}'; exported: {', '.join(exported) or 'none'}")
    return func


def compile_source(text: str, func: str | None = None, name: str = "<aqua>", relay: bool = True,
                   resolve: Resolver | None = None) -> str:
    """The AIR of function `func` (of the only exported one when None).

    `relay=True` is Fluence's default: the client reads `-relay-` and reaches other peers
    through it; `relay=False` is its `noRelay`, for a client that reaches peers directly.
    """
    source, prog = load(text, name, resolve)
    return Generator(source, prog, relay).function(_pick(source, prog, func))


def compile_all(text: str, name: str = "<aqua>", relay: bool = True,
                resolve: Resolver | None = None) -> dict[str, dict[str, object]]:
    """Every exported function (every function when none is exported): its AIR and signature.

    `{"f": {"air": "...", "args": [["x", "[]string"]], "results": ["string"]}}`, types
    written as in Aqua.
    """
    source, prog = load(text, name, resolve)
    names = [n for n in prog.module.exports if n in prog.funcs] or _own(prog)
    out: dict[str, dict[str, object]] = {}
    for func in names:
        sig = prog.funcs[func][1]
        out[func] = {
            "air": Generator(source, prog, relay).function(func),
            "args": [[arg, str(typ)] for arg, typ in sig.args],
            "results": [str(typ) for typ in sig.results],
        }
    return out


def compile_function(text: str, func: str | None = None, name: str = "<aqua>", relay: bool = True,
                     resolve: Resolver | None = None) -> tuple[str, Signature]:
    """The AIR of one function, as compile_source, and its signature (for its arguments)."""
    source, prog = load(text, name, resolve)
    chosen = _pick(source, prog, func)
    return Generator(source, prog, relay).function(chosen), prog.funcs[chosen][1]


def compile_file(path: str | Path, func: str | None = None, relay: bool = True) -> str:
    """compile_source of the file at `path`, its imports read beside it; errors name the file."""
    p = Path(path)
    return compile_source(p.read_text(encoding="utf-8"), func, str(p), relay, read_relative)


def read_source(source_or_path: str | Path) -> tuple[str, str]:
    """(text, name) of Aqua given as a Path, as a string naming a `.aqua` file, or
    as the source text itself (named `<aqua>`, imports read relative to the working directory).

    A Path or a one-line string ending in `.aqua` is a file name: OSError when unreadable."""
    text = str(source_or_path)
    if isinstance(source_or_path, Path) or (text.endswith(".aqua") and "\n" not in text):
        return Path(text).read_text(encoding="utf-8"), text  # OSError when there is no such file
    return text, "<aqua>"

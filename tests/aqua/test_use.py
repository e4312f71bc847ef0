"""`use "file" [as Name]`, `export f as g`, and the names every Aqua 0.14 module has.

The differential corpus (aq-use-as, aq-use-module-name, aq-import-file, aq-export-as,
aq-built-in-names) checks what they do against Fluence's compiler; these check the errors
and the edges: each error names the file it is about, with the line and a caret.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from edge_agent.aqua import AquaError, Source, compile_all, compile_file, compile_source

LIB = '''aqua Lib declares *

data Pair:
    a: string
    b: string

const SUFFIX = "!"

service Op("op"):
    concat_strings(a: string, b: string) -> string

func shout(s: string) -> string:
    r <- Op.concat_strings(s, SUFFIX)
    <- r

func pair(s: string) -> Pair:
    t <- shout(s)
    <- Pair(a = s, b = t)
'''


def write(tmp_path: Path, main: str, lib: str = LIB) -> Path:
    (tmp_path / "lib.aqua").write_text(lib, encoding="utf-8")
    path = tmp_path / "main.aqua"
    path.write_text(main, encoding="utf-8")
    return path


def test_used_names_are_qualified_and_compile(tmp_path: Path) -> None:
    path = write(tmp_path, 'aqua M\n\nexport f\n\nuse "lib.aqua" as L\n\n'
                           "func f(x: string) -> L.Pair, string:\n    p <- L.pair(x)\n"
                           "    q = L.Pair(a = L.SUFFIX, b = p.b)\n    s <- L.Op.concat_strings(q.a, x)\n"
                           "    <- p, s\n")
    air = compile_file(path, "f")
    assert '("op" "concat_strings") [-x-arg- "!"]' in air
    assert "Pair_obj" in air and "L." not in air  # AIR names carry no module prefix


def test_use_without_as_takes_the_module_name(tmp_path: Path) -> None:
    path = write(tmp_path, 'aqua M\n\nexport f\n\nuse "lib.aqua"\n\nfunc f(x: string) -> string:\n'
                           "    r <- Lib.shout(x)\n    <- r\n")
    assert '("op" "concat_strings")' in compile_file(path, "f")


def test_used_names_are_not_visible_unqualified(tmp_path: Path) -> None:
    path = write(tmp_path, 'aqua M\n\nexport f\n\nuse "lib.aqua" as L\n\nfunc f(x: string) -> string:\n'
                           "    r <- shout(x)\n    <- r\n")
    with pytest.raises(AquaError, match=re.escape("main.aqua:8:10: unknown function 'shout'")):
        compile_file(path, "f")


def test_a_used_function_is_not_exported_by_default(tmp_path: Path) -> None:
    path = write(tmp_path, 'aqua M\n\nuse "lib.aqua" as L\n\nfunc f(x: string) -> string:\n'
                           "    r <- L.shout(x)\n    <- r\n")
    assert list(compile_all(path.read_text(), str(path), resolve=lambda _, p: _read(tmp_path, p))) == ["f"]


def _read(tmp_path: Path, name: str) -> Source:
    return Source(str(tmp_path / name), (tmp_path / name).read_text(encoding="utf-8"))


def test_an_error_in_a_used_file_names_that_file(tmp_path: Path) -> None:
    path = write(tmp_path, 'aqua M\n\nuse "lib.aqua" as L\n\nfunc f() -> string:\n    <- "x"\n',
                 LIB.replace("Op.concat_strings(s, SUFFIX)", "Op.concat_strings(s, 1)"))
    with pytest.raises(AquaError) as err:
        compile_file(path, "f")
    assert str(err.value).startswith(f"{tmp_path / 'lib.aqua'}:13:")
    assert "argument 'b' of L.Op.concat_strings must be string, but this is number" in str(err.value)


@pytest.mark.parametrize(("main", "lib", "message"), [
    ('use "lib.aqua"\n', "func g() -> string:\n    <- \"x\"\n",
     "'lib.aqua' has no module header: write use \"lib.aqua\" as Name"),
    ('use "lib.aqua" as L\n', 'aqua L\n\nuse "lib.aqua" as L\n', "'lib.aqua' uses itself"),
    ('use "missing.aqua" as L\n', LIB, "cannot read 'missing.aqua'"),
    ("use x\n", LIB, "expected 'from', found the end of line"),
    ("use x from y\n", LIB, 'expected the module to use, as a string: use "file.aqua" as Name'),
    ('use "lib.aqua" as\n', LIB, "expected a module name, found the end of line"),
])
def test_use_errors(tmp_path: Path, main: str, lib: str, message: str) -> None:
    path = write(tmp_path, "aqua M\n\n" + main + "\nfunc f() -> string:\n    <- \"x\"\n", lib)
    with pytest.raises(AquaError, match=re.escape(message)):
        compile_file(path, "f")


def test_export_as_compiles_under_the_new_name() -> None:
    text = ("aqua M\n\nexport f as g, h\n\nfunc f() -> string:\n    <- \"x\"\n\n"
            "func h() -> string:\n    <- \"y\"\n")
    assert list(compile_all(text)) == ["g", "h"]
    assert compile_source(text, "g") == compile_source(text, "f")


@pytest.mark.parametrize(("export", "message"), [
    ("export nope as g", "m.aqua:3:8: 'nope' is exported as 'g' but is not a function of this file"),
    ("export f as h", "m.aqua:3:8: 'h' is already declared"),
    ("export f as", "m.aqua:3:12: expected the name to export it as"),
])
def test_export_as_errors(export: str, message: str) -> None:
    text = f"aqua M\n\n{export}\n\nfunc f() -> string:\n    <- \"x\"\n\nfunc h() -> string:\n    <- \"y\"\n"
    with pytest.raises(AquaError, match=re.escape(message)):
        compile_source(text, "f", "m.aqua")


def test_built_in_names_in_relay_and_no_relay_mode() -> None:
    text = ("func f() -> string, string, u32, u64, string:\n"
            "    <- INIT_PEER_ID, HOST_PEER_ID, PARTICLE_TTL, PARTICLE_TIMESTAMP, LAST_ERROR.message\n")
    assert "[%init_peer_id% -relay- %ttl% %timestamp% :error:.$.message]" in compile_source(text)
    assert "[%init_peer_id% %init_peer_id% %ttl%" in compile_source(text, relay=False)


def test_a_local_name_hides_a_built_in_one() -> None:
    text = 'func f() -> string:\n    INIT_PEER_ID = "mine"\n    <- INIT_PEER_ID\n'
    assert '["mine"]' in compile_source(text)


@pytest.mark.parametrize(("body", "message"), [
    ("func f(x: string) -> string:\n    <- x.copy(a = 1)\n",
     "'copy' makes a changed copy of a data value, not of string"),
    ('data P:\n    a: string\n\nfunc f(p: P) -> P:\n    <- p.copy(b = "x")\n', "P has no field 'b'"),
    ("data P:\n    a: string\n\nfunc f(p: P) -> P:\n    <- p.copy(a = 1)\n", "field 'a' of P must be string"),
])
def test_copy_errors(body: str, message: str) -> None:
    with pytest.raises(AquaError, match=re.escape(message)):
        compile_source(body)


def test_bang_index_is_an_index_only_when_the_number_touches_it() -> None:
    assert compile_source("func f(xs: []string) -> string:\n    <- xs!1\n") == \
        compile_source("func f(xs: []string) -> string:\n    <- xs[1]\n")
    with pytest.raises(AquaError, match="expected the end of the line, found '1'"):
        compile_source("func f(xs: []string) -> string:\n    <- xs! 1\n")


def test_use_of_the_bundled_aqua_lib() -> None:
    """The same calls as Fluence's 0.14 compiles of this text (checked once with the oracle)."""
    text = ('aqua A\n\nexport f\n\nuse "@fluencelabs/aqua-lib/builtin.aqua"\n'
            'use "@fluencelabs/aqua-lib/builtin.aqua" as B\n\n'
            "func f(x: string) -> string, string, u64:\n    a <- Builtin.Op.concat_strings(x, x)\n"
            "    b <- B.Op.concat_strings(a, x)\n    t <- B.Peer.timestamp_ms()\n    <- a, b, t\n")
    air = compile_source(text, "f")
    assert '("op" "concat_strings") [-x-arg- -x-arg-] ret)' in air
    assert '("op" "concat_strings") [ret -x-arg-] ret-0)' in air
    assert '("peer" "timestamp_ms") [] ret-1)' in air

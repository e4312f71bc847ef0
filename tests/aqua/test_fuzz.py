"""Random and mutated input: the compiler raises AquaError or succeeds, never anything else.

`compile_all` runs every stage (lexer, parser, checker with imports and uses, code
generator) on every function of the text. The inputs: any text, soups of Aqua tokens,
recorded and generated programs with bytes or lines changed, and imported or used files
that are themselves broken (an error there names that file)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge_agent.aqua import AquaError, Source, compile_source, load
from tests.aqua.generator import programs

TESTS = Path(__file__).parent.parent
SEEDS = sorted(p.read_text(encoding="utf-8") for p in [
    *TESTS.glob("air/oracle/cases/aqua-*/main.aqua"), *TESTS.glob("aqua/corpus/*/main.aqua"),
    *TESTS.glob("services/aqua/*.aqua"), *TESTS.glob("aqua/generated/*/main.aqua"),
])

PIECES = ["aqua M\n", "func f(", "x: []string", ") -> string", ":\n", "    ", "        ", "on ", " via ",
          "for x <- xs par", "if a == b", "else", "try", "catch e", "otherwise", "join res[2]", "<- ",
          "res: *string\n", "res <<- x\n", 'service S("s"):\n', "    f(a: u32) -> u64\n", "data D:\n",
          "S.f(1)", "x.length", "x!", "?[1]", "nil", "[1, 2]", "D(a = 1)", "(", ")", "[", "]", ",", "\n",
          '"s"', "-1", "3.5", "par ", "co ", "-- c\n", "\t", "$", "=", "<<-", "->", "not ", " and ",
          'use "lib.aqua"', " as L\n", 'import "lib.aqua"\n', "L.f(", "L.S.f(", "L.D(", "L.C",
          "for x <- s rec", ".copy(", "x!1", "INIT_PEER_ID", "HOST_PEER_ID", "LAST_ERROR.message",
          "PARTICLE_TTL", "ability A:\n",
          'S "id"\n', "func (s: string) -> string:", "export f as g\n", "%", "⊤", "⊥", "**"]


LIB = """aqua L declares *

data D:
    a: string

const C = "c"

service S("s"):
    f(a: u32) -> string

func f(x: string) -> string:
    r <- S.f(1)
    <- r
"""


def compile_all(text: str, lib: str = LIB) -> None:
    """Compile every function of `text` (which may import or use `lib.aqua`, whose text is
    `lib`); only AquaError may come out, naming the file it is about."""
    def resolve(importer: str, path: str) -> Source | None:
        return Source(path, lib) if path == "lib.aqua" else None

    try:
        _, prog = load(text, "fuzz.aqua", resolve)
        for name in prog.funcs:
            compile_source(text, name, "fuzz.aqua", resolve=resolve)
    except AquaError as e:
        assert str(e).startswith(("fuzz.aqua:", "lib.aqua:")), str(e)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_token_soup_gives_only_aqua_errors(text: str) -> None:
    compile_all(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_any_text_gives_only_aqua_errors(text: str) -> None:
    compile_all(text)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SEEDS), st.integers(0, 10_000), st.integers(0, 8), st.sampled_from(PIECES + [""]))
def test_mutated_programs_give_only_aqua_errors(seed: str, at: int, cut: int, insert: str) -> None:
    i = at % (len(seed) + 1)
    compile_all(seed[:i] + insert + seed[i + cut:])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SEEDS), st.lists(st.tuples(st.sampled_from(["drop", "copy", "swap", "dedent"]),
                                                  st.integers(0, 200), st.integers(0, 200)), max_size=4))
def test_lines_moved_give_only_aqua_errors(seed: str, edits: list[tuple[str, int, int]]) -> None:
    lines = seed.splitlines()
    for op, a, b in edits:
        if not lines:
            break
        i, j = a % len(lines), b % len(lines)
        if op == "drop":
            del lines[i]
        elif op == "copy":
            lines.insert(j, lines[i])
        elif op == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        else:
            lines[i] = lines[i][4:]
    compile_all("\n".join(lines) + "\n")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), st.integers(0, 10_000), st.integers(0, 8), st.sampled_from(PIECES + [""]))
def test_generated_programs_mutated_give_only_aqua_errors(seed: str, at: int, cut: int, insert: str) -> None:
    i = at % (len(seed) + 1)
    compile_all(seed[:i] + insert + seed[i + cut:])


USER = 'aqua U\n\nexport g\n\nuse "lib.aqua" as L\nimport "lib.aqua"\n\nfunc g() -> string:\n    <- L.f(C)\n'


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.integers(0, 8), st.sampled_from(PIECES + [""]))
def test_broken_imported_files_give_only_aqua_errors_naming_them(at: int, cut: int, insert: str) -> None:
    i = at % (len(LIB) + 1)
    compile_all(USER, LIB[:i] + insert + LIB[i + cut:])


def test_an_error_in_a_used_file_names_that_file() -> None:
    broken = LIB.replace("S.f(1)", 'S.f("one")')
    with pytest.raises(AquaError, match=r"^lib\.aqua:12:\d+: argument"):
        load(USER, "fuzz.aqua", lambda importer, path: Source(path, broken))


def test_the_user_program_compiles_with_the_library() -> None:
    assert "(call %init_peer_id% (\"s\" \"f\") [1]" in compile_source(
        USER, "g", "fuzz.aqua", resolve=lambda importer, path: Source(path, LIB))

"""Random and mutated input: the compiler raises AquaError or succeeds, never anything else."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge_agent.aqua import AquaError, compile_source, load

TESTS = Path(__file__).parent.parent
SEEDS = sorted(p.read_text(encoding="utf-8") for p in [
    *TESTS.glob("air/oracle/cases/aqua-*/main.aqua"), *TESTS.glob("aqua/corpus/*/main.aqua"),
    *TESTS.glob("services/aqua/*.aqua"),
])

PIECES = ["aqua M\n", "func f(", "x: []string", ") -> string", ":\n", "    ", "        ", "on ", " via ",
          "for x <- xs par", "if a == b", "else", "try", "catch e", "otherwise", "join res[2]", "<- ",
          "res: *string\n", "res <<- x\n", 'service S("s"):\n', "    f(a: u32) -> u64\n", "data D:\n",
          "S.f(1)", "x.length", "x!", "?[1]", "nil", "[1, 2]", "D(a = 1)", "(", ")", "[", "]", ",", "\n",
          '"s"', "-1", "3.5", "par ", "co ", "-- c\n", "\t", "$", "=", "<<-", "->", "not ", " and "]


def compile_all(text: str) -> None:
    """Compile every function of `text`; only AquaError may come out."""
    try:
        _, prog = load(text, "fuzz.aqua")
        for name in prog.funcs:
            compile_source(text, name, "fuzz.aqua")
    except AquaError:
        pass


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

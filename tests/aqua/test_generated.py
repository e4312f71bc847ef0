"""Generated programs: ours and Fluence's 0.14 compiler agree on them (issue 10's property test).

tests/aqua/generator.py is a small grammar of Aqua programs (structs, services, on/via, par,
co, for par/try, if/else, try/catch/otherwise, streams, join). Two tests use it:
- the recorded ones (tests/aqua/generated/, written from fixed seeds, compiled by Fluence's
  compiler and run by AquaVM once): our AIR must give the same responses, errors, calls and
  failures on edge_agent.sim as Fluence's AIR, and take no more hops;
- fresh programs drawn by hypothesis: our compiler accepts every one and its AIR, run on the
  simulator, ends in exactly one response or one uncaught error, as each recorded run does.
Values gathered in parallel may come in another order, so arrays are compared sorted.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from edge_agent.aqua import compile_file, compile_source
from tests.air.test_oracle_conformance import load_case, run_case_with_edge_agent_sim
from tests.aqua.generator import case_input, programs
from tests.aqua.test_differential import spy_on_runs, unordered

_TRY_BODY = ("a `for ... try` whose body is an `on` inside `on X via A via B`: Fluence's exit of "
             "the body goes only back to B, where the next iteration's entry starts; ours to X")
_ARRAY_PARENT = ("an `on` inside `on X via ARRAY`: Fluence goes out of X through the array first "
                 "to last and back into X last to first, so a child that is the array's last "
                 "relay costs no hop; ours goes the other way round")
HOPS_OVER: dict[str, tuple[int, str]] = {
    "g-448": (1, _TRY_BODY), "g-541": (1, _TRY_BODY),
    "g-534": (1, _ARRAY_PARENT), "g-558": (1, _ARRAY_PARENT), "g-579": (4, _ARRAY_PARENT),
    "g-586": (1, _ARRAY_PARENT),
}
"""Programs where ours takes more hops than Fluence's (how many more, and why): each is a
known gap of our path finding, kept visible here rather than dropped from the corpus. The
reasons were found on reduced programs for g-448 and g-579, by the programs' shape for
the others."""

GENERATED = Path(__file__).parent / "generated"
CASES = sorted(d for d in GENERATED.iterdir() if (d / "expected.json").is_file())


def test_recorded_programs_are_present() -> None:
    assert len(CASES) >= 60


@pytest.mark.parametrize("case_dir", CASES, ids=[d.name for d in CASES])
def test_generated_program_behaves_as_fluence(case_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runs = spy_on_runs(monkeypatch)
    case, fluence_air, expected = load_case(case_dir)
    want = unordered(run_case_with_edge_agent_sim(case, fluence_air))
    assert want == unordered(expected), "the simulator no longer agrees with AquaVM's recorded run"
    ours = compile_file(case_dir / "main.aqua", "main")
    got = unordered(run_case_with_edge_agent_sim(case, ours))
    assert got == want, ours
    fluence_run, our_run = runs
    over = HOPS_OVER.get(case_dir.name, (0, ""))[0]
    assert our_run.hops <= fluence_run.hops + over, \
        f"{our_run.hops} hops, Fluence's {fluence_run.hops}\n{ours}"


def test_hops_over_names_recorded_programs() -> None:
    assert set(HOPS_OVER) <= {d.name for d in CASES}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_fresh_programs_compile_and_end_in_one_answer(source: str) -> None:
    air = compile_source(source, "main")
    assert compile_source(source, "main") == air  # the same AIR every time
    result = run_case_with_edge_agent_sim(case_input(), air)
    assert result["quiescent"]
    assert len(result["responses"]) + len(result["errors"]) == 1, (source, result)
    if result["responses"]:
        values, count = result["responses"][0]
        assert count == len(values)

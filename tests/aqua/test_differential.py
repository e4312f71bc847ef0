"""Differential: our compiler's AIR and Fluence's 0.14 AIR, same source, same simulator run.

For each oracle case compiled from Aqua (tests/air/oracle/cases/aqua-*), compile its
main.aqua with edge_agent.aqua, run both scripts on edge_agent.sim with the case's peers,
services and data (through the conformance harness, not a copy of it), and compare what
the oracle's `--compare --semantic` compares. The recorded expectation must hold for
Fluence's script too, so a mismatch points at our compiler, not at the simulator.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from edge_agent.aqua import AquaError, compile_file
from tests.air.test_oracle_conformance import (
    CASES_DIR,
    SEMANTIC_FIELDS,
    load_case,
    run_case_with_edge_agent_sim,
    semantic_view,
)

NOT_SUPPORTED_YET = {
    "aqua-13-parseq": "'parseq' is not supported yet",
}
"""Cases whose source uses a construct we refuse (with a clear error) for now, and why."""

CORPUS_DIR = Path(__file__).parent / "corpus"
AQUA_CASES = sorted(d for d in CASES_DIR.iterdir()
                    if d.name.startswith("aqua-") and (d / "main.aqua").is_file())
AQUA_CASES += sorted(d for d in CORPUS_DIR.iterdir() if (d / "input.json").is_file())


def test_corpus_has_aqua_cases() -> None:
    assert len(AQUA_CASES) >= 40


@pytest.mark.parametrize("case_dir", AQUA_CASES, ids=[d.name for d in AQUA_CASES])
def test_same_behaviour_as_fluence(case_dir: Path) -> None:
    case, fluence_air, expected = load_case(case_dir)
    aqua = case["aqua"]
    source = case_dir / aqua["file"]
    if case_dir.name in NOT_SUPPORTED_YET:
        with pytest.raises(AquaError, match="not supported yet"):
            compile_file(source, aqua["func"], relay=not aqua.get("noRelay", False))
        return
    ours = compile_file(source, aqua["func"], relay=not aqua.get("noRelay", False))
    want = semantic_view(run_case_with_edge_agent_sim(case, fluence_air))
    assert want == semantic_view(expected), "the simulator no longer agrees with the recorded run"
    got = semantic_view(run_case_with_edge_agent_sim(case, ours))
    for field in SEMANTIC_FIELDS:
        assert got[field] == want[field], f"{case_dir.name}: {field} differs\n{ours}"

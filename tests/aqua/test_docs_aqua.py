"""docs/aqua.md stays true: every example compiles and runs on the simulator as it says."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from edge_agent.aqua import compile_source
from edge_agent.sim import Network

DOC = Path(__file__).resolve().parents[2] / "docs" / "aqua.md"
EXAMPLE = re.compile(r"<!-- example: (\{.*?\}) -->\n```aqua\n(.*?)```", re.S)
EXAMPLES = EXAMPLE.findall(DOC.read_text(encoding="utf-8"))


def test_the_page_has_examples() -> None:
    assert len(EXAMPLES) >= 4


@pytest.mark.parametrize(("meta", "source"), EXAMPLES, ids=[f"example-{i}" for i in range(len(EXAMPLES))])
def test_example_runs_as_documented(meta: str, source: str) -> None:
    spec: dict[str, Any] = json.loads(meta)
    air = compile_source(source, spec["func"], "aqua.md", relay=False)
    assert "-relay-" not in air
    result = Network(spec["peers"]).run(air, init_peer=spec["peers"][0], data=spec["data"])
    assert result.failures == []
    assert result.errors == []
    assert result.responses == spec["responses"]

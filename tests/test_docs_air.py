"""docs/air.md stays true: every example in it runs on the simulator with the stated result."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from edge_agent.sim import Network, ServiceError

DOC = Path(__file__).resolve().parents[1] / "docs" / "air.md"
EXAMPLE = re.compile(r"<!-- example: (\{.*?\}) -->\n```air\n(.*?)```", re.S)
EXAMPLES = EXAMPLE.findall(DOC.read_text())


def test_the_page_has_examples() -> None:
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize(("meta", "script"), EXAMPLES, ids=[f"example-{i}" for i in range(len(EXAMPLES))])
def test_example_runs_as_documented(meta: str, script: str) -> None:
    spec: dict[str, Any] = json.loads(meta)
    net = Network(spec["peers"])
    for peer, (service, message) in spec.get("failing", {}).items():

        def fail(function: str, args: list[Any], message: str = message) -> Any:
            raise ServiceError(message)

        net.add_service(peer, service, fail)
    result = net.run(script, init_peer=spec["peers"][0], data=spec.get("data"))
    assert result.failures == []
    assert result.responses == spec["responses"]
    assert result.errors == spec.get("errors", [])

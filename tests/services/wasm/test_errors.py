"""The Wasm host's error (edge_agent/services/wasm/errors.py): a rejected module is an error of
the one tree, so the CLI reports its message to a person instead of a traceback."""

from __future__ import annotations

import pytest

from edge_agent.errors import EdgeAgentError
from edge_agent.services.wasm.errors import ModuleRejected
from edge_agent.services.wasm.validate import validate


def test_module_rejected_belongs_to_the_error_tree() -> None:
    assert issubclass(ModuleRejected, EdgeAgentError)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "truncated in the module header at byte 0"),
        (b"\x7fELF\x02\x01\x01\x00", "not a WebAssembly module (bad magic)"),
        (b"\x00asm\x02\x00\x00\x00", "unsupported WebAssembly binary version 2 (expected 1)"),
    ],
)
def test_a_rejection_is_caught_as_an_edge_agent_error_with_its_reason(data: bytes, message: str) -> None:
    with pytest.raises(EdgeAgentError) as info:
        validate(data)
    assert type(info.value) is ModuleRejected and str(info.value) == message

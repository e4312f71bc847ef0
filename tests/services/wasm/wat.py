"""Compile WebAssembly text for the tests with wabt's wat2wasm, and run modules with wasm3.

Tests that need a tool that is missing are skipped, unless EDGE_AGENT_CI is set (CI
installs wabt and pywasm3, so there a missing tool is a failure).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def _missing(what: str) -> None:
    if os.environ.get("EDGE_AGENT_CI"):
        pytest.fail(f"{what} is missing, and CI must have it")
    pytest.skip(f"{what} is not installed")


def require_wat2wasm() -> str:
    path = shutil.which("wat2wasm")
    if path is None:
        _missing("wat2wasm (Debian package wabt)")
    assert path is not None
    return path


@functools.lru_cache(maxsize=512)
def compile_wat(text: str, *, check: bool = True) -> bytes:
    """The binary of a module given as WebAssembly text (features beyond MVP enabled;
    `check=False` skips wat2wasm's validation, to build modules wasm3 would refuse)."""
    tool = require_wat2wasm()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp, "m.wat")
        out = Path(tmp, "m.wasm")
        src.write_text(text)
        proc = subprocess.run(
            [tool, "--enable-all", *([] if check else ["--no-check"]), str(src), "-o", str(out)],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise AssertionError(f"wat2wasm failed:\n{proc.stderr}\n{text}")
        return out.read_bytes()


def fixture(name: str) -> bytes:
    """The binary of tests/services/wasm/fixtures/NAME.wat."""
    return compile_wat((FIXTURES / f"{name}.wat").read_text())


def wasm3() -> Any:
    try:
        import wasm3 as module
    except ImportError:
        _missing("pywasm3")
    return module


class Instance:
    """One module loaded in its own wasm3 runtime; `call` returns the result or raises
    RuntimeError on a trap, as pywasm3 does."""

    def __init__(self, data: bytes, stack_bytes: int = 256 * 1024) -> None:
        w3 = wasm3()
        self.env = w3.Environment()
        self.runtime = self.env.new_runtime(stack_bytes)
        self.module = self.env.parse_module(data)
        self.runtime.load(self.module)

    def call(self, name: str, *args: int) -> Any:
        return self.runtime.find_function(name)(*args)

    def memory(self) -> bytes:
        return bytes(self.runtime.get_memory(0))
